// Batching rules for vmap: the helpers plugin rules share, and the rules derived from op kinds.

import { isLeft } from 'fp-ts/lib/Either.js';
import { applyOp, opKind, type BatchArgs, type Op } from './op.js';
import { normalizeAxes } from './shape.js';
import type { Tensor } from './tensor.js';
import { reshape, broadcastTo } from './ops/shape.js';

/**
 * x with the batch on axis 0: a batched x as it is, an unbatched one broadcast to `size`
 * copies (for ops that need every input batched).
 *
 * @example
 * withBatch(tensor([1, 2]), false, 3).shape // [3, 2]
 */
export const withBatch = (x: Tensor, batched: boolean, size: number): Tensor =>
  batched ? x : broadcastTo(x, { shape: [size, ...x.shape] });

/**
 * A batched x viewed with size-1 axes after the batch axis so that one example has rank
 * `rank`: NumPy broadcasting then lines examples up with unbatched operands. An unbatched
 * x is returned as it is (it broadcasts against the batch axis by itself).
 *
 * @example
 * alignBatch(zeros([5, 3]), true, 2).shape // [5, 1, 3]
 */
export const alignBatch = (x: Tensor, batched: boolean, rank: number): Tensor => {
  const r = x.shape.length - 1;
  if (!batched || r >= rank) return x;
  return reshape(x, { shape: [x.shape[0], ...new Array<number>(rank - r).fill(1), ...x.shape.slice(1)] });
};

/**
 * `[B, N, …] → [B·N, …]`: folds the batch into an op's own leading axis (conv, pooling),
 * undone by {@link splitBatch}.
 *
 * @example
 * mergeBatch(zeros([2, 3, 4])).shape // [6, 4]
 */
export const mergeBatch = (x: Tensor): Tensor => reshape(x, { shape: [x.shape[0] * x.shape[1], ...x.shape.slice(2)] });

/**
 * `[B·N, …] → [B, N, …]`: the inverse of {@link mergeBatch}.
 *
 * @example
 * splitBatch(zeros([6, 4]), 2).shape // [2, 3, 4]
 */
export const splitBatch = (y: Tensor, size: number): Tensor => reshape(y, { shape: [size, size === 0 ? 0 : y.shape[0] / size, ...y.shape.slice(1)] });

/**
 * An axis of one example (negative counts from the end of its rank) as an axis of the batch.
 *
 * @example
 * batchAxis(-1, 2) // 2
 */
export const batchAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis) + 1;

/**
 * Reduce attrs moved past the batch axis: each axis shifted by one, and an absent `axis`
 * (all axes) becomes every axis of one example, so the batch axis is never reduced.
 *
 * @example
 * batchReduceAttrs({ axis: -1, keepDims: true }, 2) // { axis: [2], keepDims: true }
 */
export const batchReduceAttrs = <A extends { readonly axis?: number | readonly number[] }>(attrs: A, rank: number): A => {
  const axes = normalizeAxes(attrs.axis, rank);
  // infer accepted these attrs for one example, so the Left branch is not taken.
  return { ...attrs, axis: isLeft(axes) ? [] : axes.right.map((a) => a + 1) };
};

/**
 * The rule of an op whose leading axes are independent rows (elementwise ops, per-example
 * losses, one-hot): with every input batched, the batch is one more leading axis.
 *
 * @example
 * batch: (args) => batchAsRows(mse, args)
 */
export const batchAsRows = <A>(op: Op<A>, { inputs, batched, size, attrs }: BatchArgs<A>): Tensor =>
  applyOp(op, inputs.map((x, k) => withBatch(x, batched[k], size)), attrs);

/**
 * The batching rule an op's kind implies, or undefined when the kind says too little
 * (movement, contraction, opaque: those ops give their own `batch` rule or are looped).
 * Elementwise: unbatched operands are broadcast over the batch. Broadcast: batched operands
 * get size-1 axes so examples line up. Reduce (one input, attrs with `axis`): the axes shift
 * past the batch axis.
 *
 * @example
 * derivedBatchRule(exp) // a rule that applies exp to the whole batch
 */
export const derivedBatchRule = <A>(op: Op<A>): ((args: BatchArgs<A>) => Tensor) | undefined => {
  switch (opKind(op)) {
    case 'elementwise':
      return (args) => batchAsRows(op, args);
    case 'broadcast':
      return ({ inputs, batched, attrs, output }) => applyOp(op, inputs.map((x, k) => alignBatch(x, batched[k], output.shape.length)), attrs);
    case 'reduce':
      return op.arity === 1
        ? ({ inputs: [x], attrs }) => applyOp(op, [x], batchReduceAttrs(attrs as { axis?: number | readonly number[] }, x.shape.length - 1) as A)
        : undefined;
    default:
      return undefined;
  }
};
