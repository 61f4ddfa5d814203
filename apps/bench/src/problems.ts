// The benchmark problems as plain data, so every library starts from identical numbers.

import { key, split, uniform, uniformArray, type PRNGKey } from '@chainrule/core';

/** Sizes of the MLP training-step problem: 784 → 256 (sigmoid) → 10, batch 128. */
export const MLP = { inputs: 784, hidden: 256, classes: 10, batch: 128, learningRate: 0.1 } as const;

/** Length of the elementwise chain in the per-op overhead case, and its tensor size. */
export const CHAIN = { ops: 1000, size: 4 } as const;

/** The CNN cases: the CLI's `--model cnn` network on 28×28×1 images, batch 32, and one epoch of 8,000 images. */
export const CNN = { filters: [16, 32], batch: 32, epochExamples: 8000, learningRate: 0.05, seed: 0 } as const;

/** Matrix sizes of the matmul case. */
export const MATMUL_SIZES: readonly number[] = [64, 256, 512, 1024];

/** The MLP's parameters and one batch as row-major float32 arrays. */
export interface MlpData {
  readonly w1: Float32Array; // [784, 256]
  readonly b1: Float32Array; // [256]
  readonly w2: Float32Array; // [256, 10]
  readonly b2: Float32Array; // [10]
  readonly x: Float32Array; // [128, 784]
  readonly y: Float32Array; // [128, 10], one-hot
}

/** `n` float32 values uniform in [lo, hi), from a chainrule PRNG key. */
const uniformValues = (k: PRNGKey, n: number, lo: number, hi: number): Float32Array => uniform(k, [n], { min: lo, max: hi }).data as Float32Array;

const glorot = (k: PRNGKey, fanIn: number, fanOut: number): Float32Array => {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return uniformValues(k, fanIn * fanOut, -limit, limit);
};

/**
 * The MLP problem's initial parameters (Glorot-uniform weights, zero biases) and one batch
 * (pixels in [0, 1), one-hot labels), drawn with chainrule's PRNG: the same for a given seed.
 *
 * @example
 * const d = mlpData(42); d.w1.length // 784 * 256
 */
export const mlpData = (seed: number): MlpData => {
  const [kx, ky, k1, k2] = split(key(seed), 4);
  const { inputs, hidden, classes, batch } = MLP;
  const labels = uniformArray(ky, batch);
  const y = new Float32Array(batch * classes);
  for (let r = 0; r < batch; r++) y[r * classes + Math.floor(labels[r] * classes)] = 1;
  return {
    w1: glorot(k1, inputs, hidden),
    b1: new Float32Array(hidden),
    w2: glorot(k2, hidden, classes),
    b2: new Float32Array(classes),
    x: uniformValues(kx, batch * inputs, 0, 1),
    y,
  };
};

/**
 * A square matrix of seeded values in [−1, 1), as float32.
 *
 * @example
 * squareMatrix(64, 1).length // 4096
 */
export const squareMatrix = (n: number, seed: number): Float32Array => uniformValues(key(seed), n * n, -1, 1);

/**
 * Values of x, w and b in the per-op chain, chosen so 1,000 steps stay finite.
 *
 * @example
 * chainData().x // Float32Array [0.1, -0.2, 0.3, -0.4]
 */
export const chainData = (): { x: Float32Array; w: Float32Array; b: Float32Array } => ({
  x: Float32Array.from([0.1, -0.2, 0.3, -0.4]),
  w: Float32Array.from([0.9, 1.1, 0.8, 1.2]),
  b: Float32Array.from([0.05, -0.05, 0.1, -0.1]),
});

/**
 * `n` seeded 28×28×1 images (pixels in [0, 1)) and class indices 0–9, for the CNN cases.
 *
 * @example
 * cnnData(7, 32).x.length // 32 * 784
 */
export const cnnData = (seed: number, n: number): { x: Float32Array; y: Float32Array } => {
  const [kx, ky] = split(key(seed), 2);
  const labels = uniformArray(ky, n);
  return { x: uniformValues(kx, n * 784, 0, 1), y: Float32Array.from(labels, (u) => Math.floor(u * 10)) };
};
