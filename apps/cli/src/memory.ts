// A lower bound of the memory a training needs, so a run that cannot fit is refused before it starts.

import { totalmem } from 'node:os';
import { isLeft } from 'fp-ts/lib/Either.js';
import { sizeOf } from '@chainrule/core';
import { countParamShapes, type Model } from '@chainrule/nn';
import { validationCount } from '@chainrule/train';
import type { RunConfig } from './run-config.js';

/** One part of a {@link MemoryEstimate}: what needs the memory and which flags set it. */
export interface MemoryPart {
  readonly what: string;
  readonly flags: string;
  readonly bytes: number;
}

/** What a training needs at least, by part, largest first. */
export interface MemoryEstimate {
  readonly bytes: number;
  readonly parts: readonly MemoryPart[];
}

const MNIST_DIGITS = 10000;

/** Optimizer state tensors per parameter tensor: momentum, or Adam's two moments. */
const optimizerSlots = (o: RunConfig['optimizer']): number => (o.name === 'adam' || o.name === 'adamw' ? 2 : o.momentum > 0 ? 1 : 0);

/**
 * A lower bound of the bytes a training allocates, counting only what it cannot do without:
 * the params with their gradients, updates, new values and optimizer state; the activations
 * of one batch forward and backward (and of one evaluation batch); the dataset while it is
 * generated and split; the per-step history; and, with `--out`, the checkpoint text. Tensor
 * overheads, the JavaScript heap and the graph are left out, so a run this refuses would
 * certainly not fit.
 *
 * @example
 * estimateMemory(run, model, { checkpoint: true }).bytes
 */
export const estimateMemory = (run: RunConfig, model: Model, options: { readonly checkpoint: boolean }): MemoryEstimate => {
  const b = model.dtype === 'float64' ? 8 : 4;
  const params = countParamShapes(model.paramShapes());
  const slots = optimizerSlots(run.optimizer);
  // Per-example values through the layers (forward values are kept for the backward pass).
  let width = 0;
  let shape = model.inputShape;
  for (const layer of model.layers) {
    const out = layer.outputShape(shape);
    if (isLeft(out)) break;
    shape = out.right;
    width += sizeOf(shape);
  }
  const { trainSize, testSize, dataset } = run.data;
  const examples = dataset === 'xor' ? 4 : trainSize + testSize;
  const features = sizeOf(model.inputShape);
  const fit = run.data.valFraction === undefined ? trainSize : trainSize - validationCount(trainSize, run.data.valFraction);
  const stepsPerEpoch = Math.floor(fit / run.batchSize);
  const steps = run.epochs * stepsPerEpoch;
  const classes = model.outputShape[model.outputShape.length - 1] ?? 1;
  const parts: MemoryPart[] = [
    // params, gradients, updates and new params, plus the optimizer's slots
    { what: `${params.toLocaleString('en-US')} parameters with their gradients and optimizer state`, flags: '--hidden, --model, --optimizer', bytes: params * b * (4 + slots) },
    // forward values, their cotangents and the pre-activations of a training batch; forward values of an evaluation batch
    { what: 'activations of a training batch and an evaluation batch', flags: '--batch-size, --hidden', bytes: width * b * (3 * run.batchSize + Math.min(1000, testSize)) },
    {
      what: `${examples.toLocaleString('en-US')} examples while loading and splitting`,
      flags: '--train-size, --test-size',
      // the dataset and its split copies, the shuffling permutation, and the source: MNIST's parsed
      // digit files, or the float64 coordinates and noise of a synthetic set
      bytes: examples * ((features * 4 + 4) * 2 + 4) + (dataset === 'mnist' ? MNIST_DIGITS * features * 12 : examples * features * 16),
    },
    {
      // loss, accuracy and learning rate per step, kept and copied into each epoch's state; an epoch summary with its confusion matrix
      what: `history of ${steps.toLocaleString('en-US')} steps and ${run.epochs.toLocaleString('en-US')} epochs`,
      flags: '--epochs',
      bytes: steps * 3 * 8 * 2 + run.epochs * (200 + classes * classes * 4) + (options.checkpoint ? steps * 3 * 10 : 0),
    },
  ];
  // the checkpoint's JSON text of the params and optimizer state, about 10 characters a number
  if (options.checkpoint) parts.push({ what: 'checkpoint text', flags: '--out', bytes: params * (1 + slots) * 10 });
  parts.sort((p, q) => q.bytes - p.bytes);
  return { bytes: parts.reduce((s, p) => s + p.bytes, 0), parts };
};

/**
 * Bytes as text in decimal units (1 kB = 1000 B).
 *
 * @example
 * bytesText(1.8e12) // '1.8 TB'
 */
export const bytesText = (n: number): string => {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n >= 100 || i === 0 ? n.toFixed(0) : n.toFixed(1)} ${units[i]}`;
};

/**
 * The memory this process may use: the machine's, or less when a container (cgroup) caps it.
 *
 * @example
 * availableMemory() // 25275990016 on a 24 GB machine
 */
export const availableMemory = (): number => {
  const capped = process.constrainedMemory?.() ?? 0;
  return capped > 0 ? Math.min(capped, totalmem()) : totalmem();
};

/**
 * Why a run cannot fit in `available` bytes, naming the parts and the flags behind them, or
 * undefined when it may.
 *
 * @example
 * memoryProblem(estimateMemory(run, model, { checkpoint: false }), availableMemory())
 * // 'this run needs at least 2.5 TB of memory, more than this machine's 25.3 GB: 79,500,000,010 parameters … 1.6 TB (--hidden, --model, --optimizer); …'
 */
export const memoryProblem = (estimate: MemoryEstimate, available: number): string | undefined =>
  estimate.bytes <= available
    ? undefined
    : `this run needs at least ${bytesText(estimate.bytes)} of memory, more than this machine's ${bytesText(available)}: ` +
      // the parts that matter (1% or more), largest first
      estimate.parts.filter((p, i) => i === 0 || p.bytes >= estimate.bytes / 100).map((p) => `${p.what} ${bytesText(p.bytes)} (${p.flags})`).join('; ');
