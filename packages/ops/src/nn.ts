// Neural-net ops: softmax re-exports, conv2d (NHWC input, HWIO filter) with its backprop ops, max/avg pooling and dropout.

import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import {
  ChainruleError, defineOp, allocate, tensor, ones, inferSame, uniformArray, split, shapesEqual, reshape, mul, withBatch, mergeBatch, splitBatch, loopBatch,
  type Op, type Aval, type Tensor, type ShapeError, type PRNGKey, type BatchArgs, shapeText } from '@chainrule/core';
import { conv2dForward, conv2dBackwardInput, conv2dBackwardFilter, convOutputSize, samePadding, type Pads2d, type Pair } from './kernels/conv.js';
import { maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward } from './kernels/pool.js';
import { addTangents } from './internal.js';

export { softmax, logSoftmax } from '@chainrule/core';

// ---------------------------------------------------------------------------------------
// Attribute codecs. Each failure message says what a valid value looks like, so a bad attr
// reads e.g. "padding: expected 'same', 'valid' or [[top, bottom], [left, right]] …, got "full"".

/** A size per spatial axis: one positive integer for both, or `[height, width]`. */
export type Size2 = number | readonly [number, number];

/** Zero padding of the spatial axes: TensorFlow's 'same' or 'valid', or explicit `[[top, bottom], [left, right]]`. */
export type Padding = 'same' | 'valid' | readonly [readonly [number, number], readonly [number, number]];

const isInt = (u: unknown, min: number): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min;
const isPair = (u: unknown, min: number): u is readonly [number, number] => Array.isArray(u) && u.length === 2 && isInt(u[0], min) && isInt(u[1], min);

/** A codec that accepts exactly the values `is` accepts and otherwise fails with `expected`. */
const checked = <A>(name: string, is: (u: unknown) => u is A, expected: string): t.Type<A, A, unknown> =>
  new t.Type<A, A, unknown>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c, expected)), t.identity);

/** The codec that also accepts a missing value (one error line on failure, unlike a union). */
const optional = <A>(c: t.Type<A, A, unknown>): t.Type<A | undefined, A | undefined, unknown> =>
  new t.Type<A | undefined, A | undefined, unknown>(c.name, (u): u is A | undefined => u === undefined || c.is(u), (u, ctx) => (u === undefined ? t.success(undefined) : c.validate(u, ctx)), t.identity);

/**
 * An attrs codec from per-field codecs (optional fields use {@link optional}), typed as the
 * attrs interface `A` whose optional fields are `?:`. A plain t.type would type them as
 * required `| undefined`, and t.intersection with t.partial prefixes error paths with "[0]".
 */
const record = <A>(name: string, props: t.Props): t.Type<A, A, unknown> => {
  const c = t.type(props, name);
  return new t.Type<A, A, unknown>(name, (u): u is A => c.is(u), (u, ctx) => c.validate(u, ctx) as t.Validation<A>, t.identity);
};

const size2 = checked<Size2>('Size2', (u): u is Size2 => isInt(u, 1) || isPair(u, 1), 'expected a positive integer or [height, width] of positive integers');

const padding = checked<Padding>(
  'Padding',
  (u): u is Padding => u === 'same' || u === 'valid' || (Array.isArray(u) && u.length === 2 && isPair(u[0], 0) && isPair(u[1], 0)),
  "expected 'same', 'valid' or [[top, bottom], [left, right]] of non-negative integers",
);

const shape4 = checked<readonly number[]>(
  'Shape4',
  (u): u is readonly number[] => Array.isArray(u) && u.length === 4 && u.every((d) => isInt(d, 0)),
  'expected 4 non-negative integers',
);

const pairOf = (s: Size2 | undefined, fallback: Pair): Pair => (s === undefined ? fallback : typeof s === 'number' ? [s, s] : [s[0], s[1]]);
const fail = (message: string, tag: ShapeError['_tag'] = 'ShapeMismatch'): Either<ShapeError, never> => left({ _tag: tag, message });

// ---------------------------------------------------------------------------------------
// Convolution.

/** Attrs of {@link conv2d}: strides and dilations (default 1) and the padding (required). */
export interface Conv2dAttrs {
  readonly padding: Padding;
  readonly strides?: Size2;
  readonly dilations?: Size2;
}

/** Attrs of {@link conv2dBackpropInput}: conv2d's, plus the shape `[N, H, W, C]` of the input to reconstruct. */
export interface Conv2dBackpropInputAttrs extends Conv2dAttrs {
  readonly inputShape: readonly number[];
}

/** Attrs of {@link conv2dBackpropFilter}: conv2d's, plus the filter shape `[KH, KW, C, O]`. */
export interface Conv2dBackpropFilterAttrs extends Conv2dAttrs {
  readonly filterShape: readonly number[];
}

const convFields = { padding, strides: optional(size2), dilations: optional(size2) } as const;
const conv2dAttrs = record<Conv2dAttrs>('Conv2dAttrs', convFields);
const backpropInputAttrs = record<Conv2dBackpropInputAttrs>('Conv2dBackpropInputAttrs', { ...convFields, inputShape: shape4 });
const backpropFilterAttrs = record<Conv2dBackpropFilterAttrs>('Conv2dBackpropFilterAttrs', { ...convFields, filterShape: shape4 });

/** Strides, dilations and explicit pads of one convolution, and its output shape. */
interface ConvPlan {
  readonly strides: Pair;
  readonly dilations: Pair;
  readonly pads: Pads2d;
  readonly outShape: readonly number[];
}

