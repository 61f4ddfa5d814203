// Linear algebra on vectors and matrices: dot and outer (matmul, with broadcasting batches, is core's).

import { left, right } from 'fp-ts/lib/Either.js';
import type { Either } from 'fp-ts/lib/Either.js';
import {
  defineOp, allocate, noAttrs, matmul, mul, reshape, type Op, type Aval, type ShapeError, type Tensor, shapeText } from '@chainrule/core';
import { matmulInto } from '@chainrule/core/kernels';
import { addTangents } from './internal.js';

export { matmul, type MatmulAttrs } from '@chainrule/core';

/** Operand sizes of a dot product as one m×ka by kb×n matrix product (a vector is a 1×k row or a k×1 column); infer checks ka = kb. */
const dotDims = (a: readonly number[], b: readonly number[]): { m: number; ka: number; kb: number; n: number } => {
  const ra = a.length, rb = b.length;
  return { m: ra === 2 ? a[0] : 1, ka: a[ra - 1], kb: b[0], n: rb === 2 ? b[1] : 1 };
};

const inferDot = ([a, b]: readonly Aval[]): Either<ShapeError, Aval> => {
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 1 || ra > 2 || rb < 1 || rb > 2) {
    return left({ _tag: 'ShapeMismatch', message: `dot takes vectors and matrices, got ranks ${ra} and ${rb}; use matmul for batches and mul for scalars` });
  }
  if (a.dtype !== b.dtype) return left({ _tag: 'DtypeMismatch', message: `dtypes ${a.dtype} and ${b.dtype} differ` });
  const { m, n, ka, kb } = dotDims(a.shape, b.shape);
  if (ka !== kb) return left({ _tag: 'ShapeMismatch', message: `dot of ${shapeText(a.shape)} and ${shapeText(b.shape)}: inner dimensions ${ka} and ${kb} differ` });
  const shape = ra === 1 && rb === 1 ? [] : ra === 1 ? [n] : rb === 1 ? [m] : [m, n];
  return right({ shape, dtype: a.dtype });
};

/**
 * Dot product: vector·vector → scalar, matrix·vector → vector, vector·matrix → vector,
 * matrix·matrix → matrix (as NumPy's `dot` on rank ≤ 2). Use matmul for batches.
 *
 * @example
 * dot(tensor([1, 2, 3]), tensor([4, 5, 6]))       // 32
 * dot(tensor([[1, 2], [3, 4]]), tensor([1, 1]))   // [3, 7]
 */
export const dot: Op<{}> = defineOp({
  name: 'ops.dot',
  conformance: { cases: [{ inputs: [[3], [3]] }, { inputs: [[2, 3], [3]] }, { inputs: [[2, 3], [3, 2]] }] },
  kind: 'contraction',
  attrs: noAttrs,
  arity: 2,
  infer: inferDot,
  forward: ([a, b], _, out) => {
    const { m, ka, n } = dotDims(a.shape, b.shape);
    const o = allocate(out.dtype, m * n);
    matmulInto(a.data, 0, b.data, 0, o, 0, m, ka, n, false, false);
    return o;
  },
  // ∂(a·b) = (g⊗b or g·bᵀ, a⊗g or aᵀ·g), by operand ranks
  vjp: ({ inputs: [a, b], cotangent: g }) => {
    const ra = a.shape.length, rb = b.shape.length;
    if (ra === 1 && rb === 1) return [mul(g, b), mul(g, a)];
    if (ra === 2 && rb === 1) return [outer(g, b), dot(g, a)];
    if (ra === 1 && rb === 2) return [dot(b, g), outer(a, g)];
    return [matmul(g, b, { transposeB: true }), matmul(a, g, { transposeA: true })];
  },
  jvp: ({ inputs: [a, b], tangents: [ta, tb] }) => addTangents(ta === null ? null : dot(ta, b), tb === null ? null : dot(a, tb)),
  // As a batched matmul: a vector a is a 1×k row, a vector b a k×1 column.
  batch: ({ inputs: [a, b], batched, size, output }) => {
    const lead = (x: Tensor, k: number): number[] => (batched[k] ? [x.shape[0]] : []);
    const ra = a.shape.length - (batched[0] ? 1 : 0), rb = b.shape.length - (batched[1] ? 1 : 0);
    const am = ra === 1 ? reshape(a, { shape: [...lead(a, 0), 1, a.shape[a.shape.length - 1]] }) : a;
    const bm = rb === 1 ? reshape(b, { shape: [...lead(b, 1), b.shape[b.shape.length - 1], 1] }) : b;
    return reshape(matmul(am, bm), { shape: [size, ...output.shape] });
  },
});

/**
 * Outer product of two vectors: [m] ⊗ [n] → [m, n], out[i, j] = a[i]·b[j].
 *
 * @example
 * outer(tensor([1, 2]), tensor([3, 4, 5])) // [[3, 4, 5], [6, 8, 10]]
 */
export const outer: Op<{}> = defineOp({
  name: 'ops.outer',
  conformance: { cases: [{ inputs: [[2], [3]] }] },
  kind: 'contraction',
  attrs: noAttrs,
  arity: 2,
  infer: ([a, b]) => {
    if (a.shape.length !== 1 || b.shape.length !== 1) {
      return left({ _tag: 'ShapeMismatch', message: `outer takes two vectors, got shapes ${shapeText(a.shape)} and ${shapeText(b.shape)}` });
    }
    if (a.dtype !== b.dtype) return left({ _tag: 'DtypeMismatch', message: `dtypes ${a.dtype} and ${b.dtype} differ` });
    return right({ shape: [a.shape[0], b.shape[0]], dtype: a.dtype });
  },
  forward: ([a, b], _, out) => {
    const x = a.data, y = b.data, m = x.length, n = y.length;
    const o = allocate(out.dtype, m * n);
    for (let i = 0; i < m; i++) {
      const xi = x[i], row = i * n;
      for (let j = 0; j < n; j++) o[row + j] = xi * y[j];
    }
    return o;
  },
  // ∂(a⊗b) = (g·b, aᵀ·g)
  vjp: ({ inputs: [a, b], cotangent: g }) => [dot(g, b), dot(a, g)],
  jvp: ({ inputs: [a, b], tangents: [ta, tb] }) => addTangents(ta === null ? null : outer(ta, b), tb === null ? null : outer(a, tb)),
  // a as a column times b as a row, broadcasting over the batch.
  batch: ({ inputs: [a, b], batched }) =>
    mul(reshape(a, { shape: [...a.shape, 1] }), reshape(b, { shape: [...b.shape.slice(0, batched[1] ? 1 : 0), 1, b.shape[b.shape.length - 1]] })),
});
