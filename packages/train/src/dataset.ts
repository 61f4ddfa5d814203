// Seeded datasets: examples as tensors, subsets, seeded train/test and validation splits, and the exact batches the trainer uses.

import { ChainruleError, foldIn, fromData, key, permutation, split, Tensor, allocate, type DType, type PRNGKey, type Shape } from '@chainrule/core';

/**
 * A labelled dataset held in two tensors: `x` is `[size, ...featureShape]`, `y` is `[size]`
 * class indices (stored as floats) or `[size, k]` targets. Immutable like its tensors.
 *
 * @example
 * const ds = dataset(tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), tensor([0, 1, 1, 0]), { name: 'xor' })
 * ds.size        // 4
 * ds.numClasses  // 2
 */
export interface Dataset {
  readonly name: string;
  readonly x: Tensor;
  readonly y: Tensor;
  readonly size: number;
  /** Shape of one example: `x.shape` without its first axis. */
  readonly featureShape: Shape;
  /** Number of classes when `y` holds class indices, else 0. */
  readonly numClasses: number;
}

/** Options of {@link dataset}. */
export interface DatasetOptions {
  readonly name?: string;
  /** Default: 1 + the largest label (class indices), 0 for `[size, k]` targets. */
  readonly numClasses?: number;
}

/**
 * Makes a dataset from examples and labels, checking that they fit together and that class
 * indices are integers in range. Throws a ChainruleError naming the problem.
 *
 * @example
 * dataset(x, y, { name: 'moons', numClasses: 2 })
 */
export const dataset = (x: Tensor, y: Tensor, options: DatasetOptions = {}): Dataset => {
  const name = options.name ?? 'dataset';
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new ChainruleError('BadArgument', `dataset ${name}: x and y must be tensors`);
  if (x.isTracer || y.isTracer) throw new ChainruleError('BadArgument', `dataset ${name}: x and y must be concrete tensors`);
  if (x.shape.length < 1 || y.shape.length < 1) throw new ChainruleError('BadArgument', `dataset ${name}: x and y need a first (example) axis`);
  const size = x.shape[0];
  if (y.shape[0] !== size) throw new ChainruleError('BadArgument', `dataset ${name}: x has ${size} examples but y has ${y.shape[0]}`);
  let numClasses = 0;
  if (y.shape.length === 1) {
    const d = y.data;
    let max = -1;
    for (let i = 0; i < d.length; i++) {
      const c = d[i];
      if (!Number.isInteger(c) || c < 0) throw new ChainruleError('BadArgument', `dataset ${name}: y[${i}] = ${c} is not a class index (a non-negative integer)`);
      if (c > max) max = c;
    }
    numClasses = options.numClasses ?? max + 1;
    if (max >= numClasses) throw new ChainruleError('BadArgument', `dataset ${name}: label ${max} is out of range for ${numClasses} classes`);
  } else if (options.numClasses !== undefined) {
    numClasses = options.numClasses;
  }
  return Object.freeze({ name, x, y, size, featureShape: Object.freeze(x.shape.slice(1)), numClasses });
};

/**
 * Copies rows `indices` (in that order) of a `[n, ...]` tensor into a new tensor, optionally
 * in another dtype; `from` and `count` pick a slice of `indices` without copying it.
 *
 * @example
 * gatherRows(ds.x, [4, 1])                       // rows 4 and 1
 * gatherRows(ds.x, order, 'float64', 32, 32)     // the second batch of 32 of an epoch order, as float64
 */
export const gatherRows = (t: Tensor, indices: ArrayLike<number>, dtype: DType = t.dtype, from = 0, count = indices.length - from): Tensor => {
  const row = t.size / Math.max(1, t.shape[0]);
  const src = t.data;
  const out = allocate(dtype, count * row);
  for (let i = 0; i < count; i++) {
    const r = indices[from + i];
    if (!(r >= 0 && r < t.shape[0])) throw new ChainruleError('BadArgument', `gatherRows: index ${r} is out of range for ${t.shape[0]} rows`);
    const s = r * row, o = i * row;
    for (let j = 0; j < row; j++) out[o + j] = src[s + j];
  }
  return fromData(out, [count, ...t.shape.slice(1)]);
};