/** Resolves conv attrs against an input and a filter shape, or says what does not fit. */
const planConv = (xShape: readonly number[], wShape: readonly number[], attrs: Conv2dAttrs): Either<ShapeError, ConvPlan> => {
  if (xShape.length !== 4) return fail(`the input must be NHWC (rank 4), got shape ${shapeText(xShape)}`);
  if (wShape.length !== 4) return fail(`the filter must be HWIO (rank 4), got shape ${shapeText(wShape)}`);
  const [n, h, w, c] = xShape;
  const [kh, kw, wc, o] = wShape;
  if (wc !== c) return fail(`the filter's in-channels ${wc} (filter ${shapeText(wShape)}) differ from the input's channels ${c} (input ${shapeText(xShape)})`);
  if (kh < 1 || kw < 1) return fail(`the filter's spatial size must be at least 1×1, got ${kh}×${kw}`);
  const strides = pairOf(attrs.strides, [1, 1]);
  const dilations = pairOf(attrs.dilations, [1, 1]);
  const p = attrs.padding;
  const [top, bottom] = p === 'valid' ? [0, 0] : p === 'same' ? samePadding(h, kh, strides[0], dilations[0]) : p[0];
  const [l, r] = p === 'valid' ? [0, 0] : p === 'same' ? samePadding(w, kw, strides[1], dilations[1]) : p[1];
  const oh = convOutputSize(h, kh, strides[0], dilations[0], top, bottom);
  const ow = convOutputSize(w, kw, strides[1], dilations[1], l, r);
  if (oh < 1 || ow < 1) {
    const spanH = dilations[0] * (kh - 1) + 1, spanW = dilations[1] * (kw - 1) + 1;
    return fail(`the ${kh}×${kw} filter (dilated span ${spanH}×${spanW}) does not fit the ${h}×${w} input padded by [[${top}, ${bottom}], [${l}, ${r}]]`);
  }
  return right({ strides, dilations, pads: [top, bottom, l, r], outShape: [n, oh, ow, o] });
};

/** The plan of a node whose shapes infer has already accepted (so the throw is only reached by direct kernel calls). */
const planOf = (op: string, xShape: readonly number[], wShape: readonly number[], attrs: Conv2dAttrs): ConvPlan => {
  const p = planConv(xShape, wShape, attrs);
  if (isLeft(p)) throw new ChainruleError(p.left._tag, p.left.message, { op, shapes: [xShape, wShape], attrs });
  return p.right;
};

const sameDtype = (a: Aval, b: Aval, what: string): Either<ShapeError, true> =>
  a.dtype === b.dtype ? right(true) : fail(`the ${what} dtypes ${a.dtype} and ${b.dtype} differ; cast one of them`, 'DtypeMismatch');

/** Only conv2d's own attrs, so helper ops' extra shape attrs never leak into conv2d nodes. */
const convAttrsOf = (a: Conv2dAttrs): Conv2dAttrs => ({
  padding: a.padding,
  ...(a.strides === undefined ? {} : { strides: a.strides }),
  ...(a.dilations === undefined ? {} : { dilations: a.dilations }),
});

/**
 * Output of a conv backprop op: `result` (its dtype that of `dy`), provided `dy` is exactly
 * conv2d's output for input shape `xShape` and filter shape `wShape` and `other` shares its dtype.
 */
const inferBackprop = (dy: Aval, other: Aval, xShape: readonly number[], wShape: readonly number[], attrs: Conv2dAttrs, result: readonly number[]): Either<ShapeError, Aval> => {
  const d = sameDtype(dy, other, 'cotangent and other input');
  if (isLeft(d)) return d;
  const p = planConv(xShape, wShape, attrs);
  if (isLeft(p)) return p;
  if (!shapesEqual(dy.shape, p.right.outShape)) {
    return fail(`the cotangent's shape ${shapeText(dy.shape)} is not conv2d's output shape ${shapeText(p.right.outShape)} for input ${shapeText(xShape)} and filter ${shapeText(wShape)}`);
  }
  return right({ shape: [...result], dtype: dy.dtype });
};

/** Folds the batch into the N axis of every (NHWC) input, runs op with `attrs`, and splits the batch back out. */
const viaMergedBatch = <A>(op: Op<A>, { inputs, batched, size }: BatchArgs<A>, attrs: A): Tensor =>
  splitBatch(op(...inputs.map((x, k) => mergeBatch(withBatch(x, batched[k], size))), attrs), size);

/** An NHWC shape attr for the batch folded into N. */
const mergedShape = (shape: readonly number[], size: number): number[] => [size * shape[0], ...shape.slice(1)];

/**
 * 2-D convolution (cross-correlation, as in TensorFlow and PyTorch) of an NHWC input with an
 * HWIO filter: `y[n, i, j, o] = Σ x[n, i·sh + ky·dh − top, j·sw + kx·dw − left, c] · w[ky, kx, c, o]`,
 * reading zeros in the padding. `padding` is 'same' (TensorFlow's: output ⌈H/s⌉, the odd pixel
 * after), 'valid' or explicit `[[top, bottom], [left, right]]`; `strides` and `dilations`
 * default to 1. Runs as im2col + a tuned matmul. Second order works: the VJP is made of
 * {@link conv2dBackpropInput} and {@link conv2dBackpropFilter}, whose VJPs are conv2d and each other.
 *
 * @example
 * // a batch of 32 grey 28×28 images through eight 3×3 filters
 * conv2d(x, w, { strides: [1, 1], padding: 'same' }) // x [32, 28, 28, 1], w [3, 3, 1, 8] → [32, 28, 28, 8]
 */
