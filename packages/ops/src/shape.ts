// Ops that move data without arithmetic: transpose, expandDims, squeeze, concat, stack, split, slice, gather, pad.

import * as t from 'io-ts';
import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import type { Either } from 'fp-ts/lib/Either.js';
import {
  defineOp, allocate, normalizeAxes, sizeOf, stridesOf, shapesEqual, reshape, zeros, formatErrors, ChainruleError, moveAxis, withBatch, batchAxis, loopBatch,
  type Op, type DType, type Shape, type ShapeError, type Tensor, type FloatArray, withDefaults, tensor, shapeText } from '@chainrule/core';
import { stridedOffsets } from '@chainrule/core/kernels';

export { reshape, broadcastTo, oneHot } from '@chainrule/core';
import { broadcastTo } from '@chainrule/core';

const bad = (message: string): Either<ShapeError, never> => left({ _tag: 'BadAttrs', message });
const mismatch = (message: string): Either<ShapeError, never> => left({ _tag: 'ShapeMismatch', message });
const isInt = (n: number): boolean => Number.isInteger(n);

const gatherAt = (src: FloatArray, off: Int32Array, dtype: DType): FloatArray => {
  const o = allocate(dtype, off.length);
  for (let i = 0; i < off.length; i++) o[i] = src[off[i]];
  return o;
};

const scatterInto = (dst: FloatArray, off: Int32Array, src: FloatArray): FloatArray => {
  for (let i = 0; i < off.length; i++) dst[off[i]] = src[i];
  return dst;
};

// ---------------------------------------------------------------------------------------
// transpose

/** Attrs of {@link transpose}: the permutation (default: reverse the axes). */
export interface TransposeAttrs {
  readonly perm?: readonly number[];
}

/** The normalised permutation, or a Left naming what is wrong with it. */
const permOf = (rank: number, perm: readonly number[] | undefined): Either<ShapeError, number[]> => {
  if (perm === undefined) return right(Array.from({ length: rank }, (_, i) => rank - 1 - i));
  if (perm.length !== rank) return bad(`perm has ${perm.length} entries for an input of rank ${rank}`);
  const p = perm.map((a) => (a < 0 ? a + rank : a));
  const seen = new Set<number>();
  for (let k = 0; k < p.length; k++) {
    if (!isInt(p[k]) || p[k] < 0 || p[k] >= rank) return bad(`perm[${k}] = ${perm[k]} is out of range for rank ${rank}`);
    if (seen.has(p[k])) return bad(`perm repeats axis ${perm[k]}; it must be a permutation of 0..${rank - 1}`);
    seen.add(p[k]);
  }
  return right(p);
};

const inversePerm = (p: readonly number[]): number[] => {
  const inv = new Array<number>(p.length);
  for (let k = 0; k < p.length; k++) inv[p[k]] = k;
  return inv;
};

/**
 * Permutes the axes: output axis k is input axis `perm[k]` (default: all axes reversed, so
 * a matrix is transposed). Negative entries count from the end.
 *
 * @example
 * transpose(tensor([[1, 2, 3], [4, 5, 6]]))  // [[1, 4], [2, 5], [3, 6]]
 * transpose(x, { perm: [0, 2, 1] })           // swap the last two axes
 */
export const transpose: Op<TransposeAttrs> = defineOp({
  name: 'ops.transpose',
  // 3- and 4-cycles as well: with a perm that is its own inverse a VJP using perm for its inverse would pass.
  conformance: {
    cases: [
      { inputs: [[2, 3]] },
      { inputs: [[2, 3, 2]], attrs: { perm: [0, 2, 1] } },
      { inputs: [[2, 3, 4]], attrs: { perm: [1, 2, 0] }, label: '3-cycle' },
      { inputs: [[2, 3, 4]], attrs: { perm: [2, 0, 1] }, label: 'other 3-cycle' },
      { inputs: [[2, 1, 3, 2]], attrs: { perm: [1, 3, 0, 2] }, label: '4-cycle' },
    ],
    badAttrs: [{ perm: [0, 0] }, { perm: 'T' }],
  },
  kind: 'movement',
  attrs: t.partial({ perm: t.readonlyArray(t.number) }),
  arity: 1,
  infer: ([x], { perm }) => {
    const p = permOf(x.shape.length, perm);
    return isLeft(p) ? p : right({ shape: p.right.map((a) => x.shape[a]), dtype: x.dtype });
  },
  forward: ([x], { perm }, out) => {
    const p = permOf(x.shape.length, perm);
    const xs = stridesOf(x.shape);
    const steps = isLeft(p) ? xs : p.right.map((a) => xs[a]);
    return gatherAt(x.data, stridedOffsets(out.shape, steps), out.dtype);
  },
  // ∂transpose = g transposed by the inverse permutation
  vjp: ({ inputs: [x], cotangent: g, attrs: { perm } }) => {
    const p = permOf(x.shape.length, perm);
    return [transpose(g, { perm: inversePerm(isLeft(p) ? [] : p.right) })];
  },
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : transpose(tx, attrs)),
  // The batch axis stays first; the example's axes follow, permuted.
  batch: ({ inputs: [x], attrs: { perm } }) => {
    const p = permOf(x.shape.length - 1, perm);
    return transpose(x, { perm: [0, ...(isLeft(p) ? [] : p.right).map((a) => a + 1)] });
  },
});

// ---------------------------------------------------------------------------------------
// expandDims, squeeze

/** Attrs of {@link expandDims}: where the new size-1 axes go, counted in the output's rank. */
export interface ExpandDimsAttrs {
  readonly axis: number | readonly number[];
}

/**
 * Inserts size-1 axes at `axis` (a number or several), counted in the output's rank;
 * negative counts from the end. Shares the input's data.
 *
 * @example
 * expandDims(tensor([1, 2]), { axis: 0 })  // shape [1, 2]
 * expandDims(tensor([1, 2]), { axis: -1 }) // shape [2, 1]
 */
