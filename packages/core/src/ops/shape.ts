// Ops that change a tensor's shape without computing: reshape, broadcastTo and moveAxis, and the gradient side of broadcasting (unbroadcast).

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import { defineOp, type Op } from '../op.js';
import { broadcastShapes, sizeOf, shapesEqual, stridesOf, stridedOffsets, type Shape, shapeText } from '../shape.js';
import { expandTo } from '../kernels/operand.js';
import { allocate, type Tensor } from '../tensor.js';
import { sum } from './reduce.js';

const shapeAttr = t.readonlyArray(t.refinement(t.number, (n) => Number.isInteger(n) && n >= -1, 'dimension (integer ≥ −1)'));

/**
 * Same data, new shape; one dimension may be −1 and is then inferred.
 *
 * @example
 * reshape(arange(0, 6), { shape: [2, -1] }) // shape [2, 3]
 */
export const reshape: Op<{ shape: readonly number[] }> = defineOp({
  name: 'core.reshape',
  conformance: {
    cases: [
      { inputs: [[2, 3]], attrs: { shape: [3, 2] } },
      { inputs: [[2, 2, 3]], attrs: { shape: [-1, 3] } },
      { inputs: [[]], attrs: { shape: [1, 1] } },
    ],
    badAttrs: [{ shape: [7] }, { shape: [-1, -1] }, { shape: 'flat' }],
  },
  kind: 'movement',
  aliases: true,
  attrs: t.type({ shape: shapeAttr }),
  arity: 1,
  infer: ([x], { shape }) => {
    const free = shape.filter((d) => d === -1).length;
    if (free > 1) return left({ _tag: 'BadAttrs', message: 'only one dimension may be -1' });
    const known = sizeOf(shape.filter((d) => d !== -1));
    const n = sizeOf(x.shape);
    if (free === 1) {
      if (known === 0 || n % known !== 0) return left({ _tag: 'ShapeMismatch', message: `cannot reshape ${n} elements to ${shapeText(shape)}` });
      return right({ shape: shape.map((d) => (d === -1 ? n / known : d)), dtype: x.dtype });
    }
    if (known !== n) return left({ _tag: 'ShapeMismatch', message: `cannot reshape ${n} elements to ${shapeText(shape)}` });
    return right({ shape: [...shape], dtype: x.dtype });
  },
  forward: ([x]) => x.data,
  // ∂reshape = g reshaped back
  vjp: ({ inputs: [x], cotangent: g }) => [reshape(g, { shape: [...x.shape] })],
  jvp: ({ tangents: [tx], output }) => (tx === null ? null : reshape(tx, { shape: [...output.shape] })),
  // The batch axis leads the new shape (the inferred one: no −1 left to resolve).
  batch: ({ inputs: [x], size, output }) => reshape(x, { shape: [size, ...output.shape] }),
});

/**
 * Broadcasts to a larger shape under NumPy rules.
 *
 * @example
 * broadcastTo(tensor([1, 2]), { shape: [3, 2] }) // [[1, 2], [1, 2], [1, 2]]
 */
export const broadcastTo: Op<{ shape: readonly number[] }> = defineOp({
  name: 'core.broadcastTo',
  conformance: {
    cases: [
      { inputs: [[3]], attrs: { shape: [2, 3] } },
      { inputs: [[2, 1]], attrs: { shape: [3, 2, 4] } },
      { inputs: [[2, 3]], attrs: { shape: [2, 3] }, label: 'same shape' },
    ],
    badAttrs: [{ shape: [4] }, { shape: [-3] }],
  },
  kind: 'movement',
  attrs: t.type({ shape: t.readonlyArray(t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0, 'dimension')) }),
  arity: 1,
  infer: ([x], { shape }) => {
    const b = broadcastShapes(x.shape, shape);
    if (b._tag === 'Left' || !shapesEqual(b.right, shape)) {
      return left({ _tag: 'ShapeMismatch', message: `cannot broadcast ${shapeText(x.shape)} to ${shapeText(shape)}` });
    }
    return right({ shape: [...shape], dtype: x.dtype });
  },
  // A copy even at the same shape: only ops declaring `aliases` may return an input's buffer.
  forward: ([x], _, out) => (x.size === sizeOf(out.shape) ? x.data.slice() : expandTo(x, out.shape)),
  // ∂broadcast = g summed back to the input shape
  vjp: ({ inputs: [x], cotangent: g }) => [unbroadcast(g, x.shape)],
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : broadcastTo(tx, attrs)),
  // New axes go after the batch axis: view x as [B, 1…, …x] first.
  batch: ({ inputs: [x], size, output }) => {
    const s = x.shape.slice(1), r = output.shape.length;
    const aligned = s.length === r ? x : reshape(x, { shape: [size, ...new Array<number>(r - s.length).fill(1), ...s] });
    return broadcastTo(aligned, { shape: [size, ...output.shape] });
  },
});

