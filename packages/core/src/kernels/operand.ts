// Kernel helpers for broadcasting: an input's data laid out at the output's shape, for flat loops.

import { broadcastIndex, shapesEqual, sizeOf, type Shape } from '../shape.js';
import { allocate, type FloatArray, type Tensor } from '../tensor.js';

/**
 * An input's data laid out at the output's shape: the data itself when the shapes match,
 * otherwise a broadcast copy. Keeps elementwise kernels a single flat loop.
 *
 * @example
 * expandTo(tensor([1, 2]), [2, 2]) // Float32Array [1, 2, 1, 2]
 */
export const expandTo = (x: Tensor, shape: Shape): FloatArray => {
  if (shapesEqual(x.shape, shape)) return x.data;
  const n = sizeOf(shape);
  const out = allocate(x.dtype, n);
  const src = x.data;
  if (x.size === 1) {
    out.fill(src[0]);
    return out;
  }
  // A bias-like operand (its shape is the output's trailing dims): tile it row by row.
  const lead = shape.length - x.shape.length;
  let trailing = lead >= 0;
  for (let d = 0; trailing && d < x.shape.length; d++) trailing = x.shape[d] === shape[lead + d];
  if (trailing) {
    for (let off = 0; off < n; off += src.length) out.set(src, off);
    return out;
  }
  const idx = broadcastIndex(x.shape, shape);
  for (let i = 0; i < n; i++) out[i] = src[idx[i]];
  return out;
};

/**
 * An input ready for a flat elementwise loop: its data laid out at the output's shape, and
 * the step to walk it with — 0 for a single value (never copied), 1 otherwise.
 *
 * @example
 * const { data, step } = operand(tensor(2), [1000]) // step 0: data has one value
 */
export const operand = (x: Tensor, shape: Shape): { readonly data: FloatArray; readonly step: number } =>
  x.size === 1 ? { data: x.data, step: 0 } : { data: expandTo(x, shape), step: 1 };