export const expandDims: Op<ExpandDimsAttrs> = defineOp({
  name: 'ops.expandDims',
  conformance: { cases: [{ inputs: [[2, 3]], attrs: { axis: 0 } }, { inputs: [[3]], attrs: { axis: -1 } }], badAttrs: [{}, { axis: 9 }] },
  kind: 'movement',
  aliases: true,
  attrs: t.type({ axis: t.union([t.number, t.readonlyArray(t.number)]) }),
  arity: 1,
  infer: ([x], { axis }) => {
    const k = typeof axis === 'number' ? 1 : axis.length;
    const rank = x.shape.length + k;
    const axes = normalizeAxes(axis, rank);
    if (isLeft(axes)) return bad(`expandDims: ${axes.left.message} (the output's rank)`);
    const shape: number[] = [];
    let j = 0;
    for (let d = 0; d < rank; d++) shape.push(axes.right.includes(d) ? 1 : x.shape[j++]);
    return right({ shape, dtype: x.dtype });
  },
  forward: ([x]) => x.data,
  // ∂expandDims = g reshaped back
  vjp: ({ inputs: [x], cotangent: g }) => [reshape(g, { shape: [...x.shape] })],
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : expandDims(tx, attrs)),
  batch: ({ inputs: [x], attrs: { axis }, output }) => {
    const axes = normalizeAxes(axis, output.shape.length);
    return expandDims(x, { axis: (isLeft(axes) ? [] : axes.right).map((a) => a + 1) });
  },
});

/** Attrs of {@link squeeze}: which size-1 axes to drop (default: all of them). */
export interface SqueezeAttrs {
  readonly axis?: number | readonly number[];
}

/**
 * Drops size-1 axes: those named by `axis` (each must have size 1), or all of them.
 * Shares the input's data.
 *
 * @example
 * squeeze(zeros([1, 3, 1]))              // shape [3]
 * squeeze(zeros([1, 3, 1]), { axis: 0 }) // shape [3, 1]
 */
export const squeeze: Op<SqueezeAttrs> = defineOp({
  name: 'ops.squeeze',
  conformance: { cases: [{ inputs: [[1, 3, 1]] }, { inputs: [[1, 3, 1]], attrs: { axis: 0 } }], badAttrs: [{ axis: 1 }] },
  kind: 'movement',
  aliases: true,
  attrs: t.partial({ axis: t.union([t.number, t.readonlyArray(t.number)]) }),
  arity: 1,
  infer: ([x], { axis }) => {
    if (axis === undefined) return right({ shape: x.shape.filter((d) => d !== 1), dtype: x.dtype });
    const axes = normalizeAxes(axis, x.shape.length);
    if (isLeft(axes)) return axes;
    for (const a of axes.right) {
      if (x.shape[a] !== 1) return bad(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    }
    return right({ shape: x.shape.filter((_, d) => !axes.right.includes(d)), dtype: x.dtype });
  },
  forward: ([x]) => x.data,
  // ∂squeeze = g reshaped back
  vjp: ({ inputs: [x], cotangent: g }) => [reshape(g, { shape: [...x.shape] })],
  jvp: ({ tangents: [tx], output }) => (tx === null ? null : reshape(tx, { shape: [...output.shape] })),
  // The example's result shape is known: a batch of size 1 must not be squeezed away.
  batch: ({ inputs: [x], size, output }) => reshape(x, { shape: [size, ...output.shape] }),
});

// ---------------------------------------------------------------------------------------
// slice and its transpose

/** Attrs of {@link slice}: start per axis, size per axis (−1: to the end), step per axis (default 1). */
export interface SliceAttrs {
  readonly begin: readonly number[];
  readonly size?: readonly number[];
  readonly strides?: readonly number[];
}

interface SliceLayout {
  readonly begin: number[];
  readonly extent: number[];
  readonly strides: number[];
  readonly shape: number[];
}

/** Begin, extent and stride for every axis, and the output shape; a Left says what does not fit. */
const sliceLayout = (shape: Shape, attrs: SliceAttrs): Either<ShapeError, SliceLayout> => {
  const rank = shape.length;
  const { begin, size = [], strides = [] } = attrs;
  if (begin.length > rank || size.length > rank || strides.length > rank) {
    return bad(`begin, size and strides may have at most ${rank} entries (the input's rank), got ${begin.length}, ${size.length}, ${strides.length}`);
  }
  const out: SliceLayout = { begin: [], extent: [], strides: [], shape: [] };
  for (let d = 0; d < rank; d++) {
    const b = begin[d] ?? 0, s = size[d] ?? -1, st = strides[d] ?? 1;
    if (!isInt(b) || b < 0 || b > shape[d]) return bad(`begin[${d}] = ${b} must be an integer in [0, ${shape[d]}]`);
    if (!isInt(s) || s < -1) return bad(`size[${d}] = ${s} must be a non-negative integer or -1`);
    if (!isInt(st) || st < 1) return bad(`strides[${d}] = ${st} must be a positive integer`);
    const e = s === -1 ? shape[d] - b : s;
    if (b + e > shape[d]) return mismatch(`axis ${d}: begin ${b} + size ${e} exceeds its size ${shape[d]}`);
    out.begin.push(b);
    out.extent.push(e);
    out.strides.push(st);
    out.shape.push(Math.ceil(e / st));
  }
  return right(out);
};

/**
 * The window of x that starts at `begin`, spans `size` elements per axis (−1: to the end)
 * and steps by `strides` (default 1); shorter lists leave the remaining axes whole.
 *
 * @example
 * slice(tensor([[1, 2, 3], [4, 5, 6]]), { begin: [0, 1], size: [-1, 2] })      // [[2, 3], [5, 6]]
 * slice(arange(0, 10), { begin: [1], size: [-1], strides: [3] })               // [1, 4, 7]
 */
export const slice: Op<SliceAttrs> = defineOp({
  name: 'ops.slice',
  conformance: {
    cases: [
      { inputs: [[3, 4]], attrs: { begin: [1, 0], size: [2, -1] } },
      { inputs: [[7]], attrs: { begin: [1], size: [-1], strides: [3] } },
    ],
    badAttrs: [{ begin: [9] }, { size: [1] }],
  },
  kind: 'movement',
  attrs: t.intersection([t.type({ begin: t.readonlyArray(t.number) }), t.partial({ size: t.readonlyArray(t.number), strides: t.readonlyArray(t.number) })]),
  arity: 1,
  infer: ([x], attrs) => {
    const l = sliceLayout(x.shape, attrs);
    return isLeft(l) ? l : right({ shape: l.right.shape, dtype: x.dtype });
  },
  forward: ([x], attrs, out) => {
    const l = sliceLayout(x.shape, attrs);
    if (isLeft(l)) return allocate(out.dtype, 0);
    const xs = stridesOf(x.shape);
    let base = 0;
    for (let d = 0; d < xs.length; d++) base += l.right.begin[d] * xs[d];
    return gatherAt(x.data, stridedOffsets(out.shape, xs.map((s, d) => s * l.right.strides[d]), base), out.dtype);
  },
  // ∂slice = g placed back into zeros at the window
  vjp: ({ inputs: [x], cotangent: g, attrs }) => {
    const l = sliceLayout(x.shape, attrs);
    if (isLeft(l)) return [null];
    return [unslice(g, { shape: [...x.shape], begin: l.right.begin, strides: l.right.strides })];
  },
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : slice(tx, attrs)),
  // The whole batch axis, then the example's window.
  batch: ({ inputs: [x], attrs: { begin, size = [], strides = [] } }) => slice(x, { begin: [0, ...begin], size: [-1, ...size], strides: [1, ...strides] }),
});