/** Attrs of {@link moveAxis}: the axis to move and where it goes (negative counts from the end). */
export interface MoveAxisAttrs {
  readonly source: number;
  readonly destination: number;
}

const axisIn = (a: number, rank: number): number | undefined => (Number.isInteger(a) && a >= -rank && a < rank ? (a < 0 ? a + rank : a) : undefined);

/** The permutation that moves axis `s` to position `d`: output axis k reads input axis perm[k]. */
const movePerm = (rank: number, s: number, d: number): number[] => {
  const rest = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== s);
  rest.splice(d, 0, s);
  return rest;
};

/**
 * Moves one axis to another position, keeping the others in order (NumPy's `moveaxis`):
 * how `vmap` brings a batch axis to the front and back out.
 *
 * @example
 * moveAxis(zeros([2, 3, 4]), { source: 0, destination: -1 }) // shape [3, 4, 2]
 */
export const moveAxis: Op<MoveAxisAttrs> = defineOp({
  name: 'core.moveAxis',
  conformance: {
    cases: [
      { inputs: [[2, 3, 4]], attrs: { source: 0, destination: -1 } },
      { inputs: [[2, 3]], attrs: { source: 1, destination: 0 } },
    ],
    badAttrs: [{ source: 3, destination: 0 }, { source: 'first', destination: 0 }, {}],
  },
  kind: 'movement',
  attrs: t.type({ source: t.number, destination: t.number }),
  arity: 1,
  infer: ([x], { source, destination }) => {
    const r = x.shape.length, s = axisIn(source, r), d = axisIn(destination, r);
    if (s === undefined || d === undefined) return left({ _tag: 'BadAttrs', message: `axes ${source} and ${destination} must lie in [${-r}, ${r}) for rank ${r}` });
    return right({ shape: movePerm(r, s, d).map((a) => x.shape[a]), dtype: x.dtype });
  },
  forward: ([x], { source, destination }, out) => {
    const r = x.shape.length, xs = stridesOf(x.shape);
    const off = stridedOffsets(out.shape, movePerm(r, axisIn(source, r)!, axisIn(destination, r)!).map((a) => xs[a]));
    const o = allocate(out.dtype, off.length), d = x.data;
    for (let i = 0; i < off.length; i++) o[i] = d[off[i]];
    return o;
  },
  // ∂moveAxis = g with the axis moved back
  vjp: ({ cotangent: g, attrs: { source, destination } }) => [moveAxis(g, { source: destination, destination: source })],
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : moveAxis(tx, attrs)),
  batch: ({ inputs: [x], attrs: { source, destination }, output }) => {
    const r = output.shape.length;
    return moveAxis(x, { source: axisIn(source, r)! + 1, destination: axisIn(destination, r)! + 1 });
  },
});

/**
 * Sums a cotangent back to an input's shape: the VJP side of broadcasting.
 *
 * @example
 * unbroadcast(ones([4, 3]), [3]) // [4, 4, 4]
 */
export const unbroadcast = (g: Tensor, shape: Shape): Tensor => {
  if (shapesEqual(g.shape, shape)) return g;
  const extra = g.shape.length - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.shape.length; d++) {
    if (d < extra || (shape[d - extra] === 1 && g.shape[d] !== 1)) axes.push(d);
  }
  const summed = axes.length ? sum(g, { axis: axes, keepDims: true }) : g;
  return shapesEqual(summed.shape, shape) ? summed : reshape(summed, { shape: [...shape] });
};

/**
 * A tangent brought to an output shape (a null tangent stays null).
 *
 * @example
 * broadcastTangent(t, [4, 3])
 */
export const broadcastTangent = (t: Tensor | null, shape: Shape): Tensor | null =>
  t === null ? null : shapesEqual(t.shape, shape) ? t : broadcastTo(t, { shape: [...shape] });