export const conv2d: Op<Conv2dAttrs> = defineOp({
  name: 'ops.conv2d',
  conformance: {
    cases: [
      { inputs: [[1, 4, 4, 2], [3, 3, 2, 2]], attrs: { padding: 'same' } },
      { inputs: [[2, 5, 5, 1], [2, 2, 1, 3]], attrs: { padding: 'valid', strides: 2 } },
      { inputs: [[1, 5, 5, 1], [2, 2, 1, 1]], attrs: { padding: 'same', dilations: 2 } },
      { inputs: [[1, 3, 4, 1], [2, 3, 1, 2]], attrs: { padding: [[1, 0], [0, 2]], strides: [1, 2] } },
    ],
    numRuns: 4,
    badAttrs: [{ padding: 'full' }, { padding: 'same', strides: 0 }, {}],
  },
  kind: 'contraction',
  attrs: conv2dAttrs,
  arity: 2,
  infer: ([x, w], attrs) => {
    const d = sameDtype(x, w, 'input and filter');
    if (isLeft(d)) return d;
    const p = planConv(x.shape, w.shape, attrs);
    return isLeft(p) ? p : right({ shape: p.right.outShape, dtype: x.dtype });
  },
  forward: ([x, w], attrs) => {
    const p = planOf('ops.conv2d', x.shape, w.shape, attrs);
    return conv2dForward(x.data, x.shape, w.data, w.shape, p.strides, p.dilations, p.pads);
  },
  // ∂x = conv2dBackpropInput(g, w) (transposed convolution), ∂w = conv2dBackpropFilter(x, g) (Σ over pixels of x ⊗ g)
  vjp: ({ inputs: [x, w], cotangent: g, attrs }) => [
    conv2dBackpropInput(g, w, { ...convAttrsOf(attrs), inputShape: [...x.shape] }),
    conv2dBackpropFilter(x, g, { ...convAttrsOf(attrs), filterShape: [...w.shape] }),
  ],
  jvp: ({ inputs: [x, w], tangents: [tx, tw], attrs }) =>
    addTangents(tx === null ? null : conv2d(tx, w, attrs), tw === null ? null : conv2d(x, tw, attrs)),
  // A shared filter: the batch is more images. A filter per example: one convolution each.
  batch: (args) => {
    const { inputs: [x, w], batched, size, attrs } = args;
    return batched[1] ? loopBatch(conv2d, args) : splitBatch(conv2d(mergeBatch(x), w, attrs), size);
  },
});

/**
 * The gradient of {@link conv2d} with respect to its input (the "transposed convolution"):
 * given an output cotangent `dy [N, OH, OW, O]` and the filter `w [KH, KW, C, O]`, returns
 * `dx` of shape `inputShape`. Bilinear in (dy, w); its VJP is conv2d(ḡ, w) for dy and
 * conv2dBackpropFilter(ḡ, dy) for w.
 *
 * @example
 * conv2dBackpropInput(dy, w, { inputShape: [32, 28, 28, 1], padding: 'same' }) // dy [32, 28, 28, 8]
 */
export const conv2dBackpropInput: Op<Conv2dBackpropInputAttrs> = defineOp({
  name: 'ops.conv2dBackpropInput',
  conformance: {
    cases: [
      { inputs: [[1, 4, 4, 2], [3, 3, 2, 2]], attrs: { padding: 'same', inputShape: [1, 4, 4, 2] } },
      { inputs: [[1, 2, 2, 3], [2, 2, 1, 3]], attrs: { padding: 'valid', strides: 2, inputShape: [1, 5, 5, 1] } },
    ],
    numRuns: 4,
    badAttrs: [{ padding: 'same', inputShape: [1, 4, 4] }],
  },
  kind: 'contraction',
  attrs: backpropInputAttrs,
  arity: 2,
  infer: ([dy, w], attrs) => inferBackprop(dy, w, attrs.inputShape, w.shape, attrs, attrs.inputShape),
  forward: ([dy, w], attrs) => {
    const p = planOf('ops.conv2dBackpropInput', attrs.inputShape, w.shape, attrs);
    return conv2dBackwardInput(dy.data, dy.shape, w.data, w.shape, attrs.inputShape, p.strides, p.dilations, p.pads);
  },
  // ⟨ḡ, B(dy, w)⟩ = ⟨conv2d(ḡ, w), dy⟩ = ⟨conv2dBackpropFilter(ḡ, dy), w⟩ ⇒ ∂dy = conv2d(ḡ, w), ∂w = conv2dBackpropFilter(ḡ, dy)
  vjp: ({ inputs: [dy, w], cotangent: g, attrs }) => [
    conv2d(g, w, convAttrsOf(attrs)),
    conv2dBackpropFilter(g, dy, { ...convAttrsOf(attrs), filterShape: [...w.shape] }),
  ],
  jvp: ({ inputs: [dy, w], tangents: [tdy, tw], attrs }) =>
    addTangents(tdy === null ? null : conv2dBackpropInput(tdy, w, attrs), tw === null ? null : conv2dBackpropInput(dy, tw, attrs)),
  batch: (args) => {
    const { inputs: [dy, w], batched, size, attrs } = args;
    if (batched[1]) return loopBatch(conv2dBackpropInput, args);
    return splitBatch(conv2dBackpropInput(mergeBatch(dy), w, { ...attrs, inputShape: mergedShape(attrs.inputShape, size) }), size);
  },
});

/**
 * The gradient of {@link conv2d} with respect to its filter: given the input `x [N, H, W, C]`
 * and an output cotangent `dy [N, OH, OW, O]`, returns `dw` of shape `filterShape`.
 * Bilinear in (x, dy); its VJP is conv2dBackpropInput(dy, ḡ) for x and conv2d(x, ḡ) for dy.
 *
 * @example
 * conv2dBackpropFilter(x, dy, { filterShape: [3, 3, 1, 8], padding: 'same' }) // → [3, 3, 1, 8]
 */