/** Attrs of {@link unslice}: the output shape, and where the input's elements go in it. */
export interface UnsliceAttrs {
  readonly shape: readonly number[];
  readonly begin: readonly number[];
  readonly strides?: readonly number[];
}

/**
 * The transpose of {@link slice} (and its VJP): a zero tensor of `shape` with x's elements
 * placed where `slice(·, { begin, strides })` would read them.
 *
 * @example
 * unslice(tensor([1, 2]), { shape: [5], begin: [1], strides: [2] }) // [0, 1, 0, 2, 0]
 */
export const unslice: Op<UnsliceAttrs> = defineOp({
  name: 'ops.unslice',
  conformance: { cases: [{ inputs: [[2]], attrs: { shape: [5], begin: [1], strides: [2] } }, { inputs: [[2, 2]], attrs: { shape: [3, 4], begin: [1, 1] } }], badAttrs: [{ shape: [1], begin: [0] }] },
  kind: 'movement',
  attrs: t.intersection([t.type({ shape: t.readonlyArray(t.number), begin: t.readonlyArray(t.number) }), t.partial({ strides: t.readonlyArray(t.number) })]),
  arity: 1,
  infer: ([x], { shape, begin, strides = [] }) => {
    if (shape.length !== x.shape.length) return bad(`shape ${shapeText(shape)} must have the input's rank ${x.shape.length}`);
    if (!shape.every((d) => isInt(d) && d >= 0)) return bad(`shape ${shapeText(shape)} must hold non-negative integers`);
    for (let d = 0; d < shape.length; d++) {
      const b = begin[d] ?? 0, st = strides[d] ?? 1;
      if (!isInt(b) || b < 0 || !isInt(st) || st < 1) return bad(`axis ${d}: begin ${b} must be a non-negative integer and stride ${st} a positive one`);
      if (x.shape[d] > 0 && b + (x.shape[d] - 1) * st >= shape[d]) {
        return mismatch(`axis ${d}: ${x.shape[d]} elements from ${b} with stride ${st} do not fit in ${shape[d]}`);
      }
    }
    return right({ shape: [...shape], dtype: x.dtype });
  },
  forward: ([x], { begin, strides = [] }, out) => {
    const os = stridesOf(out.shape);
    let base = 0;
    for (let d = 0; d < os.length; d++) base += (begin[d] ?? 0) * os[d];
    const steps = os.map((s, d) => s * (strides[d] ?? 1));
    return scatterInto(allocate(out.dtype, sizeOf(out.shape)), stridedOffsets(x.shape, steps, base), x.data);
  },
  // ∂unslice = g sliced at the window
  vjp: ({ inputs: [x], cotangent: g, attrs: { begin, strides = [] } }) => [
    slice(g, {
      begin: x.shape.map((_, d) => begin[d] ?? 0),
      size: x.shape.map((n, d) => (n === 0 ? 0 : (n - 1) * (strides[d] ?? 1) + 1)),
      strides: x.shape.map((_, d) => strides[d] ?? 1),
    }),
  ],
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : unslice(tx, attrs)),
  batch: ({ inputs: [x], size, attrs: { shape, begin, strides = [] } }) => unslice(x, { shape: [size, ...shape], begin: [0, ...begin], strides: [1, ...strides] }),
});

// ---------------------------------------------------------------------------------------
// concat, stack, split

/** Attrs of {@link concat}: the axis to join along (default 0; negative counts from the end). */
export interface ConcatAttrs {
  readonly axis: number;
}

const axisAttrs = withDefaults({ axis: t.number }, { axis: 0 });

const axisIn = (axis: number, rank: number): Either<ShapeError, number> => {
  if (!isInt(axis) || axis < -rank || axis >= rank) return bad(`axis ${axis} is out of range for rank ${rank}`);
  return right(axis < 0 ? axis + rank : axis);
};

/**
 * The variadic op behind {@link concat}: `concatOp(a, b, c, { axis })`.
 *
 * @example
 * concatOp(tensor([1]), tensor([2, 3]), { axis: 0 }) // [1, 2, 3]
 */
