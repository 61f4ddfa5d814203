// Ops that change a tensor's shape without computing: reshape and broadcastTo, and the gradient side of broadcasting (unbroadcast).

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import { defineOp, type Op } from '../op.js';
import { broadcastShapes, sizeOf, shapesEqual, type Shape } from '../shape.js';
import { expandTo } from '../kernels/operand.js';
import type { Tensor } from '../tensor.js';
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
      if (known === 0 || n % known !== 0) return left({ _tag: 'ShapeMismatch', message: `cannot reshape ${n} elements to [${shape.join(', ')}]` });
      return right({ shape: shape.map((d) => (d === -1 ? n / known : d)), dtype: x.dtype });
    }
    if (known !== n) return left({ _tag: 'ShapeMismatch', message: `cannot reshape ${n} elements to [${shape.join(', ')}]` });
    return right({ shape: [...shape], dtype: x.dtype });
  },
  forward: ([x]) => x.data,
  // ∂reshape = g reshaped back
  vjp: ({ inputs: [x], cotangent: g }) => [reshape(g, { shape: [...x.shape] })],
  jvp: ({ tangents: [tx], output }) => (tx === null ? null : reshape(tx, { shape: [...output.shape] })),
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
      return left({ _tag: 'ShapeMismatch', message: `cannot broadcast [${x.shape.join(', ')}] to [${shape.join(', ')}]` });
    }
    return right({ shape: [...shape], dtype: x.dtype });
  },
  // A copy even at the same shape: only ops declaring `aliases` may return an input's buffer.
  forward: ([x], _, out) => (x.size === sizeOf(out.shape) ? x.data.slice() : expandTo(x, out.shape)),
  // ∂broadcast = g summed back to the input shape
  vjp: ({ inputs: [x], cotangent: g }) => [unbroadcast(g, x.shape)],
  jvp: ({ tangents: [tx], attrs }) => (tx === null ? null : broadcastTo(tx, attrs)),
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