export const conv2dBackpropFilter: Op<Conv2dBackpropFilterAttrs> = defineOp({
  name: 'ops.conv2dBackpropFilter',
  conformance: {
    cases: [
      { inputs: [[1, 4, 4, 2], [1, 4, 4, 3]], attrs: { padding: 'same', filterShape: [3, 3, 2, 3] } },
      { inputs: [[1, 5, 5, 1], [1, 2, 2, 2]], attrs: { padding: 'valid', strides: 2, filterShape: [2, 2, 1, 2] } },
    ],
    numRuns: 4,
    badAttrs: [{ padding: 'same', filterShape: 'HWIO' }],
  },
  kind: 'contraction',
  attrs: backpropFilterAttrs,
  arity: 2,
  infer: ([x, dy], attrs) => inferBackprop(dy, x, x.shape, attrs.filterShape, attrs, attrs.filterShape),
  forward: ([x, dy], attrs) => {
    const p = planOf('ops.conv2dBackpropFilter', x.shape, attrs.filterShape, attrs);
    return conv2dBackwardFilter(x.data, x.shape, dy.data, dy.shape, attrs.filterShape, p.strides, p.dilations, p.pads);
  },
  // ⟨ḡ, F(x, dy)⟩ = ⟨conv2dBackpropInput(dy, ḡ), x⟩ = ⟨conv2d(x, ḡ), dy⟩
  vjp: ({ inputs: [x, dy], cotangent: g, attrs }) => [
    conv2dBackpropInput(dy, g, { ...convAttrsOf(attrs), inputShape: [...x.shape] }),
    conv2d(x, g, convAttrsOf(attrs)),
  ],
  jvp: ({ inputs: [x, dy], tangents: [tx, tdy], attrs }) =>
    addTangents(tx === null ? null : conv2dBackpropFilter(tx, dy, attrs), tdy === null ? null : conv2dBackpropFilter(x, tdy, attrs)),
  // A filter gradient per example (vmap of grad): the sum over images must not mix examples, so one at a time.
  batch: (args) => loopBatch(conv2dBackpropFilter, args),
});

// ---------------------------------------------------------------------------------------
// Pooling.

/**
 * Attrs of the pooling ops: the window (`windowShape`, or its TensorFlow name `ksize`),
 * `strides` (default: the window, so windows tile) and `padding` (default 'valid'; explicit
 * pads must be smaller than the window so every window holds at least one input pixel).
 */
export interface Pool2dAttrs {
  readonly windowShape?: Size2;
  readonly ksize?: Size2;
  readonly strides?: Size2;
  readonly padding?: Padding;
}

/** Attrs of {@link avgPool2dGrad}: the pooling attrs plus the input shape `[N, H, W, C]`. */
export interface AvgPool2dGradAttrs extends Pool2dAttrs {
  readonly inputShape: readonly number[];
}

const poolFields = { windowShape: size2, ksize: size2, strides: size2, padding } as const;
const pool2dAttrs: t.Type<Pool2dAttrs, Pool2dAttrs, unknown> = t.partial(poolFields);
const avgPoolGradAttrs = record<AvgPool2dGradAttrs>('AvgPool2dGradAttrs', {
  inputShape: shape4,
  windowShape: optional(size2),
  ksize: optional(size2),
  strides: optional(size2),
  padding: optional(padding),
});

/** Window, strides and explicit pads of one pooling, and its output shape. */
interface PoolPlan {
  readonly window: Pair;
  readonly strides: Pair;
  readonly pads: Pads2d;
  readonly outShape: readonly number[];
}

/** Resolves pooling attrs against an input shape, or says what does not fit. */
const planPool = (xShape: readonly number[], attrs: Pool2dAttrs): Either<ShapeError, PoolPlan> => {
  if (xShape.length !== 4) return fail(`the input must be NHWC (rank 4), got shape ${shapeText(xShape)}`);
  const given = attrs.windowShape ?? attrs.ksize;
  if (given === undefined) return fail('the window size is missing: give windowShape (or ksize) as a positive integer or [height, width]', 'BadAttrs');
  const window = pairOf(given, [1, 1]);
  if (attrs.windowShape !== undefined && attrs.ksize !== undefined) {
    const other = pairOf(attrs.ksize, [1, 1]);
    if (other[0] !== window[0] || other[1] !== window[1]) return fail(`windowShape ${shapeText(window)} and ksize ${shapeText(other)} disagree; give one of them`, 'BadAttrs');
  }
  const strides = pairOf(attrs.strides, window);
  const [n, h, w, c] = xShape;
  const p = attrs.padding ?? 'valid';
  const [top, bottom] = p === 'valid' ? [0, 0] : p === 'same' ? samePadding(h, window[0], strides[0], 1) : p[0];
  const [l, r] = p === 'valid' ? [0, 0] : p === 'same' ? samePadding(w, window[1], strides[1], 1) : p[1];
  if (top >= window[0] || bottom >= window[0] || l >= window[1] || r >= window[1]) {
    return fail(`each pad must be smaller than the ${window[0]}×${window[1]} window (a window of padding alone has no value), got [[${top}, ${bottom}], [${l}, ${r}]]`, 'BadAttrs');
  }
  const oh = convOutputSize(h, window[0], strides[0], 1, top, bottom);
  const ow = convOutputSize(w, window[1], strides[1], 1, l, r);
  if (oh < 1 || ow < 1) return fail(`the ${window[0]}×${window[1]} window does not fit the ${h}×${w} input padded by [[${top}, ${bottom}], [${l}, ${r}]]`);
  return right({ window, strides, pads: [top, bottom, l, r], outShape: [n, oh, ow, c] });
};