export const concatOp: Op<ConcatAttrs> = defineOp({
  name: 'ops.concat',
  conformance: {
    cases: [
      { inputs: [[2, 3], [1, 3]], attrs: { axis: 0 } },
      { inputs: [[2, 1], [2, 2], [2, 3]], attrs: { axis: -1 } },
      { inputs: [[3]], label: 'one input' },
    ],
    badAttrs: [{ axis: 4 }],
  },
  kind: 'movement',
  attrs: axisAttrs,
  arity: 'variadic',
  infer: (xs, { axis }) => {
    const rank = xs[0].shape.length;
    if (rank === 0) return mismatch('cannot concatenate scalars; use stack');
    const a = axisIn(axis, rank);
    if (isLeft(a)) return a;
    let total = 0;
    for (let k = 0; k < xs.length; k++) {
      const s = xs[k].shape;
      if (xs[k].dtype !== xs[0].dtype) return left({ _tag: 'DtypeMismatch', message: `input ${k} is ${xs[k].dtype} but input 0 is ${xs[0].dtype}` });
      if (s.length !== rank || s.some((d, i) => i !== a.right && d !== xs[0].shape[i])) {
        return mismatch(`input ${k} has shape ${shapeText(s)}, which differs from input 0's ${shapeText(xs[0].shape)} off axis ${a.right}`);
      }
      total += s[a.right];
    }
    const shape = [...xs[0].shape];
    shape[a.right] = total;
    return right({ shape, dtype: xs[0].dtype });
  },
  forward: (xs, { axis = 0 }, out) => {
    const rank = out.shape.length, a = axis < 0 ? axis + rank : axis;
    const outer = sizeOf(out.shape.slice(0, a)), inner = sizeOf(out.shape.slice(a + 1));
    const row = out.shape[a] * inner;
    const o = allocate(out.dtype, sizeOf(out.shape));
    let at = 0;
    for (const x of xs) {
      const chunk = x.shape[a] * inner, d = x.data;
      for (let p = 0; p < outer; p++) {
        const src = p * chunk, dst = p * row + at;
        for (let i = 0; i < chunk; i++) o[dst + i] = d[src + i];
      }
      at += chunk;
    }
    return o;
  },
  // ∂concat = g cut back into the inputs' pieces
  vjp: ({ inputs, cotangent: g, attrs: { axis = 0 } }) => {
    const rank = g.shape.length, a = axis < 0 ? axis + rank : axis;
    let at = 0;
    return inputs.map((x) => {
      const begin = x.shape.map((_, d) => (d === a ? at : 0));
      at += x.shape[a];
      return slice(g, { begin, size: [...x.shape] });
    });
  },
  jvp: ({ inputs, tangents, attrs }) =>
    tangents.every((tx) => tx === null) ? null : concatOp(...tangents.map((tx, k) => tx ?? zeros(inputs[k].shape, inputs[k].dtype)), attrs),
  // Every piece batched, joined along the shifted axis.
  batch: ({ inputs, batched, size, attrs: { axis = 0 }, output }) =>
    concatOp(...inputs.map((x, k) => withBatch(x, batched[k], size)), { axis: batchAxis(axis, output.shape.length) }),
});

/**
 * Joins tensors along an existing axis (default 0); all other dimensions must agree.
 *
 * @example
 * concat([tensor([[1, 2]]), tensor([[3, 4]])], { axis: 0 }) // [[1, 2], [3, 4]]
 * concat([a, b], { axis: -1 })
 */
export const concat = (tensors: readonly Tensor[], attrs: Partial<ConcatAttrs> = {}): Tensor => {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new ChainruleError('BadArgument', 'concat needs a non-empty array of tensors', { op: 'ops.concat', attrs });
  }
  return concatOp(...tensors, attrs);
};

/** Attrs of {@link stack}: where the new axis goes (default 0), counted in the output's rank. */
export interface StackAttrs {
  readonly axis?: number;
}

/**
 * Joins tensors of one shape along a new axis (default 0).
 *
 * @example
 * stack([tensor([1, 2]), tensor([3, 4])])             // [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], { axis: 1 }) // [[1, 3], [2, 4]]
 */
export const stack = (tensors: readonly Tensor[], attrs: StackAttrs = {}): Tensor => {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new ChainruleError('BadArgument', 'stack needs a non-empty array of tensors', { op: 'ops.stack', attrs });
  }
  const shapes = tensors.map((x) => x.shape);
  const fail = (code: 'BadAttrs' | 'ShapeMismatch', message: string): never => {
    throw new ChainruleError(code, message, { op: 'ops.stack', shapes, attrs });
  };
  const k = shapes.findIndex((s) => !shapesEqual(s, shapes[0]));
  if (k >= 0) fail('ShapeMismatch', `input ${k} has shape ${shapeText(shapes[k])} but input 0 has ${shapeText(shapes[0])}; stack needs one shape`);
  const axis = attrs.axis ?? 0;
  const a = axisIn(axis, shapes[0].length + 1);
  if (isLeft(a)) return fail('BadAttrs', `${a.left.message} (the output's rank)`);
  return concatOp(...tensors.map((x) => expandDims(x, { axis: a.right })), { axis: a.right });
};

/** Attrs of {@link split}: a number of equal parts or a list of sizes (one may be −1), and the axis (default 0). */
export interface SplitAttrs {
  readonly numOrSizes: number | readonly number[];
  readonly axis?: number;
}

const splitAttrs = t.intersection([
  t.type({ numOrSizes: t.union([t.number, t.readonlyArray(t.number)]) }),
  t.partial({ axis: t.number }),
]);

/**
 * Cuts x along `axis` (default 0) into `numOrSizes` equal parts, or into parts of the listed
 * sizes (one of which may be −1: the rest). A composite of {@link slice}.
 *
 * @example
 * split(arange(0, 6), { numOrSizes: 3 })          // [[0, 1], [2, 3], [4, 5]]
 * split(arange(0, 6), { numOrSizes: [1, -1] })    // [[0], [1, 2, 3, 4, 5]]
 */
