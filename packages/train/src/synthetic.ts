// Small 2-D classification datasets generated from a seed: xor, k-armed spirals, moons, circles.

import { ChainruleError, fromData, key, normal, split, uniformArray, type PRNGKey } from '@chainrule/core';
import { dataset, type Dataset } from './dataset.js';

const checkCount = (where: string, field: string, n: number, min = 1): void => {
  if (!Number.isInteger(n) || n < min) throw new ChainruleError('BadArgument', `${where}: ${field} must be an integer ≥ ${min}, got ${n}`);
};
const checkNonNegative = (where: string, field: string, v: number): void => {
  if (!(Number.isFinite(v) && v >= 0)) throw new ChainruleError('BadArgument', `${where}: ${field} must be a finite number ≥ 0, got ${v}`);
};

/** Builds a 2-D dataset from point coordinates, labels and Gaussian noise of std `noise`. */
const points = (name: string, xs: Float64Array, labels: Float32Array, classes: number, noise: number, noiseKey: PRNGKey): Dataset => {
  const n = labels.length;
  const eps = normal(noiseKey, [n * 2], { dtype: 'float64' }).data;
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n * 2; i++) x[i] = xs[i] + noise * eps[i];
  return dataset(fromData(x, [n, 2]), fromData(labels, [n]), { name, numClasses: classes });
};

/**
 * The four XOR points `(0,0) → 0, (0,1) → 1, (1,0) → 1, (1,1) → 0`: the smallest problem a
 * linear model cannot solve and one hidden layer can.
 *
 * @example
 * xor().size // 4
 */
export const xor = (): Dataset =>
  dataset(fromData(new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]), fromData(new Float32Array([0, 1, 1, 0]), [4]), { name: 'xor', numClasses: 2 });

/** Options of {@link spirals}. */
export interface SpiralsOptions {
  /** Points per arm (default 100). */
  readonly perClass?: number;
  /** Number of arms, one class each (default 2). */
  readonly classes?: number;
  /** How far each arm winds, in full turns (default 1). */
  readonly turns?: number;
  /** Std of the Gaussian noise added to the coordinates (default 0.02). */
  readonly noise?: number;
  readonly seed?: number;
}

/**
 * Interleaved spirals, one arm per class: point i of arm c sits at radius r = i / n and
 * angle 2π·(turns·r + c / classes). Radii are evenly spaced; the noise is seeded.
 *
 * @example
 * spirals({ perClass: 200, classes: 2, seed: 1 }) // 400 points, 2 classes
 */
export const spirals = (options: SpiralsOptions = {}): Dataset => {
  const { perClass = 100, classes = 2, turns = 1, noise = 0.02, seed = 0 } = options;
  checkCount('spirals', 'perClass', perClass);
  checkCount('spirals', 'classes', classes, 2);
  checkNonNegative('spirals', 'turns', turns);
  checkNonNegative('spirals', 'noise', noise);
  const n = perClass * classes;
  const xs = new Float64Array(n * 2), labels = new Float32Array(n);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const k = c * perClass + i;
      const r = (i + 0.5) / perClass;
      const angle = 2 * Math.PI * (turns * r + c / classes);
      xs[2 * k] = r * Math.cos(angle);
      xs[2 * k + 1] = r * Math.sin(angle);
      labels[k] = c;
    }
  }
  return points('spirals', xs, labels, classes, noise, key(seed));
};

/** Options of {@link moons}. */
export interface MoonsOptions {
  /** Total number of points, half per moon (default 200). */
  readonly size?: number;
  /** Std of the Gaussian noise (default 0.1). */
  readonly noise?: number;
  readonly seed?: number;
}

/**
 * Two interleaving half circles: class 0 on (cos t, sin t), class 1 on (1 − cos t, ½ − sin t),
 * t uniform in [0, π] (seeded), plus Gaussian noise.
 *
 * @example
 * moons({ size: 300, noise: 0.15, seed: 2 })
 */
export const moons = (options: MoonsOptions = {}): Dataset => {
  const { size = 200, noise = 0.1, seed = 0 } = options;
  checkCount('moons', 'size', size, 2);
  checkNonNegative('moons', 'noise', noise);
  const [kt, kn] = split(key(seed), 2);
  const u = uniformArray(kt, size);
  const xs = new Float64Array(size * 2), labels = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const c = i < size / 2 ? 0 : 1;
    const t = Math.PI * u[i];
    xs[2 * i] = c === 0 ? Math.cos(t) : 1 - Math.cos(t);
    xs[2 * i + 1] = c === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    labels[i] = c;
  }
  return points('moons', xs, labels, 2, noise, kn);
};

/** Options of {@link circles}. */
export interface CirclesOptions {
  /** Total number of points, half per circle (default 200). */
  readonly size?: number;
  /** Std of the Gaussian noise (default 0.05). */
  readonly noise?: number;
  /** Radius of the inner circle relative to the outer one, in (0, 1) (default 0.5). */
  readonly factor?: number;
  readonly seed?: number;
}

/**
 * Two concentric circles: class 0 on the unit circle, class 1 on radius `factor`, at angles
 * uniform in [0, 2π) (seeded), plus Gaussian noise.
 *
 * @example
 * circles({ size: 400, factor: 0.3 })
 */
export const circles = (options: CirclesOptions = {}): Dataset => {
  const { size = 200, noise = 0.05, factor = 0.5, seed = 0 } = options;
  checkCount('circles', 'size', size, 2);
  checkNonNegative('circles', 'noise', noise);
  if (!(factor > 0 && factor < 1)) throw new ChainruleError('BadArgument', `circles: factor must be in (0, 1), got ${factor}`);
  const [kt, kn] = split(key(seed), 2);
  const u = uniformArray(kt, size);
  const xs = new Float64Array(size * 2), labels = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const c = i < size / 2 ? 0 : 1;
    const r = c === 0 ? 1 : factor;
    const t = 2 * Math.PI * u[i];
    xs[2 * i] = r * Math.cos(t);
    xs[2 * i + 1] = r * Math.sin(t);
    labels[i] = c;
  }
  return points('circles', xs, labels, 2, noise, kn);
};