/** The plan of a node whose shapes infer has already accepted (so the throw is only reached by direct kernel calls). */
const poolPlanOf = (op: string, xShape: readonly number[], attrs: Pool2dAttrs): PoolPlan => {
  const p = planPool(xShape, attrs);
  if (isLeft(p)) throw new ChainruleError(p.left._tag, p.left.message, { op, shapes: [xShape], attrs });
  return p.right;
};

/** Only the pooling attrs, so avgPool2dGrad's inputShape never leaks into avgPool2d nodes. */
const poolAttrsOf = (a: Pool2dAttrs): Pool2dAttrs => {
  const out: { -readonly [K in keyof Pool2dAttrs]: Pool2dAttrs[K] } = {};
  if (a.windowShape !== undefined) out.windowShape = a.windowShape;
  if (a.ksize !== undefined) out.ksize = a.ksize;
  if (a.strides !== undefined) out.strides = a.strides;
  if (a.padding !== undefined) out.padding = a.padding;
  return out;
};

const inferPool = ([x]: readonly Aval[], attrs: Pool2dAttrs): Either<ShapeError, Aval> => {
  const p = planPool(x.shape, attrs);
  return isLeft(p) ? p : right({ shape: p.right.outShape, dtype: x.dtype });
};

/** Flat input index of each window's maximum (the first on ties), from the pool kernel. */
const argmaxOf = (op: string, x: Tensor, attrs: Pool2dAttrs): Int32Array => {
  const p = poolPlanOf(op, x.shape, attrs);
  return maxPool2dForward(x.data, x.shape, p.window, p.strides, p.pads).argmax;
};

/**
 * 2-D max pooling over the H and W axes of an NHWC input. Padding never wins a window (as in
 * TensorFlow). Subgradient: the whole cotangent of a window goes to its maximum, the first
 * one in row-major order on ties (so the op is marked non-smooth). Second order works: the
 * VJP is {@link maxPool2dGrad}, whose VJP is {@link maxPool2dGather}, and back.
 *
 * @example
 * maxPool2d(x, { windowShape: 2, strides: 2 }) // x [32, 28, 28, 8] → [32, 14, 14, 8]
 * maxPool2d(x, { ksize: [3, 3], strides: [2, 2], padding: 'same' })
 */
export const maxPool2d: Op<Pool2dAttrs> = defineOp({
  name: 'ops.maxPool2d',
  conformance: {
    cases: [
      { inputs: [[1, 4, 4, 2]], attrs: { windowShape: 2 }, distinct: 0.25 },
      { inputs: [[1, 5, 5, 1]], attrs: { windowShape: 3, strides: 2, padding: 'same' }, distinct: 0.25 },
    ],
    numRuns: 6,
    badAttrs: [{}, { windowShape: 0 }],
  },
  kind: 'opaque',
  attrs: pool2dAttrs,
  arity: 1,
  infer: inferPool,
  forward: ([x], attrs) => {
    const p = poolPlanOf('ops.maxPool2d', x.shape, attrs);
    return maxPool2dForward(x.data, x.shape, p.window, p.strides, p.pads).out;
  },
  // ∂x = g routed to each window's argmax (added where windows overlap)
  vjp: ({ inputs: [x], cotangent: g, attrs }) => [maxPool2dGrad(x, g, attrs)],
  jvp: ({ inputs: [x], tangents: [tx], attrs }) => (tx === null ? null : maxPool2dGather(x, tx, attrs)),
  smooth: false,
  batch: (args) => viaMergedBatch(maxPool2d, args, args.attrs),
});

/**
 * The gradient of {@link maxPool2d}: routes each element of `dy` (maxPool2d's output shape) to
 * the position of its window's maximum in `x`, adding where windows overlap; returns x's shape.
 * Linear in dy, with VJP {@link maxPool2dGather}; the winners are piecewise constant in x, so
 * no cotangent flows to x (zero almost everywhere).
 *
 * @example
 * maxPool2dGrad(x, dy, { windowShape: 2 }) // dx with x's shape
 */
export const maxPool2dGrad: Op<Pool2dAttrs> = defineOp({
  name: 'ops.maxPool2dGrad',
  conformance: { cases: [{ inputs: [[1, 4, 4, 1], [1, 2, 2, 1]], attrs: { windowShape: 2 }, distinct: 0.25 }], numRuns: 6, badAttrs: [{ windowShape: 3 }] },
  kind: 'opaque',
  attrs: pool2dAttrs,
  arity: 2,
  infer: ([x, dy], attrs) => {
    const d = sameDtype(x, dy, 'input and cotangent');
    if (isLeft(d)) return d;
    const p = planPool(x.shape, attrs);
    if (isLeft(p)) return p;
    if (!shapesEqual(dy.shape, p.right.outShape)) return fail(`the cotangent's shape ${shapeText(dy.shape)} is not maxPool2d's output shape ${shapeText(p.right.outShape)}`);
    return right({ shape: x.shape, dtype: x.dtype });
  },
  forward: ([x, dy], attrs) => maxPool2dBackward(dy.data, argmaxOf('ops.maxPool2dGrad', x, attrs), x.size),
  // ∂dy = ḡ read at each window's argmax; ∂x = 0 almost everywhere
  vjp: ({ inputs: [x], cotangent: g, attrs }) => [null, maxPool2dGather(x, g, attrs)],
  jvp: ({ inputs: [x], tangents: [, tdy], attrs }) => (tdy === null ? null : maxPool2dGrad(x, tdy, attrs)),
  smooth: false,
  batch: (args) => viaMergedBatch(maxPool2dGrad, args, args.attrs),
});

