// Shape inference shared by op plugins: no attrs, same shape, NumPy broadcasting.

import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import type { ShapeError } from '../errors.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Aval } from '../tensor.js';

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
