// Seeded test data for the op and kernel tests: a small linear congruential generator and typed arrays drawn from it.

import type { DType, FloatArray } from '@chainrule/core';

/**
 * A small seeded generator of uniform numbers in [−1, 1): reproducible test data from one integer.
 *
 * @example
 * const rand = lcg(7); rand() // the same number on every run
 */
export const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
};

/**
 * A fresh typed array of `size` values from `rand`, in the element type of `dtype`.
 *
 * @example
 * randomArray('float32', 4, lcg(1)) // Float32Array of 4 values in [−1, 1)
 */
export const randomArray = (dtype: DType, size: number, rand: () => number): FloatArray => {
  const x = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) x[i] = rand();
  return x;
};
