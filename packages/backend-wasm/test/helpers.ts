// Test helpers for the wasm backend: random tensors with awkward sizes, and comparison against the reference kernels.

import fc from 'fast-check';
import { jsBackend, tensor, withBackend, type Backend, type DType, type Tensor } from '@chainrule/core';

/** Sizes that stress SIMD edges: 1, primes, and non-multiples of 4 and 8. */
export const awkwardSize = fc.constantFrom(1, 2, 3, 5, 7, 8, 9, 13, 17, 31);

/** A shape of rank 1..maxRank with awkward sizes. */
export const awkwardShape = (maxRank = 3): fc.Arbitrary<number[]> => fc.array(awkwardSize, { minLength: 1, maxLength: maxRank });

/** Deterministic pseudo-random values in [-2, 2) from a seed. */
export const randomTensor = (shape: readonly number[], dtype: DType, seed: number, lo = -2, hi = 2): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    data[i] = lo + ((s >>> 0) / 2 ** 32) * (hi - lo);
  }
  return tensor(data, { shape: [...shape], dtype });
};

/**
 * The largest error of f on `backend` against f on the reference backend, relative to
 * max(|reference|, floor); NaN matching NaN counts as equal.
 */
export const worstError = (backend: Backend, f: () => Tensor, floor = 1e-30): number => {
  const r = withBackend(jsBackend, f), w = withBackend(backend, f);
  if (r.shape.join() !== w.shape.join() || r.dtype !== w.dtype) return Infinity;
  let worst = 0;
  for (let i = 0; i < r.size; i++) {
    const a = r.data[i], b = w.data[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    const e = Math.abs(a - b) / Math.max(Math.abs(a), floor);
    if (!(e <= worst)) worst = e;
  }
  return worst;
};

/** Distance in float32 units in the last place between two float32 values. */
export const ulps32 = (a: number, b: number): number => {
  const f = new Float32Array([a, b]);
  const i = new Int32Array(f.buffer);
  const key = (v: number) => (v < 0 ? 0x80000000 - v : v);
  return Math.abs(key(i[0]) - key(i[1]));
};

/**
 * The largest difference of f on `backend` from f on the reference backend, relative to the
 * largest reference magnitude (for sums of products, whose small elements come from cancellation).
 */
export const scaledError = (backend: Backend, f: () => Tensor): number => {
  const r = withBackend(jsBackend, f), w = withBackend(backend, f);
  if (r.shape.join() !== w.shape.join() || r.dtype !== w.dtype) return Infinity;
  let scale = 0, worst = 0;
  for (let i = 0; i < r.size; i++) scale = Math.max(scale, Math.abs(r.data[i]));
  for (let i = 0; i < r.size; i++) {
    const e = Math.abs(r.data[i] - w.data[i]);
    if (!(e <= worst)) worst = e;
  }
  return scale === 0 ? worst : worst / scale;
};
