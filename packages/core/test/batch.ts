// Slicing and stacking concrete tensors with plain loops: the reference that vmap tests compare against.

import { Tensor, tensor, sizeOf } from '../src/index.js';

/** The slices of x along `axis`, each without that axis. */
export const unstack = (x: Tensor, axis = 0): Tensor[] => {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const outer = sizeOf(x.shape.slice(0, a)), n = x.shape[a], inner = sizeOf(x.shape.slice(a + 1));
  const shape = [...x.shape.slice(0, a), ...x.shape.slice(a + 1)];
  return Array.from({ length: n }, (_, b) => {
    const vals: number[] = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) vals.push(x.data[(o * n + b) * inner + i]);
    return tensor(vals, { shape, dtype: x.dtype });
  });
};

/** Tensors of one shape stacked along a new `axis`. */
export const stack = (xs: readonly Tensor[], axis = 0): Tensor => {
  const s = xs[0].shape, a = axis < 0 ? axis + s.length + 1 : axis;
  const outer = sizeOf(s.slice(0, a)), inner = sizeOf(s.slice(a));
  const vals: number[] = [];
  for (let o = 0; o < outer; o++) for (const x of xs) for (let i = 0; i < inner; i++) vals.push(x.data[o * inner + i]);
  return tensor(vals, { shape: [...s.slice(0, a), xs.length, ...s.slice(a)], dtype: xs[0].dtype });
};

/** A float64 tensor of a shape with deterministic pseudo-random values in [-1, 1). */
export const seeded = (shape: readonly number[], seed = 1): Tensor => {
  let s = seed >>> 0 || 1;
  const vals = Array.from({ length: sizeOf(shape) }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
  return tensor(vals, { shape: [...shape], dtype: 'float64' });
};

/** The largest absolute difference between two tensors of one shape (Infinity if the shapes differ). */
export const maxDiff = (a: Tensor, b: Tensor): number => {
  if (a.shape.join() !== b.shape.join()) return Infinity;
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
};
