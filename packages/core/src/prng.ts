// A functional, splittable PRNG (Threefry-2x32): every random result is reproducible from a seed.

import { ChainruleError } from './errors.js';
import { sizeOf, type Shape } from './shape.js';
import { Tensor, allocate, type DType } from './tensor.js';
import { checkShape } from './limits.js';

/** A PRNG key: two 32-bit words. Keys are values: using one twice gives the same numbers. */
export type PRNGKey = readonly [number, number];

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const ROT = [13, 15, 26, 6, 17, 29, 16, 24];

/**
 * The Threefry-2x32 block function with 20 rounds: a keyed bijection on pairs of words.
 *
 * @example
 * threefry2x32([0, 0], 0, 0) // two uint32 words
 */
export const threefry2x32 = (key: PRNGKey, c0: number, c1: number): [number, number] => {
  const k0 = key[0] >>> 0, k1 = key[1] >>> 0;
  const ks = [k0, k1, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let x0 = (c0 + k0) >>> 0;
  let x1 = (c1 + k1) >>> 0;
  for (let g = 0; g < 5; g++) {
    const base = (g % 2) * 4;
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, ROT[base + r]) ^ x0;
    }
    x0 = (x0 + ks[(g + 1) % 3]) >>> 0;
    x1 = (x1 + ks[(g + 2) % 3] + g + 1) >>> 0;
  }
  return [x0, x1];
};

/**
 * A key from an integer seed.
 *
 * @example
 * const k = key(42)
 */
export const key = (seed: number): PRNGKey => {
  if (!Number.isInteger(seed)) throw new ChainruleError('BadArgument', `key: seed must be an integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return [hi, lo];
};

/**
 * `n` new independent keys derived from one (default two).
 *
 * @example
 * const [k1, k2] = split(key(0))
 */
export const split = (k: PRNGKey, n = 2): PRNGKey[] => {
  if (!Number.isInteger(n) || n < 1) throw new ChainruleError('BadArgument', `split: n must be a positive integer, got ${n}`);
  return Array.from({ length: n }, (_, i) => threefry2x32(k, i, 0x9e3779b9));
};

/**
 * A key folded with an integer (e.g. a step number): a new key per step without splitting.
 *
 * @example
 * foldIn(key(0), step)
 */
export const foldIn = (k: PRNGKey, data: number): PRNGKey => threefry2x32(k, data >>> 0, 0x85ebca6b);

/** Fills `n` uniform numbers in [0, 1) into a Float64Array (53-bit resolution). */
export const uniformArray = (k: PRNGKey, n: number): Float64Array => {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b] = threefry2x32(k, i, 0);
    out[i] = ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
  }
  return out;
};

/** Options of {@link uniform}. */
export interface UniformOptions {
  readonly dtype?: DType;
  readonly min?: number;
  readonly max?: number;
}

/**
 * Uniform samples in [min, max) (default [0, 1)).
 *
 * @example
 * uniform(key(0), [2, 3], { min: -1, max: 1 })
 */
export const uniform = (k: PRNGKey, shape: Shape, options: UniformOptions = {}): Tensor => {
  const { dtype = 'float32', min = 0, max = 1 } = options;
  const n = sizeOf(checkShape('uniform', shape));
  const u = uniformArray(k, n);
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = min + (max - min) * u[i];
  if (dtype === 'float32') for (let i = 0; i < n; i++) if (out[i] >= max) out[i] = min; // rounding up to max is not allowed
  return new Tensor(dtype, shape, out);
};

/** Options of {@link normal}. */
export interface NormalOptions {
  readonly dtype?: DType;
  readonly mean?: number;
  readonly std?: number;
}

/**
 * Normal samples (Box–Muller).
 *
 * @example
 * normal(key(1), [784, 128], { std: 0.05 })
 */
export const normal = (k: PRNGKey, shape: Shape, options: NormalOptions = {}): Tensor => {
  const { dtype = 'float32', mean = 0, std = 1 } = options;
  const n = sizeOf(checkShape('normal', shape));
  const u = uniformArray(k, n + (n % 2));
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i]));
    const th = 2 * Math.PI * u[i + 1];
    out[i] = mean + std * r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(th);
  }
  return new Tensor(dtype, shape, out);
};

/**
 * A random permutation of 0..n−1 (Fisher–Yates driven by the key).
 *
 * @example
 * permutation(key(3), 5) // e.g. Int32Array [3, 0, 4, 1, 2]
 */
export const permutation = (k: PRNGKey, n: number): Int32Array => {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const u = uniformArray(k, n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const tmp = p[i];
    p[i] = p[j];
    p[j] = tmp;
  }
  return p;
};