export const split = (x: Tensor, attrs: SplitAttrs): Tensor[] => {
  const fail = (message: string): never => {
    throw new ChainruleError('BadAttrs', message, { op: 'ops.split', shapes: [x.shape], attrs });
  };
  const decoded = splitAttrs.decode(attrs);
  if (isLeft(decoded)) return fail(formatErrors(decoded.left));
  const { numOrSizes, axis = 0 } = decoded.right;
  const a = axisIn(axis, x.shape.length);
  if (isLeft(a)) return fail(a.left.message);
  const n = x.shape[a.right];
  let sizes: number[];
  if (typeof numOrSizes === 'number') {
    if (!isInt(numOrSizes) || numOrSizes < 1 || n % numOrSizes !== 0) {
      return fail(`numOrSizes ${numOrSizes} must be a positive integer that divides axis ${a.right}'s size ${n}`);
    }
    sizes = new Array<number>(numOrSizes).fill(n / numOrSizes);
  } else {
    if (numOrSizes.length === 0) return fail('numOrSizes must list at least one size');
    const free = numOrSizes.filter((s) => s === -1).length;
    if (free > 1 || numOrSizes.some((s) => !isInt(s) || s < -1)) return fail(`numOrSizes ${shapeText(numOrSizes)} must hold non-negative integers and at most one -1`);
    const known = numOrSizes.reduce((acc, s) => (s === -1 ? acc : acc + s), 0);
    if (free === 0 ? known !== n : known > n) return fail(`sizes ${shapeText(numOrSizes)} do not add up to axis ${a.right}'s size ${n}`);
    sizes = numOrSizes.map((s) => (s === -1 ? n - known : s));
  }
  let at = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, d) => (d === a.right ? at : 0));
    const size = x.shape.map((dim, d) => (d === a.right ? s : dim));
    at += s;
    return slice(x, { begin, size });
  });
};

// ---------------------------------------------------------------------------------------
// gather and its transpose

/** Attrs of {@link gather}: the axis of x the indices pick along (default 0). */
export interface GatherAttrs {
  readonly axis: number;
}

/** Attrs of {@link scatterAdd}: the axis the indices address, and that axis's size in the output. */
export interface ScatterAddAttrs {
  readonly axis: number;
  readonly size: number;
}

/** Indices as integers in [0, n), accepting −n ≤ i < 0 as counted from the end; throws (with context) otherwise. */
const resolveIndices = (indices: Tensor, n: number, op: string, shapes: readonly Shape[], attrs: unknown): Int32Array => {
  const d = indices.data, idx = new Int32Array(d.length);
  for (let j = 0; j < d.length; j++) {
    const v = d[j];
    if (!isInt(v) || v < -n || v >= n) {
      throw new ChainruleError('BadArgument', `index ${v} at position ${j} is not an integer in [${-n}, ${n})`, { op, shapes, attrs });
    }
    idx[j] = v < 0 ? v + n : v;
  }
  return idx;
};

/**
 * Picks slices of x along `axis` (default 0) at float `indices` holding integers (negative
 * ones count from the end; anything else throws). The output's shape is x's with that axis
 * replaced by the indices' shape. Differentiable in x (the VJP scatter-adds, so repeated
 * indices accumulate); no gradient to the indices. Also exported as {@link take}.
 *
 * @example
 * gather(tensor([10, 20, 30]), tensor([2, 0, 2]))                  // [30, 10, 30]
 * gather(tensor([[1, 2], [3, 4]]), tensor([1]), { axis: 1 })       // [[2], [4]]
 */
export const gather: Op<GatherAttrs> = defineOp({
  name: 'ops.gather',
  conformance: {
    cases: [
      { inputs: [[4, 2], tensor([0, 3, 1, 3])] },
      { inputs: [[2, 3], tensor([[2], [0]])], attrs: { axis: 1 } },
    ],
    badAttrs: [{ axis: 5 }],
  },
  kind: 'movement',
  attrs: axisAttrs,
  arity: 2,
  infer: ([x, i], { axis }) => {
    const a = axisIn(axis, x.shape.length);
    if (isLeft(a)) return a;
    return right({ shape: [...x.shape.slice(0, a.right), ...i.shape, ...x.shape.slice(a.right + 1)], dtype: x.dtype });
  },
  forward: ([x, indices], attrs, out) => {
    const rank = x.shape.length, axis = attrs.axis, a = axis < 0 ? axis + rank : axis;
    const n = x.shape[a], outer = sizeOf(x.shape.slice(0, a)), inner = sizeOf(x.shape.slice(a + 1));
    const idx = resolveIndices(indices, n, 'ops.gather', [x.shape, indices.shape], attrs);
    const m = idx.length, d = x.data, o = allocate(out.dtype, outer * m * inner);
    for (let p = 0; p < outer; p++) {
      for (let j = 0; j < m; j++) {
        const src = (p * n + idx[j]) * inner, dst = (p * m + j) * inner;
        for (let q = 0; q < inner; q++) o[dst + q] = d[src + q];
      }
    }
    return o;
  },
  // ∂gather = (g scatter-added back along the axis, none)
  vjp: ({ inputs: [x, indices], cotangent: g, attrs: { axis = 0 } }) => {
    const a = axis < 0 ? axis + x.shape.length : axis;
    return [scatterAdd(g, indices, { axis: a, size: x.shape[a] }), null];
  },
  jvp: ({ inputs: [, indices], tangents: [tx], attrs }) => (tx === null ? null : gather(tx, indices, attrs)),
  // Batched x: pick along the shifted axis. Batched indices into a shared x: the batch axis
  // lands where the indices' axes go, then moves to the front. Both batched: one example at a time.
  batch: (args) => {
    const { inputs: [x, indices], batched, attrs: { axis = 0 } } = args;
    if (batched[0] && batched[1]) return loopBatch(gather, args);
    if (batched[0]) return gather(x, indices, { axis: batchAxis(axis, x.shape.length - 1) });
    const a = axis < 0 ? axis + x.shape.length : axis;
    return moveAxis(gather(x, indices, { axis: a }), { source: a, destination: 0 });
  },
});

/**
 * Picks slices of x along an axis at integer-valued indices: the same op as {@link gather}.
 *
 * @example
 * take(tensor([10, 20, 30]), tensor([1])) // [20]
 */
export const take: Op<GatherAttrs> = gather;

/**
 * The transpose of {@link gather} (and its VJP): a zero tensor whose `axis` has `size`
 * entries, into which the slices of `updates` are added at `indices` (repeats accumulate).
 * `updates` has the shape gather would give: prefix, then the indices' shape, then suffix.
 *
 * @example
 * scatterAdd(tensor([1, 2, 3]), tensor([0, 2, 0]), { axis: 0, size: 3 }) // [4, 0, 2]
 */