/**
 * The examples at `indices`, in that order.
 *
 * @example
 * subset(ds, [3, 1]).size // 2
 */
export const subset = (ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset =>
  dataset(gatherRows(ds.x, indices), gatherRows(ds.y, indices), { name, numClasses: ds.numClasses });

/**
 * The first `n` examples.
 *
 * @example
 * take(mnistTrain, 1000)
 */
export const take = (ds: Dataset, n: number): Dataset => {
  if (!Number.isInteger(n) || n < 0 || n > ds.size) throw new ChainruleError('BadArgument', `take: n must be an integer in [0, ${ds.size}], got ${n}`);
  return subset(ds, Int32Array.from({ length: n }, (_, i) => i));
};

/**
 * The examples in a seeded random order (core's `permutation`).
 *
 * @example
 * shuffle(ds, 42)
 */
export const shuffle = (ds: Dataset, seed: number): Dataset => subset(ds, permutation(key(seed), ds.size));

/** Options of {@link trainTestSplit}. */
export interface SplitOptions {
  /** Number of test examples. */
  readonly testSize: number;
  /** Number of training examples (default: all the others). */
  readonly trainSize?: number;
  /** Seed of the permutation that decides who goes where. */
  readonly seed: number;
}

/**
 * Splits a dataset at random (seeded): the first `testSize` examples of a permutation go to
 * `test`, the next `trainSize` to `train`. Same seed, same split.
 *
 * @example
 * const { train, test } = trainTestSplit(mnist, { testSize: 2000, trainSize: 8000, seed: 0 })
 */
export const trainTestSplit = (ds: Dataset, options: SplitOptions): { readonly train: Dataset; readonly test: Dataset } => {
  const { testSize, seed } = options;
  const trainSize = options.trainSize ?? ds.size - testSize;
  if (!Number.isInteger(testSize) || testSize < 0) throw new ChainruleError('BadArgument', `trainTestSplit: testSize must be a non-negative integer, got ${testSize}`);
  if (!Number.isInteger(trainSize) || trainSize < 0) throw new ChainruleError('BadArgument', `trainTestSplit: trainSize must be a non-negative integer, got ${trainSize}`);
  if (testSize + trainSize > ds.size) {
    throw new ChainruleError('BadArgument', `trainTestSplit: ${trainSize} train + ${testSize} test examples exceed the ${ds.size} of ${ds.name}`);
  }
  const p = permutation(key(seed), ds.size);
  return {
    test: subset(ds, p.subarray(0, testSize), `${ds.name}/test`),
    train: subset(ds, p.subarray(testSize, testSize + trainSize), `${ds.name}/train`),
  };
};

/** The stream of a seed that {@link validationSplit} draws from. */
const VALIDATION_STREAM = 0x76616c; // 'val'

/**
 * How many of `size` examples {@link validationSplit} holds out for `fraction`: rounded, at
 * least one, and at least one left to train on.
 *
 * @example
 * validationCount(8000, 0.1) // 800
 */
export const validationCount = (size: number, fraction: number): number => Math.min(size - 1, Math.max(1, Math.round(size * fraction)));

/** Options of {@link validationSplit}. */
export interface ValidationSplitOptions {
  /** Fraction of the examples held out, in (0, 1); rounded to whole examples, at least one each side. */
  readonly fraction: number;
  /** Seed of the permutation that picks the held-out examples. */
  readonly seed: number;
}

/**
 * Holds out a seeded random `fraction` of a dataset (usually a training set) as a validation
 * set, so that choosing epochs or settings by validation metrics never looks at the test set.
 * The two parts are disjoint, together they are the dataset, and both keep the examples in
 * their original order. The permutation is drawn from its own stream of `seed` (not the one
 * `trainTestSplit` uses), so the same seed for both does not correlate them.
 *
 * @example
 * const { train: fit, validation } = validationSplit(train, { fraction: 0.1, seed: 0 }) // 7200 / 800 of 8000
 */
export const validationSplit = (ds: Dataset, options: ValidationSplitOptions): { readonly train: Dataset; readonly validation: Dataset } => {
  const { fraction, seed } = options;
  if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1)) throw new ChainruleError('BadArgument', `validationSplit: fraction must be a number in (0, 1), got ${String(fraction)}`);
  if (!Number.isInteger(seed)) throw new ChainruleError('BadArgument', `validationSplit: seed must be an integer, got ${String(seed)}`);
  if (ds.size < 2) throw new ChainruleError('BadArgument', `validationSplit: ${ds.name} has ${ds.size} example(s); holding some out needs at least 2`);
  const held = validationCount(ds.size, fraction);
  const p = permutation(foldIn(key(seed), VALIDATION_STREAM), ds.size);
  const sorted = (a: Int32Array): Int32Array => a.slice().sort();
  return {
    validation: subset(ds, sorted(p.subarray(0, held)), `${ds.name}/validation`),
    train: subset(ds, sorted(p.subarray(held)), ds.name),
  };
};