/**
 * Reads `v` (x's shape) at the position of each window's maximum in `x`: the tangent of
 * {@link maxPool2d} in direction v, and the VJP of {@link maxPool2dGrad}. Linear in v, with
 * VJP maxPool2dGrad; no cotangent flows to x (zero almost everywhere).
 *
 * @example
 * maxPool2dGather(x, v, { windowShape: 2 }) // maxPool2d's output shape
 */
export const maxPool2dGather: Op<Pool2dAttrs> = defineOp({
  name: 'ops.maxPool2dGather',
  conformance: { cases: [{ inputs: [[1, 4, 4, 1], [1, 4, 4, 1]], attrs: { windowShape: 2 }, distinct: 0.25 }], numRuns: 6, badAttrs: [{ ksize: 'two' }] },
  kind: 'opaque',
  attrs: pool2dAttrs,
  arity: 2,
  infer: ([x, v], attrs) => {
    const d = sameDtype(x, v, 'input and gathered');
    if (isLeft(d)) return d;
    if (!shapesEqual(v.shape, x.shape)) return fail(`the gathered tensor's shape ${shapeText(v.shape)} differs from the input's ${shapeText(x.shape)}`);
    return inferPool([x], attrs);
  },
  forward: ([x, v], attrs, out) => {
    const idx = argmaxOf('ops.maxPool2dGather', x, attrs), src = v.data;
    const o = allocate(out.dtype, idx.length);
    for (let i = 0; i < idx.length; i++) o[i] = src[idx[i]];
    return o;
  },
  // ∂v = ḡ routed back to each window's argmax (maxPool2dGrad); ∂x = 0 almost everywhere
  vjp: ({ inputs: [x], cotangent: g, attrs }) => [null, maxPool2dGrad(x, g, attrs)],
  jvp: ({ inputs: [x], tangents: [, tv], attrs }) => (tv === null ? null : maxPool2dGather(x, tv, attrs)),
  smooth: false,
  batch: (args) => viaMergedBatch(maxPool2dGather, args, args.attrs),
});

/**
 * 2-D average pooling over the H and W axes of an NHWC input. Padded positions are not
 * counted: a window overlapping the border averages only its pixels inside the input (as in
 * TensorFlow). Linear; its VJP is {@link avgPool2dGrad}, whose VJP is avgPool2d again.
 *
 * @example
 * avgPool2d(x, { windowShape: [2, 2] }) // x [32, 28, 28, 8] → [32, 14, 14, 8]
 */
export const avgPool2d: Op<Pool2dAttrs> = defineOp({
  name: 'ops.avgPool2d',
  conformance: {
    cases: [
      { inputs: [[1, 4, 4, 2]], attrs: { windowShape: 2 } },
      { inputs: [[1, 5, 5, 1]], attrs: { ksize: [3, 3], strides: [2, 2], padding: 'same' } },
    ],
    numRuns: 6,
    badAttrs: [{}, { windowShape: 2, ksize: 3 }],
  },
  kind: 'opaque',
  attrs: pool2dAttrs,
  arity: 1,
  infer: inferPool,
  forward: ([x], attrs) => {
    const p = poolPlanOf('ops.avgPool2d', x.shape, attrs);
    return avgPool2dForward(x.data, x.shape, p.window, p.strides, p.pads);
  },
  // ∂x = each gᵢ spread evenly over the input pixels of window i
  vjp: ({ inputs: [x], cotangent: g, attrs }) => [avgPool2dGrad(g, { ...poolAttrsOf(attrs), inputShape: [...x.shape] })],
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : avgPool2d(tx, attrs)),
  batch: (args) => viaMergedBatch(avgPool2d, args, args.attrs),
});

/**
 * The gradient of {@link avgPool2d}: spreads each element of `dy` (avgPool2d's output shape)
 * evenly over the input pixels of its window; returns `inputShape`. Linear; its VJP is
 * avgPool2d (the adjoint of the adjoint).
 *
 * @example
 * avgPool2dGrad(dy, { inputShape: [32, 28, 28, 8], windowShape: 2 }) // dy [32, 14, 14, 8]
 */
export const avgPool2dGrad: Op<AvgPool2dGradAttrs> = defineOp({
  name: 'ops.avgPool2dGrad',
  conformance: { cases: [{ inputs: [[1, 2, 2, 2]], attrs: { inputShape: [1, 4, 4, 2], windowShape: 2 } }], numRuns: 6, badAttrs: [{ windowShape: 2 }] },
  kind: 'opaque',
  attrs: avgPoolGradAttrs,
  arity: 1,
  infer: ([dy], attrs) => {
    const p = planPool(attrs.inputShape, attrs);
    if (isLeft(p)) return p;
    if (!shapesEqual(dy.shape, p.right.outShape)) {
      return fail(`the cotangent's shape ${shapeText(dy.shape)} is not avgPool2d's output shape ${shapeText(p.right.outShape)} for input ${shapeText(attrs.inputShape)}`);
    }
    return right({ shape: [...attrs.inputShape], dtype: dy.dtype });
  },
  forward: ([dy], attrs) => {
    const p = poolPlanOf('ops.avgPool2dGrad', attrs.inputShape, attrs);
    return avgPool2dBackward(dy.data, attrs.inputShape, p.window, p.strides, p.pads);
  },
  // ∂dy = avgPool2d(ḡ): the adjoint of spreading is averaging
  vjp: ({ cotangent: g, attrs }) => [avgPool2d(g, poolAttrsOf(attrs))],
  jvp: ({ tangents: [tdy], attrs }) => (tdy === null ? null : avgPool2dGrad(tdy, attrs)),
  batch: (args) => viaMergedBatch(avgPool2dGrad, args, { ...args.attrs, inputShape: mergedShape(args.attrs.inputShape, args.size) }),
});