export const scatterAdd: Op<ScatterAddAttrs> = defineOp({
  name: 'ops.scatterAdd',
  conformance: { cases: [{ inputs: [[4, 2], tensor([0, 2, 0, 1])], attrs: { axis: 0, size: 3 } }], badAttrs: [{ axis: 0 }, { axis: 0, size: -1 }] },
  kind: 'opaque',
  attrs: t.type({ axis: t.number, size: t.number }),
  arity: 2,
  infer: ([u, i], { axis, size }) => {
    const rank = u.shape.length - i.shape.length + 1;
    if (rank < 1) return mismatch(`updates of rank ${u.shape.length} cannot hold indices of rank ${i.shape.length}`);
    if (!isInt(size) || size < 0) return bad(`size ${size} must be a non-negative integer`);
    const a = axisIn(axis, rank);
    if (isLeft(a)) return a;
    if (!shapesEqual(u.shape.slice(a.right, a.right + i.shape.length), i.shape)) {
      return mismatch(`updates ${shapeText(u.shape)} must hold the indices' shape ${shapeText(i.shape)} at axis ${a.right}`);
    }
    return right({ shape: [...u.shape.slice(0, a.right), size, ...u.shape.slice(a.right + i.shape.length)], dtype: u.dtype });
  },
  forward: ([u, indices], attrs, out) => {
    const rank = out.shape.length, a = attrs.axis < 0 ? attrs.axis + rank : attrs.axis, n = attrs.size;
    const outer = sizeOf(out.shape.slice(0, a)), inner = sizeOf(out.shape.slice(a + 1));
    const idx = resolveIndices(indices, n, 'ops.scatterAdd', [u.shape, indices.shape], attrs);
    const m = idx.length, d = u.data, o = allocate(out.dtype, sizeOf(out.shape));
    for (let p = 0; p < outer; p++) {
      for (let j = 0; j < m; j++) {
        const dst = (p * n + idx[j]) * inner, src = (p * m + j) * inner;
        for (let q = 0; q < inner; q++) o[dst + q] += d[src + q];
      }
    }
    return o;
  },
  // ∂scatterAdd = (g gathered at the indices, none)
  vjp: ({ inputs: [, indices], cotangent: g, attrs: { axis } }) => [gather(g, indices, { axis }), null],
  jvp: ({ inputs: [, indices], tangents: [tu], attrs }) => (tu === null ? null : scatterAdd(tu, indices, attrs)),
  // Batched updates at shared indices: add along the shifted axis. Batched indices: one example at a time.
  batch: (args) => {
    const { inputs: [u, indices], batched, attrs: { axis, size }, output } = args;
    return batched[1] ? loopBatch(scatterAdd, args) : scatterAdd(u, indices, { axis: batchAxis(axis, output.shape.length), size });
  },
});

// ---------------------------------------------------------------------------------------
// pad

/** Attrs of {@link pad}: `[before, after]` per axis, and the fill value (default 0). */
export interface PadAttrs {
  readonly paddings: readonly (readonly [number, number])[];
  readonly value?: number;
}

/**
 * Surrounds x with `value` (default 0): `paddings[d] = [before, after]` elements on axis d,
 * one pair per axis, non-negative integers.
 *
 * @example
 * pad(tensor([1, 2]), { paddings: [[1, 2]] })                 // [0, 1, 2, 0, 0]
 * pad(x, { paddings: [[0, 0], [1, 1], [1, 1], [0, 0]] })      // NHWC spatial padding
 */
export const pad: Op<PadAttrs> = defineOp({
  name: 'ops.pad',
  conformance: {
    cases: [
      { inputs: [[2, 3]], attrs: { paddings: [[1, 0], [0, 2]] } },
      { inputs: [[3]], attrs: { paddings: [[2, 1]], value: 1.5 } },
    ],
    badAttrs: [{ paddings: 'same' }, { paddings: [[1, 1]] }],
  },
  kind: 'movement',
  attrs: t.intersection([t.type({ paddings: t.readonlyArray(t.readonly(t.tuple([t.number, t.number]))) }), t.partial({ value: t.number })]),
  arity: 1,
  infer: ([x], { paddings }) => {
    if (paddings.length !== x.shape.length) return bad(`paddings has ${paddings.length} pairs for an input of rank ${x.shape.length}`);
    for (let d = 0; d < paddings.length; d++) {
      const [b, e] = paddings[d];
      if (!isInt(b) || !isInt(e) || b < 0 || e < 0) return bad(`paddings[${d}] = [${b}, ${e}] must be non-negative integers`);
    }
    return right({ shape: x.shape.map((n, d) => paddings[d][0] + n + paddings[d][1]), dtype: x.dtype });
  },
  forward: ([x], { paddings, value = 0 }, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape));
    if (value !== 0) o.fill(value);
    const os = stridesOf(out.shape);
    let base = 0;
    for (let d = 0; d < os.length; d++) base += paddings[d][0] * os[d];
    return scatterInto(o, stridedOffsets(x.shape, os, base), x.data);
  },
  // ∂pad = g sliced back to the interior
  vjp: ({ inputs: [x], cotangent: g, attrs: { paddings } }) => [slice(g, { begin: paddings.map((p) => p[0]), size: [...x.shape] })],
  jvp: ({ tangents: [tx], attrs: { paddings } }) => (tx === null ? null : pad(tx, { paddings })),
  batch: ({ inputs: [x], attrs: { paddings, value } }) => pad(x, { paddings: [[0, 0], ...paddings], ...(value === undefined ? {} : { value }) }),
});

// ---------------------------------------------------------------------------------------
// flip, takeAlongAxis and its transpose, tile, repeat

/** Attrs of {@link flip}: the axes to reverse (default all). */
export interface FlipAttrs {
  readonly axis?: number | readonly number[];
}

