// Helpers shared by the checkers: pytree leaf paths, float64 copies, snapshots and readable positions.

import { Tensor, cast, sizeOf, stridesOf, tensor, type DType, type Shape, shapeText } from '@chainrule/core';

/**
 * A leaf as a concrete tensor of the given dtype: numbers become scalars, tensors are cast
 * (which always copies, so the caller's data is never handed to the function under test).
 *
 * @example
 * toDtype(tensor([1, 2]), 'float64').dtype // 'float64'
 */
export const toDtype = (leaf: unknown, dtype: DType): Tensor => {
  if (typeof leaf === 'number') return tensor(leaf, { dtype });
  if (leaf instanceof Tensor) return cast(leaf, { dtype });
  throw new TypeError(`expected a tensor or a number, got ${typeof leaf}`);
};

/**
 * A copy of each tensor's data, to compare after running code that must not write into it.
 *
 * @example
 * const before = snapshot([x]); run(); firstChange([x], before) // undefined when untouched
 */
export const snapshot = (xs: readonly Tensor[]): Float64Array[] => xs.map((x) => Float64Array.from(x.data));

/** Where a tensor's data differs from its snapshot: which tensor, which element, before and after. */
export interface Change {
  readonly tensor: number;
  readonly index: number;
  readonly before: number;
  readonly after: number;
}

/**
 * The first element that differs from a snapshot (NaN equals NaN), or undefined.
 *
 * @example
 * firstChange([x], snapshot([x])) // undefined
 */
export const firstChange = (xs: readonly Tensor[], snap: readonly Float64Array[]): Change | undefined => {
  for (let k = 0; k < xs.length; k++) {
    const d = xs[k].data, s = snap[k];
    if (d.length !== s.length) return { tensor: k, index: Math.min(d.length, s.length), before: NaN, after: NaN };
    for (let i = 0; i < d.length; i++) {
      if (!sameNumber(d[i], s[i])) return { tensor: k, index: i, before: s[i], after: d[i] };
    }
  }
  return undefined;
};

/**
 * Exact equality of two numbers, with NaN equal to NaN.
 *
 * @example
 * sameNumber(NaN, NaN) // true
 */
export const sameNumber = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * The multi-index of a flat row-major index in a shape.
 *
 * @example
 * positionOf(5, [2, 3]) // [1, 2]
 */
export const positionOf = (flat: number, shape: Shape): number[] => {
  const st = stridesOf(shape);
  return st.map((s, d) => Math.floor(flat / s) % shape[d]);
};

/**
 * Concatenates the data of several tensors into one Float64Array.
 *
 * @example
 * concatData([tensor([1]), tensor([2, 3])]) // Float64Array [1, 2, 3]
 */
export const concatData = (xs: readonly Tensor[]): Float64Array => {
  const out = new Float64Array(xs.reduce((n, x) => n + x.size, 0));
  let k = 0;
  for (const x of xs) {
    out.set(x.data, k);
    k += x.size;
  }
  return out;
};

/**
 * Splits a flat vector into tensors shaped (and typed) like the given ones.
 *
 * @example
 * splitLike(new Float64Array([1, 2, 3]), [tensor([0]), tensor([0, 0])]) // [tensor [1], tensor [2, 3]]
 */
export const splitLike = (flat: Float64Array, like: readonly { shape: Shape; dtype: DType }[]): Tensor[] => {
  let k = 0;
  return like.map(({ shape, dtype }) => {
    const n = sizeOf(shape);
    const t = tensor(flat.subarray(k, k + n), { shape, dtype });
    k += n;
    return t;
  });
};

/**
 * Formats a number compactly for reports.
 *
 * @example
 * fmt(0.1234567891) // '0.123457'
 */
export const fmt = (v: number): string => (Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : Number(v.toPrecision(6)).toString());

/**
 * A short description of a tensor for counterexamples: dtype, shape and (small) values.
 *
 * @example
 * describeTensor(tensor([1, 2])) // 'float32[2] [1, 2]'
 */
export const describeTensor = (x: Tensor): string => {
  const head = `${x.dtype}${shapeText(x.shape)}`;
  if (x.isTracer) return `${head} <tracer>`;
  const vals = Array.from(x.data.subarray(0, 24), fmt).join(', ');
  return `${head} [${vals}${x.size > 24 ? ', …' : ''}]`;
};