// ---------------------------------------------------------------------------------------
// Dropout.

/** Attrs of {@link dropout}: the drop probability in [0, 1). The PRNG key is a tensor input, not an attr. */
export interface DropoutAttrs {
  readonly rate: number;
}

/**
 * A PRNG key as a float64 tensor of shape [2] holding its two 32-bit words (exact in
 * float64): the key input of {@link dropout}. Being an input rather than an attr, a new key
 * reaches a jitted step without retracing it.
 *
 * @example
 * const [k] = split(key(0))
 * dropout(h, keyTensor(k), { rate: 0.5 })
 */
export const keyTensor = (k: PRNGKey): Tensor => tensor([k[0], k[1]], { dtype: 'float64' });

const isWord = (w: number): boolean => Number.isInteger(w) && w >= 0 && w <= 0xffffffff;
const rateCodec = checked<number>('Rate', (u): u is number => typeof u === 'number' && u >= 0 && u < 1, 'expected a drop probability in [0, 1)');

/**
 * Inverted dropout: each element is zeroed with probability `rate` and the survivors are
 * scaled by 1/(1 − rate), so the expectation is unchanged; rate 0 is the identity. The mask
 * is drawn from `key`, a tensor of shape [2] holding a PRNG key's two words (see
 * {@link keyTensor}): element i is kept when the i-th uniform of `uniformArray(key, size)` is
 * ≥ rate, so the same key gives the same mask. Because the key is an input, a jitted
 * training step traced once still draws a fresh mask from each step's key (`split` /
 * `foldIn`). Linear in x: the VJP applies the same mask and scale; the key gets no gradient.
 *
 * @example
 * const [k] = split(key(0))
 * dropout(h, keyTensor(k), { rate: 0.5 }) // about half of h zeroed, the rest doubled
 */
export const dropout: Op<DropoutAttrs> = defineOp({
  name: 'ops.dropout',
  conformance: {
    // The key is a fixed tensor input (a PRNG key's two words), so only x is differentiated.
    cases: [
      { inputs: [[2, 3], tensor([0, 7], { dtype: 'float64' })], attrs: { rate: 0.5 }, wrt: [0] },
      { inputs: [[4], tensor([1, 2], { dtype: 'float64' })], attrs: { rate: 0 }, wrt: [0] },
    ],
    badAttrs: [{ rate: 1 }, {}, { rate: 'half' }],
  },
  kind: 'opaque',
  attrs: t.type({ rate: rateCodec }),
  arity: 2,
  infer: ([x, k]) =>
    k.shape.length === 1 && k.shape[0] === 2
      ? right({ shape: [...x.shape], dtype: x.dtype })
      : fail(`key: expected a tensor of shape [2] holding a PRNG key's two words (keyTensor(k)), got shape ${shapeText(k.shape)}`),
  forward: ([x, k], { rate }, out) => {
    const w0 = k.data[0], w1 = k.data[1];
    if (!isWord(w0) || !isWord(w1)) {
      throw new ChainruleError('BadArgument', `key: expected two unsigned 32-bit integers, e.g. keyTensor(key(0)), got [${w0}, ${w1}]`, { op: 'ops.dropout' });
    }
    const d = x.data, o = allocate(out.dtype, d.length);
    if (rate === 0) {
      o.set(d);
      return o;
    }
    const u = uniformArray([w0, w1], d.length), scale = 1 / (1 - rate);
    for (let i = 0; i < d.length; i++) o[i] = u[i] >= rate ? d[i] * scale : 0;
    return o;
  },
  // ∂x = g·mask/(1 − rate), the same mask (same key, same size); the key gets none
  vjp: ({ inputs: [, k], cotangent: g, attrs }) => [dropout(g, k, attrs), null],
  jvp: ({ inputs: [, k], tangents: [tx], attrs }) => (tx === null ? null : dropout(tx, k, attrs)),
  // One key for the batch: every example gets the same mask (as a loop would give), applied as a product.
  // A key per example: one draw each.
  batch: (args) => {
    const { inputs: [x, k], batched, attrs, output } = args;
    return batched[1] ? loopBatch(dropout, args) : mul(x, dropout(ones(output.shape, x.dtype), k, attrs));
  },
});

/**
 * The `index`-th key of `split(k, n)` (for any n > index), computed inside a graph from a key
 * tensor of shape [2] (see {@link keyTensor}). A jitted step that takes its key as an argument
 * can so derive a fresh key per layer and per step without retracing; the keys equal the
 * eager `split`'s. No gradient.
 *
 * @example
 * splitKey(keyTensor(key(0)), { index: 1 }) // keyTensor(split(key(0))[1])
 */
export const splitKey: Op<{ readonly index: number }> = defineOp({
  name: 'ops.splitKey',
  kind: 'opaque',
  attrs: t.type({ index: t.refinement(t.number, isWord, 'unsigned 32-bit integer') }),
  arity: 1,
  infer: ([k]) =>
    k.shape.length === 1 && k.shape[0] === 2
      ? right({ shape: [2], dtype: 'float64' })
      : fail(`key: expected a tensor of shape [2] holding a PRNG key's two words (keyTensor(k)), got shape ${shapeText(k.shape)}`),
  forward: ([k], { index }, out) => {
    const w0 = k.data[0], w1 = k.data[1];
    if (!isWord(w0) || !isWord(w1)) {
      throw new ChainruleError('BadArgument', `key: expected two unsigned 32-bit integers, e.g. keyTensor(key(0)), got [${w0}, ${w1}]`, { op: 'ops.splitKey' });
    }
    const o = allocate(out.dtype, 2);
    const [a, b] = split([w0, w1], index + 1)[index];
    o[0] = a;
    o[1] = b;
    return o;
  },
  vjp: () => [null],
  differentiable: false,
  batch: (args) => loopBatch(splitKey, args),
  conformance: { cases: [{ inputs: [tensor([0, 7], { dtype: 'float64' })], attrs: { index: 3 } }], badAttrs: [{ index: -1 }, {}] },
});

