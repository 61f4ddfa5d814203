// Helpers shared by op rules: broadcasting inference, operand expansion and unbroadcast.

import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import type { ShapeError } from '../errors.js';
import { broadcastShapes, broadcastIndex, shapesEqual, sizeOf, type Shape } from '../shape.js';
import { allocate, type Aval, type FloatArray, type Tensor } from '../tensor.js';
import { sum } from './reduce.js';
import { reshape, broadcastTo } from './shape.js';

/** The attrs codec of ops that take none. */
export const noAttrs = t.type({});

/**
 * Output of an elementwise op on two inputs: same dtype, NumPy-broadcast shape.
 *
 * @example
 * inferBroadcast([{ shape: [2, 1], dtype: 'float32' }, { shape: [3], dtype: 'float32' }]) // right([2, 3])
 */
export const inferBroadcast = (inputs: readonly Aval[]): Either<ShapeError, Aval> => {
  // A plain loop: this runs for every elementwise op call, so it stays free of combinators.
  const dtype = inputs[0].dtype;
  let shape: readonly number[] = inputs[0].shape;
  for (let k = 1; k < inputs.length; k++) {
    if (inputs[k].dtype !== dtype) {
      return left({ _tag: 'DtypeMismatch', message: `dtypes ${inputs.map((x) => x.dtype).join(' and ')} differ; cast one of them` });
    }
    if (shapesEqual(shape, inputs[k].shape)) continue;
    const b = broadcastShapes(shape, inputs[k].shape);
    if (b._tag === 'Left') return b;
    shape = b.right;
  }
  return right({ shape, dtype });
};

/**
 * Output of an elementwise op on one input: the same shape and dtype.
 *
 * @example
 * inferSame([x]) // right({ shape: x.shape, dtype: x.dtype })
 */
export const inferSame = (inputs: readonly Aval[]): Either<ShapeError, Aval> =>
  right({ shape: inputs[0].shape, dtype: inputs[0].dtype });

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
