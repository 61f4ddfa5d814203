// Metrics: predicted classes, accuracy, the confusion matrix, and evaluating params on a dataset.

import { ChainruleError, type Tensor, shapeText } from '@chainrule/core';
import type { Model, Params } from '@chainrule/nn';
import { batchAt, type Dataset } from './dataset.js';
import { lossFunction, type LossFn, type LossName } from './loss.js';

/** Counts of (true class, predicted class) pairs: `counts[truth * classes + predicted]`. */
export interface ConfusionMatrix {
  readonly classes: number;
  readonly counts: Int32Array;
}

/** What {@link evaluate} measures. */
export interface Metrics {
  /** Mean loss per example. */
  readonly loss: number;
  /** Fraction of examples whose largest logit is the true class (NaN without classes). */
  readonly accuracy: number;
  readonly confusion: ConfusionMatrix;
}

/**
 * The index of the largest value of each row of `[batch, classes]` logits (first on ties;
 * a NaN row gives −1).
 *
 * @example
 * predictClasses(tensor([[0.1, 2], [3, -1]])) // Int32Array [1, 0]
 */
export const predictClasses = (logits: Tensor): Int32Array => {
  if (logits.shape.length !== 2) throw new ChainruleError('BadArgument', `predictClasses: expected [batch, classes] logits, got ${shapeText(logits.shape)}`);
  const [n, k] = logits.shape;
  const d = logits.data, out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1, bestV = -Infinity;
    for (let j = 0; j < k; j++) {
      const v = d[i * k + j];
      if (v > bestV) {
        bestV = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
};

/**
 * The true class of each row: the label itself, or the argmax of a one-hot / target row.
 *
 * @example
 * trueClasses(tensor([2, 0])) // Int32Array [2, 0]
 * trueClasses(tensor([[0, 1], [1, 0]])) // Int32Array [1, 0]
 */
export const trueClasses = (labels: Tensor): Int32Array => {
  if (labels.shape.length === 1) return Int32Array.from(labels.data);
  return predictClasses(labels);
};

/**
 * Fraction of rows whose predicted class is the label (class indices or one-hot rows).
 *
 * @example
 * accuracy(tensor([[0.1, 2], [3, -1]]), tensor([1, 1])) // 0.5
 */
export const accuracy = (logits: Tensor, labels: Tensor): number => {
  const p = predictClasses(logits), t = trueClasses(labels);
  if (p.length !== t.length) throw new ChainruleError('BadArgument', `accuracy: ${p.length} predictions but ${t.length} labels`);
  let hits = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === t[i]) hits++;
  return p.length === 0 ? NaN : hits / p.length;
};

/**
 * The confusion matrix of predictions against labels.
 *
 * @example
 * const m = confusionMatrix(logits, labels, 10)
 * m.counts[3 * 10 + 5] // how many 3s were taken for 5s
 */
export const confusionMatrix = (logits: Tensor, labels: Tensor, classes: number): ConfusionMatrix => {
  const counts = new Int32Array(classes * classes);
  addConfusion(counts, classes, predictClasses(logits), trueClasses(labels));
  return { classes, counts };
};

const addConfusion = (counts: Int32Array, classes: number, predicted: Int32Array, truth: Int32Array): void => {
  for (let i = 0; i < predicted.length; i++) {
    const t = truth[i], p = predicted[i];
    if (t >= 0 && t < classes && p >= 0 && p < classes) counts[t * classes + p]++;
  }
};

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Examples per forward pass (default 1000). */
  readonly batchSize?: number;
  /** Default 'softmaxCrossEntropy'. */
  readonly loss?: LossName | LossFn;
}

/**
 * Loss, accuracy and confusion matrix of params on a whole dataset, in batches, eagerly.
 * Any model-like value with `apply`, `outputShape` and `dtype` will do (an imported ONNX model too).
 *
 * @example
 * const { accuracy, confusion } = evaluate(done.params, model, test)
 */
export const evaluate = <P = Params>(params: P, model: Pick<Model, 'outputShape' | 'dtype'> & { readonly apply: (params: P, x: Tensor) => Tensor }, ds: Dataset, options: EvaluateOptions = {}): Metrics => {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ChainruleError('BadArgument', `evaluate: batchSize must be a positive integer, got ${batchSize}`);
  const lossFn = lossFunction(options.loss);
  const classes = ds.numClasses > 0 ? ds.numClasses : model.outputShape[model.outputShape.length - 1];
  const counts = new Int32Array(classes * classes);
  const order = Int32Array.from({ length: ds.size }, (_, i) => i);
  let lossSum = 0, hits = 0;
  for (let b = 0; b * batchSize < ds.size; b++) {
    const { x, y } = batchAt(ds, order, b, batchSize, model.dtype);
    const logits = model.apply(params, x);
    lossSum += lossFn(logits, y).item() * x.shape[0];
    const p = predictClasses(logits), t = trueClasses(y);
    for (let i = 0; i < p.length; i++) if (p[i] === t[i]) hits++;
    addConfusion(counts, classes, p, t);
  }
  return { loss: ds.size === 0 ? NaN : lossSum / ds.size, accuracy: ds.size === 0 ? NaN : hits / ds.size, confusion: { classes, counts } };
};