/** The normalised axes of a flip, or a Left. */
const flipAxes = (rank: number, axis: FlipAttrs['axis']): Either<ShapeError, number[]> => {
  if (axis === undefined) return right([...Array(rank).keys()]);
  const r = normalizeAxes(typeof axis === 'number' ? [axis] : axis, rank);
  return isLeft(r) ? bad(r.left.message) : right([...r.right]);
};

/**
 * Reverses the order of elements along `axis` (default all axes), like NumPy's flip. Its
 * own VJP: the cotangent flipped back.
 *
 * @example
 * flip(tensor([1, 2, 3]))                        // [3, 2, 1]
 * flip(tensor([[1, 2], [3, 4]]), { axis: 1 })    // [[2, 1], [4, 3]]
 */
export const flip: Op<FlipAttrs> = defineOp({
  name: 'ops.flip',
  kind: 'movement',
  attrs: t.partial({ axis: t.union([t.number, t.readonlyArray(t.number)]) }),
  arity: 1,
  infer: ([x], { axis }) => {
    const a = flipAxes(x.shape.length, axis);
    return isLeft(a) ? a : right(x);
  },
  forward: ([x], { axis }, out) => {
    const fa = flipAxes(x.shape.length, axis);
    const axes = new Set(isLeft(fa) ? [] : fa.right);
    const strides = stridesOf(x.shape);
    let base = 0;
    const steps = x.shape.map((n, d) => {
      if (!axes.has(d)) return strides[d];
      base += (n - 1) * strides[d];
      return -strides[d];
    });
    return gatherAt(x.data, stridedOffsets(out.shape, steps, base), out.dtype);
  },
  // ∂flip = flip(g)
  vjp: ({ cotangent: g, attrs }) => [flip(g, attrs)],
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : flip(tx, attrs)),
  // The example's axes (all of them by default) shifted past the batch axis.
  batch: ({ inputs: [x], attrs: { axis } }) => {
    const a = flipAxes(x.shape.length - 1, axis);
    return flip(x, { axis: (isLeft(a) ? [] : a.right).map((d) => d + 1) });
  },
  conformance: {
    cases: [{ inputs: [[5]] }, { inputs: [[2, 3, 2]], attrs: { axis: [0, 2] } }, { inputs: [[3, 2]], attrs: { axis: -1 } }],
    badAttrs: [{ axis: 4 }, { axis: 'rows' }],
  },
});

/** Attrs of {@link takeAlongAxis}: the axis the indices address (default −1). */
export interface AlongAxisAttrs {
  readonly axis: number;
}

/** Attrs of {@link scatterAddAlongAxis}: the axis, and its size in the output. */
export interface ScatterAlongAxisAttrs {
  readonly axis: number;
  readonly size: number;
}

/** indices must match x's shape on every axis but `axis` (NumPy's take_along_axis without broadcasting). */
const inferAlong = (x: Shape, indices: Shape, axis: number, what: string): Either<ShapeError, number> => {
  if (x.length !== indices.length) return mismatch(`${what}: indices have rank ${indices.length}, x has rank ${x.length}`);
  const a = axisIn(axis, x.length);
  if (isLeft(a)) return a;
  for (let d = 0; d < x.length; d++) {
    if (d !== a.right && x[d] !== indices[d]) return mismatch(`${what}: indices ${shapeText(indices)} and x ${shapeText(x)} differ on axis ${d} (only axis ${a.right} may differ)`);
  }
  return a;
};

/**
 * Picks, along `axis`, the elements that `indices` (integers as floats, negative counting
 * from the end) name, keeping every other axis aligned: NumPy's `take_along_axis`. The
 * output has the indices' shape. Differentiable in x (the VJP scatter-adds back); no gradient
 * to the indices. With {@link argsort} it sorts: `takeAlongAxis(x, argsort(x))`.
 *
 * @example
 * takeAlongAxis(tensor([[10, 30, 20]]), tensor([[1, 2]]), { axis: 1 }) // [[30, 20]]
 */
export const takeAlongAxis: Op<AlongAxisAttrs> = defineOp({
  name: 'ops.takeAlongAxis',
  kind: 'movement',
  attrs: withDefaults({ axis: t.number }, { axis: -1 }),
  arity: 2,
  infer: ([x, i], { axis }) => {
    const a = inferAlong(x.shape, i.shape, axis, 'takeAlongAxis');
    return isLeft(a) ? a : right({ shape: i.shape, dtype: x.dtype });
  },
  forward: ([x, indices], attrs, out) => {
    const ax = axisIn(attrs.axis, x.shape.length), a = isLeft(ax) ? 0 : ax.right;
    const n = x.shape[a], m = indices.shape[a];
    const outer = sizeOf(x.shape.slice(0, a)), inner = sizeOf(x.shape.slice(a + 1));
    const idx = resolveIndices(indices, n, 'ops.takeAlongAxis', [x.shape, indices.shape], attrs);
    const d = x.data, o = allocate(out.dtype, idx.length);
    for (let p = 0; p < outer; p++) {
      for (let j = 0; j < m; j++) {
        for (let q = 0; q < inner; q++) {
          const at = (p * m + j) * inner + q;
          o[at] = d[(p * n + idx[at]) * inner + q];
        }
      }
    }
    return o;
  },
  // ∂takeAlongAxis = (g scatter-added back at the indices, none)
  vjp: ({ inputs: [x, indices], cotangent: g, attrs: { axis } }) => {
    const a = axis < 0 ? axis + x.shape.length : axis;
    return [scatterAddAlongAxis(g, indices, { axis: a, size: x.shape[a] }), null];
  },
  jvp: ({ inputs: [, indices], tangents: [tx], attrs }) => (tx === null ? null : takeAlongAxis(tx, indices, attrs)),
  // x and indices share every axis but one, so both get the batch and the axis shifts.
  batch: ({ inputs: [x, indices], batched, size, attrs: { axis }, output }) =>
    takeAlongAxis(withBatch(x, batched[0], size), withBatch(indices, batched[1], size), { axis: batchAxis(axis, output.shape.length) }),
  conformance: {
    cases: [
      { inputs: [[2, 4], tensor([[3, 0], [1, 1]])], attrs: { axis: 1 } },
      { inputs: [[3, 2], tensor([[2, 0], [0, 1], [2, 2], [1, 0]])], attrs: { axis: 0 } },
    ],
    badAttrs: [{ axis: 3 }],
  },
});

