// Sorting: argsort (an op with no gradient), and sort and topk made from it with takeAlongAxis, so their values differentiate.

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import { defineOp, noGradient, withDefaults, allocate, ChainruleError, batchAxis, type Op, type Tensor } from '@chainrule/core';
import { contiguousBlocks } from '@chainrule/core/kernels';
import { slice, takeAlongAxis } from './shape.js';

/** Attrs of {@link argsort} and {@link sort}: the axis (default −1) and the order (default ascending). */
export interface SortAttrs {
  readonly axis: number;
  readonly descending: boolean;
}

const sortAttrs = withDefaults({ axis: t.number, descending: t.boolean }, { axis: -1, descending: false });

/**
 * The indices that sort x along `axis` (as floats, like every index in chainrule): a stable
 * sort, so equal values keep their order, in either direction; NaN sorts last. No gradient.
 *
 * @example
 * argsort(tensor([30, 10, 20]))                       // [1, 2, 0]
 * argsort(tensor([30, 10, 20]), { descending: true }) // [0, 2, 1]
 */
export const argsort: Op<SortAttrs> = defineOp({
  name: 'ops.argsort',
  kind: 'opaque',
  attrs: sortAttrs,
  arity: 1,
  infer: ([x], { axis }) => {
    const r = x.shape.length;
    if (r === 0) return left({ _tag: 'ShapeMismatch', message: 'argsort needs an input of rank ≥ 1' });
    if (!Number.isInteger(axis) || axis < -r || axis >= r) return left({ _tag: 'BadAttrs', message: `axis ${axis} is out of range for rank ${r}` });
    return right(x);
  },
  forward: ([x], { axis, descending }, out) => {
    const r = x.shape.length, a = axis < 0 ? axis + r : axis;
    const { outer, len, inner } = contiguousBlocks(x.shape, [a])!;
    const d = x.data, o = allocate(out.dtype, d.length);
    const order = new Array<number>(len), vals = new Float64Array(len);
    const sign = descending ? -1 : 1;
    const cmp = (i: number, j: number): number => {
      const u = vals[i], v = vals[j];
      const nu = u !== u, nv = v !== v;
      if (nu || nv) return nu === nv ? i - j : nu ? 1 : -1;
      return u < v ? -sign : u > v ? sign : i - j;
    };
    for (let p = 0; p < outer; p++) {
      for (let q = 0; q < inner; q++) {
        for (let k = 0; k < len; k++) {
          order[k] = k;
          vals[k] = d[(p * len + k) * inner + q];
        }
        order.sort(cmp);
        for (let k = 0; k < len; k++) o[(p * len + k) * inner + q] = order[k];
      }
    }
    return o;
  },
  vjp: noGradient,
  differentiable: false,
  // Each example sorts along its own axis, shifted past the batch axis.
  batch: ({ inputs: [x], attrs }) => argsort(x, { ...attrs, axis: batchAxis(attrs.axis, x.shape.length - 1) }),
  conformance: {
    cases: [{ inputs: [[5]], distinct: 0.25 }, { inputs: [[2, 3]], attrs: { axis: 0, descending: true }, distinct: 0.25 }],
    badAttrs: [{ axis: 2 }, { descending: 'yes' }],
  },
});

/**
 * x sorted along `axis` (default −1), ascending unless `descending`. Its values differentiate:
 * each cotangent goes back to the element that landed there.
 *
 * @example
 * sort(tensor([3, 1, 2]))                       // [1, 2, 3]
 * sort(tensor([3, 1, 2]), { descending: true }) // [3, 2, 1]
 */
export const sort = (x: Tensor, attrs: Partial<SortAttrs> = {}): Tensor => takeAlongAxis(x, argsort(x, attrs), { axis: attrs.axis ?? -1 });

/** What {@link topk} returns: the k largest values along the last axis, and their indices. */
export interface TopK {
  readonly values: Tensor;
  readonly indices: Tensor;
}

/**
 * The `k` largest entries along the last axis, largest first (ties: the earlier index first),
 * as TensorFlow.js's topk. The values differentiate; the indices do not.
 *
 * @example
 * topk(tensor([1, 4, 2, 8]), { k: 2 }) // { values: [8, 4], indices: [3, 1] }
 */
export const topk = (x: Tensor, attrs: { readonly k: number }): TopK => {
  const { k } = attrs;
  const n = x.shape[x.shape.length - 1];
  if (x.shape.length === 0 || !Number.isInteger(k) || k < 1 || k > n) {
    throw new ChainruleError('BadAttrs', `topk: k must be an integer in [1, ${x.shape.length === 0 ? 0 : n}], got ${JSON.stringify(k)}`, { op: 'ops.topk', shapes: [x.shape], attrs });
  }
  const all = argsort(x, { axis: -1, descending: true });
  const indices = slice(all, { begin: x.shape.map(() => 0), size: x.shape.map((d, i) => (i === x.shape.length - 1 ? k : d)) });
  return { values: takeAlongAxis(x, indices, { axis: -1 }), indices };
};