// ---------------------------------------------------------------------------------------
// conv1d, conv2dTranspose, depthwiseConv2d: composites of conv2d and its backprop

/** Attrs of {@link conv1d}: padding, and the stride and dilation along the one spatial axis. */
export interface Conv1dAttrs {
  readonly padding: 'same' | 'valid' | readonly [number, number];
  readonly stride?: number;
  readonly dilation?: number;
}

/**
 * 1-D convolution of `x` [N, W, C] with `w` [KW, C, O] → [N, W′, O] (NWC / WIO, as
 * TensorFlow's conv1d): conv2d over a height of 1, so it differentiates and runs on every
 * backend's conv2d kernels.
 *
 * @example
 * conv1d(x, w, { padding: 'same' })            // x [8, 100, 3], w [5, 3, 16] → [8, 100, 16]
 * conv1d(x, w, { padding: 'valid', stride: 2 })
 */
export const conv1d = (x: Tensor, w: Tensor, attrs: Conv1dAttrs): Tensor => {
  const where = { op: 'ops.conv1d', shapes: [x.shape, w.shape], attrs };
  if (x.shape.length !== 3) throw new ChainruleError('ShapeMismatch', `conv1d: x must be [N, W, C], got ${shapeText(x.shape)}`, where);
  if (w.shape.length !== 3) throw new ChainruleError('ShapeMismatch', `conv1d: w must be [KW, C, O], got ${shapeText(w.shape)}`, where);
  const { padding, stride = 1, dilation = 1 } = attrs;
  const pad2: Padding = typeof padding === 'string' ? padding : [[0, 0], [padding[0], padding[1]]];
  const [n, width, c] = x.shape;
  const y = conv2d(reshape(x, { shape: [n, 1, width, c] }), reshape(w, { shape: [1, ...w.shape] }), { padding: pad2, strides: [1, stride], dilations: [1, dilation] });
  return reshape(y, { shape: [y.shape[0], y.shape[2], y.shape[3]] });
};

/** Attrs of {@link conv2dTranspose}: the output's shape [N, H, W, C], padding and strides. */
export interface Conv2dTransposeAttrs {
  readonly outputShape: readonly number[];
  readonly padding: Padding;
  readonly strides?: Size2;
}

/**
 * The transposed ("fractionally strided") convolution that upsamples `x` [N, H′, W′, I] with
 * `w` [KH, KW, O, I] to `outputShape` [N, H, W, O] — TensorFlow.js's conv2dTranspose: the
 * gradient of conv2d with respect to its input, so `conv2dBackpropInput` with the roles named
 * for decoders.
 *
 * @example
 * conv2dTranspose(x, w, { outputShape: [1, 8, 8, 3], strides: 2, padding: 'same' }) // x [1, 4, 4, 16], w [3, 3, 3, 16]
 */
export const conv2dTranspose = (x: Tensor, w: Tensor, attrs: Conv2dTransposeAttrs): Tensor =>
  conv2dBackpropInput(x, w, { inputShape: attrs.outputShape, padding: attrs.padding, ...(attrs.strides === undefined ? {} : { strides: attrs.strides }) });

/**
 * Depthwise 2-D convolution: each of the C input channels of `x` [N, H, W, C] convolved with
 * its own `m` filters from `w` [KH, KW, C, m], giving C·m channels ordered c·m + j (as
 * TensorFlow's depthwiseConv2d). A conv2d with the block-diagonal filter
 * w′[…, c′, c·m + j] = [c′ = c]·w[…, c, j], so every backend's conv2d kernels and their
 * gradients apply; it does C times the arithmetic of a dedicated kernel.
 *
 * @example
 * depthwiseConv2d(x, w, { padding: 'same' }) // x [1, 8, 8, 3], w [3, 3, 3, 2] → [1, 8, 8, 6]
 */
export const depthwiseConv2d = (x: Tensor, w: Tensor, attrs: Conv2dAttrs): Tensor => {
  const where = { op: 'ops.depthwiseConv2d', shapes: [x.shape, w.shape], attrs };
  if (w.shape.length !== 4) throw new ChainruleError('ShapeMismatch', `depthwiseConv2d: w must be [KH, KW, C, m], got ${shapeText(w.shape)}`, where);
  if (x.shape.length !== 4 || x.shape[3] !== w.shape[2]) {
    throw new ChainruleError('ShapeMismatch', `depthwiseConv2d: x must be [N, H, W, ${w.shape[2]}] for w ${shapeText(w.shape)}, got ${shapeText(x.shape)}`, where);
  }
  const [kh, kw, c, m] = w.shape;
  const eye = new Array<number>(c * c).fill(0);
  for (let i = 0; i < c; i++) eye[i * c + i] = 1;
  const diagonal = tensor(eye, { shape: [1, 1, c, c, 1], dtype: w.dtype });
  const full = mul(reshape(w, { shape: [kh, kw, 1, c, m] }), diagonal); // [kh, kw, c′, c, m]
  return conv2d(x, reshape(full, { shape: [kh, kw, c, c * m] }), attrs);
};
