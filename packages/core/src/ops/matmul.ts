// Matrix product with batch dimensions that broadcast, and optional transposed operands.

import * as t from 'io-ts';
import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import { defineOp, type Op } from '../op.js';
import { broadcastShapes, broadcastIndex, sizeOf } from '../shape.js';
import { allocate } from '../tensor.js';
import { matmulInto } from '../kernels/matmul.js';
import { unbroadcast } from './shape.js';
import { add } from './binary.js';
import { withDefaults } from '../attrs.js';
import { alignBatch } from '../batching.js';

/** Attrs of {@link matmul}: whether to use the transpose of the last two dims of a or b (default false). */
export interface MatmulAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

const matmulAttrs = withDefaults({ transposeA: t.boolean, transposeB: t.boolean }, { transposeA: false, transposeB: false });

/**
 * Matrix product of the last two dimensions, `[..., m, k] × [..., k, n] → [..., m, n]`;
 * leading (batch) dimensions broadcast. `transposeA` / `transposeB` use the transpose of an
 * operand's last two dimensions without materialising it.
 *
 * @example
 * matmul(ones([2, 3]), ones([3, 4]))                     // shape [2, 4], all 3
 * matmul(x, w, { transposeB: true })                     // x · wᵀ
 */
export const matmul: Op<MatmulAttrs> = defineOp({
  name: 'core.matmul',
  conformance: {
    cases: [
      { inputs: [[2, 3], [3, 4]] },
      { inputs: [[3, 2], [3, 4]], attrs: { transposeA: true } },
      { inputs: [[2, 3], [4, 3]], attrs: { transposeB: true } },
      { inputs: [[3, 2], [4, 3]], attrs: { transposeA: true, transposeB: true } },
      { inputs: [[2, 2, 3], [3, 2]], label: 'batch broadcast' },
      { broadcast: 'batch', label: 'batch' },
    ],
    badAttrs: [{ transposeA: 'yes' }],
  },
  kind: 'contraction',
  attrs: matmulAttrs,
  arity: 2,
  infer: ([a, b], { transposeA, transposeB }) => {
    if (a.shape.length < 2 || b.shape.length < 2) {
      return left({ _tag: 'ShapeMismatch', message: 'matmul needs inputs of rank ≥ 2 (use dot or outer for vectors)' });
    }
    if (a.dtype !== b.dtype) return left({ _tag: 'DtypeMismatch', message: `dtypes ${a.dtype} and ${b.dtype} differ` });
    const ra = a.shape.length, rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const ka = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (ka !== kb) return left({ _tag: 'ShapeMismatch', message: `inner dimensions ${ka} and ${kb} differ` });
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (isLeft(batch)) return batch;
    return right({ shape: [...batch.right, m, n], dtype: a.dtype });
  },
  forward: ([a, b], { transposeA, transposeB }, out) => {
    const r = out.shape.length;
    const m = out.shape[r - 2], n = out.shape[r - 1];
    const k = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
    const o = allocate(out.dtype, sizeOf(out.shape));
    const batchShape = out.shape.slice(0, -2);
    const batches = sizeOf(batchShape);
    if (batches === 1 && a.shape.length === 2 && b.shape.length === 2) {
      matmulInto(a.data, 0, b.data, 0, o, 0, m, k, n, transposeA, transposeB);
      return o;
    }
    const ia = broadcastIndex(a.shape.slice(0, -2), batchShape);
    const ib = broadcastIndex(b.shape.slice(0, -2), batchShape);
    for (let q = 0; q < batches; q++) {
      matmulInto(a.data, ia[q] * m * k, b.data, ib[q] * k * n, o, q * m * n, m, k, n, transposeA, transposeB);
    }
    return o;
  },
  // C = op(A)·op(B): ∂A = g·op(B)ᵀ, ∂B = op(A)ᵀ·g, arranged for each transpose case
  vjp: ({ inputs: [a, b], cotangent: g, attrs: { transposeA, transposeB } }) => {
    const ga = !transposeA
      ? matmul(g, b, { transposeB: !transposeB })
      : matmul(b, g, { transposeA: transposeB, transposeB: true });
    const gb = !transposeB
      ? matmul(a, g, { transposeA: !transposeA })
      : matmul(g, a, { transposeA: true, transposeB: transposeA });
    return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)];
  },
  jvp: ({ inputs: [a, b], tangents: [ta, tb], attrs }) => {
    const x = ta === null ? null : matmul(ta, b, attrs), y = tb === null ? null : matmul(a, tb, attrs);
    return x === null ? y : y === null ? x : add(x, y);
  },
  // The batch axis is one more broadcasting batch dimension; a batched operand gets size-1 dims so examples line up.
  batch: ({ inputs: [a, b], batched, attrs }) => {
    const rank = Math.max(a.shape.length - (batched[0] ? 1 : 0), b.shape.length - (batched[1] ? 1 : 0));
    return matmul(alignBatch(a, batched[0], rank), alignBatch(b, batched[1], rank), attrs);
  },
});