/**
 * The transpose of {@link takeAlongAxis} (and its VJP): zeros with `size` entries along
 * `axis`, into which each element of `updates` is added at the position `indices` names
 * (repeats accumulate).
 *
 * @example
 * scatterAddAlongAxis(tensor([[1, 2]]), tensor([[2, 2]]), { axis: 1, size: 3 }) // [[0, 0, 3]]
 */
export const scatterAddAlongAxis: Op<ScatterAlongAxisAttrs> = defineOp({
  name: 'ops.scatterAddAlongAxis',
  kind: 'opaque',
  attrs: t.type({ axis: t.number, size: t.refinement(t.number, (n) => isInt(n) && n >= 0, 'non-negative integer') }),
  arity: 2,
  infer: ([u, i], { axis, size }) => {
    if (!shapesEqual(u.shape, i.shape)) return mismatch(`updates ${shapeText(u.shape)} and indices ${shapeText(i.shape)} must have one shape`);
    const a = axisIn(axis, u.shape.length);
    if (isLeft(a)) return a;
    return right({ shape: u.shape.map((d, k) => (k === a.right ? size : d)), dtype: u.dtype });
  },
  forward: ([u, indices], attrs, out) => {
    const ax = axisIn(attrs.axis, u.shape.length), a = isLeft(ax) ? 0 : ax.right;
    const n = attrs.size, m = u.shape[a];
    const outer = sizeOf(u.shape.slice(0, a)), inner = sizeOf(u.shape.slice(a + 1));
    const idx = resolveIndices(indices, n, 'ops.scatterAddAlongAxis', [u.shape, indices.shape], attrs);
    const d = u.data, o = allocate(out.dtype, sizeOf(out.shape));
    for (let p = 0; p < outer; p++) {
      for (let j = 0; j < m; j++) {
        for (let q = 0; q < inner; q++) {
          const at = (p * m + j) * inner + q;
          o[(p * n + idx[at]) * inner + q] += d[at];
        }
      }
    }
    return o;
  },
  // ∂scatterAddAlongAxis = (g taken at the indices, none)
  vjp: ({ inputs: [, indices], cotangent: g, attrs: { axis } }) => [takeAlongAxis(g, indices, { axis }), null],
  jvp: ({ inputs: [, indices], tangents: [tu], attrs }) => (tu === null ? null : scatterAddAlongAxis(tu, indices, attrs)),
  batch: ({ inputs: [u, indices], batched, size, attrs: { axis, size: n }, output }) =>
    scatterAddAlongAxis(withBatch(u, batched[0], size), withBatch(indices, batched[1], size), { axis: batchAxis(axis, output.shape.length), size: n }),
  conformance: {
    cases: [{ inputs: [[2, 2], tensor([[2, 2], [0, 1]])], attrs: { axis: 1, size: 3 } }],
    badAttrs: [{ axis: 1 }, { axis: 1, size: -2 }],
  },
});

/**
 * Repeats the whole of x `reps[d]` times along each axis, like NumPy's tile (reps shorter
 * than the rank count from the last axis). Made of reshape and broadcastTo, so it
 * differentiates with them.
 *
 * @example
 * tile(tensor([1, 2]), { reps: [2] })          // [1, 2, 1, 2]
 * tile(tensor([[1, 2]]), { reps: [2, 1] })     // [[1, 2], [1, 2]]
 */
export const tile = (x: Tensor, attrs: { readonly reps: readonly number[] }): Tensor => {
  const { reps } = attrs;
  if (!Array.isArray(reps) || !reps.every((r) => isInt(r) && r >= 0)) {
    throw new ChainruleError('BadAttrs', `tile: reps must be non-negative integers, got ${JSON.stringify(reps)}`, { op: 'ops.tile', shapes: [x.shape], attrs });
  }
  const rank = Math.max(x.shape.length, reps.length);
  const shape = [...Array(rank - x.shape.length).fill(1), ...x.shape];
  const r = [...Array(rank - reps.length).fill(1), ...reps];
  const spread = reshape(x, { shape: shape.flatMap((n) => [1, n]) });
  const grown = broadcastTo(spread, { shape: shape.flatMap((n, d) => [r[d], n]) });
  return reshape(grown, { shape: shape.map((n, d) => n * r[d]) });
};

/**
 * Repeats each element `repeats` times along `axis` (default: x flattened), like NumPy's
 * repeat with one count. Made of reshape and broadcastTo.
 *
 * @example
 * repeat(tensor([1, 2]), { repeats: 2 })                    // [1, 1, 2, 2]
 * repeat(tensor([[1, 2], [3, 4]]), { repeats: 2, axis: 0 }) // [[1, 2], [1, 2], [3, 4], [3, 4]]
 */
export const repeat = (x: Tensor, attrs: { readonly repeats: number; readonly axis?: number }): Tensor => {
  const { repeats, axis } = attrs;
  const where = { op: 'ops.repeat', shapes: [x.shape], attrs };
  if (!isInt(repeats) || repeats < 0) throw new ChainruleError('BadAttrs', `repeat: repeats must be a non-negative integer, got ${JSON.stringify(repeats)}`, where);
  const flat = axis === undefined ? reshape(x, { shape: [-1] }) : x;
  const a = axisIn(axis ?? 0, flat.shape.length);
  if (isLeft(a)) throw new ChainruleError('BadAttrs', `repeat: ${a.left.message}`, where);
  const s = flat.shape, k = a.right;
  const split = [...s.slice(0, k + 1), 1, ...s.slice(k + 1)];
  const grown = broadcastTo(reshape(flat, { shape: split }), { shape: [...s.slice(0, k + 1), repeats, ...s.slice(k + 1)] });
  return reshape(grown, { shape: s.map((n, d) => (d === k ? n * repeats : n)) });
};
