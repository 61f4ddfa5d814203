// Helpers for VJP and JVP rules: the gradient side of broadcasting.

import { shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sum } from './reduce.js';
import { reshape, broadcastTo } from './shape.js';

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