/**
 * The two keys of a run drawn from its seed: one for the initial params, one for shuffling.
 *
 * @example
 * model.init(runKeys(seed).init)
 */
export const runKeys = (seed: number): { readonly init: PRNGKey; readonly shuffle: PRNGKey } => {
  const [init, shuffleKey] = split(key(seed), 2);
  return { init, shuffle: shuffleKey };
};

/**
 * The order in which epoch `epoch` (0-based) of a run visits the examples: a permutation
 * that depends only on the seed and the epoch, so a resumed run sees the same batches.
 *
 * @example
 * epochOrder(0, 3, 8000) // Int32Array of 8000 indices
 */
export const epochOrder = (seed: number, epoch: number, size: number): Int32Array => permutation(foldIn(runKeys(seed).shuffle, epoch), size);

/** One batch: examples, labels and which examples of the dataset they are. */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly indices: Int32Array;
}

/** Options of {@link batches}. */
export interface BatchOptions {
  readonly batchSize: number;
  readonly seed: number;
  /** 0-based epoch number (default 0). */
  readonly epoch?: number;
  /** Drop the last partial batch (default true, as the trainer does: one batch shape, one trace). */
  readonly dropLast?: boolean;
  /** Convert to this dtype (default: the dataset's). */
  readonly dtype?: DType;
}

/**
 * Number of batches per epoch.
 *
 * @example
 * batchCount(8000, 32) // 250
 */
export const batchCount = (size: number, batchSize: number, dropLast = true): number => (dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize));

/**
 * The batch `b` (0-based) of an epoch order.
 *
 * @example
 * batchAt(ds, epochOrder(seed, 0, ds.size), 0, 32)
 */
export const batchAt = (ds: Dataset, order: Int32Array, b: number, batchSize: number, dtype?: DType): Batch => {
  const from = b * batchSize;
  const count = Math.min(batchSize, order.length - from);
  const indices = order.slice(from, from + count);
  return { x: gatherRows(ds.x, order, dtype ?? ds.x.dtype, from, count), y: gatherRows(ds.y, order, dtype ?? ds.y.dtype, from, count), indices };
};

/**
 * The batches of one epoch, exactly as {@link train} draws them for the same seed, batch
 * size and epoch.
 *
 * @example
 * batches(ds, { batchSize: 32, seed: 0, epoch: 2 }).length // ⌊size / 32⌋
 */
export const batches = (ds: Dataset, options: BatchOptions): Batch[] => {
  const { batchSize, seed, epoch = 0, dropLast = true } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ChainruleError('BadArgument', `batches: batchSize must be a positive integer, got ${batchSize}`);
  const order = epochOrder(seed, epoch, ds.size);
  return Array.from({ length: batchCount(ds.size, batchSize, dropLast) }, (_, b) => batchAt(ds, order, b, batchSize, options.dtype));
};
