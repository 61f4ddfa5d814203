// The seed's network (a sigmoid hidden layer, softmax cross-entropy, SGD) learns xor, two spirals and MNIST digits.

import { describe, it, expect } from 'vitest';
import { lastValueFrom } from 'rxjs';
import { mlp } from '@chainrule/nn';
import { sgd } from '@chainrule/optim';
import { evaluate, mnistSplit, ofType, spirals, train, trainTestSplit, xor, type TrainConfig } from '../src/index.js';
import { loadMnist } from '../src/node/index.js';

const finalParams = async (config: TrainConfig) => (await lastValueFrom(train(config).pipe(ofType('done')))).params;

describe('learning', () => {
  it('xor to 100% accuracy', async () => {
    const model = mlp({ sizes: [2, 4, 2], activation: 'sigmoid' });
    const params = await finalParams({ model, data: xor(), optimizer: sgd({ learningRate: 2 }), epochs: 1000, batchSize: 4, seed: 0 });
    expect(evaluate(params, model, xor()).accuracy).toBe(1);
  });

  it('two spirals to ≥ 95% on held-out points', async () => {
    const { train: data, test } = trainTestSplit(spirals({ perClass: 200, classes: 2, seed: 1 }), { testSize: 100, seed: 1 });
    const model = mlp({ sizes: [2, 32, 2], activation: 'sigmoid' });
    const params = await finalParams({ model, data, optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }), epochs: 150, batchSize: 16, seed: 0 });
    expect(evaluate(params, model, test).accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('1,000 MNIST digits to > 80% test accuracy', async () => {
    const { train: data, test } = mnistSplit(await loadMnist(), { seed: 0, trainSize: 1000, testSize: 2000 });
    const model = mlp({ sizes: [784, 128, 10], activation: 'sigmoid' });
    const params = await finalParams({ model, data, optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }), epochs: 5, batchSize: 32, seed: 0 });
    expect(evaluate(params, model, test).accuracy).toBeGreaterThan(0.8);
  });
});
