// Tests of the metrics against counts done by hand, and of evaluate against a direct computation.

import { describe, it, expect } from 'vitest';
import { key, tensor, uniform } from '@chainrule/core';
import { mlp } from '@chainrule/nn';
import { dataset } from './dataset.js';
import { accuracy, confusionMatrix, evaluate, predictClasses } from './metrics.js';
import { meanSoftmaxCrossEntropy, meanSquaredError } from './loss.js';

const logits = tensor([
  [2, 1, 0],
  [0, 3, 1],
  [1, 1, 5],
  [4, 0, 0],
  [0, 0, 0],
]);
const labels = tensor([0, 2, 2, 1, 0]);

describe('metrics', () => {
  it('predicts the largest logit, the first on ties', () => {
    expect(Array.from(predictClasses(logits))).toEqual([0, 1, 2, 0, 0]);
  });
  it('accuracy counts hits, with class indices or one-hot labels', () => {
    expect(accuracy(logits, labels)).toBe(3 / 5);
    const oneHot = tensor([[1, 0, 0], [0, 0, 1], [0, 0, 1], [0, 1, 0], [1, 0, 0]]);
    expect(accuracy(logits, oneHot)).toBe(3 / 5);
  });
  it('the confusion matrix counts (truth, prediction) pairs', () => {
    const m = confusionMatrix(logits, labels, 3);
    // truth 0 → predicted 0 twice; truth 1 → 0 once; truth 2 → 1 once and 2 once
    expect(Array.from(m.counts)).toEqual([2, 0, 0, 1, 0, 0, 0, 1, 1]);
  });
  it('losses: mean cross-entropy and mean squared error by hand', () => {
    const z = tensor([[0, Math.log(3)]]);
    expect(meanSoftmaxCrossEntropy(z, tensor([1])).item()).toBeCloseTo(-Math.log(3 / 4), 6);
    // rows [1, 2] − [0, 1] and [0, 0] − [1, 0]: squared errors 1 + 1 and 1 + 0, mean over 2 rows
    expect(meanSquaredError(tensor([[1, 2], [0, 0]]), tensor([1, 0])).item()).toBeCloseTo(1.5, 6);
  });
});

describe('evaluate', () => {
  it('matches one forward pass over the whole dataset, in any batch size', () => {
    const model = mlp({ sizes: [3, 5, 4], activation: 'tanh' });
    const params = model.init(key(0));
    const ds = dataset(uniform(key(1), [23, 3], { min: -2, max: 2 }), tensor(Array.from({ length: 23 }, (_, i) => i % 4)));
    const z = model.apply(params, ds.x);
    const want = { loss: meanSoftmaxCrossEntropy(z, ds.y).item(), accuracy: accuracy(z, ds.y) };
    for (const batchSize of [1, 7, 100]) {
      const m = evaluate(params, model, ds, { batchSize });
      expect(m.loss).toBeCloseTo(want.loss, 5);
      expect(m.accuracy).toBe(want.accuracy);
      expect(Array.from(m.confusion.counts)).toEqual(Array.from(confusionMatrix(z, ds.y, 4).counts));
    }
  });
});
