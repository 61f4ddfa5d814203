// Tests of flag decoding and of the plan a set of train flags turns into.

import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { choiceFlag, decodeFlags, flagName, intFlag, numberFlag, sizesFlag } from './flags.js';
import { planTraining, trainFlagsCodec } from './commands/train.js';

const leftOf = <A>(e: ReturnType<typeof decodeFlags<A>>): string => (isLeft(e) ? e.left : 'right');

describe('flag codecs', () => {
  it('spell option keys as flags', () => {
    expect(flagName('batchSize')).toBe('--batch-size');
    expect(flagName('lr')).toBe('--lr');
  });

  it('accept good values and convert them', () => {
    expect(decodeFlags(t.type({ n: intFlag(1) }), { n: '32' })).toEqual({ _tag: 'Right', right: { n: 32 } });
    expect(decodeFlags(t.type({ x: numberFlag({ above: 0 }) }), { x: '1e-3' })).toEqual({ _tag: 'Right', right: { x: 0.001 } });
    expect(decodeFlags(t.type({ h: sizesFlag }), { h: '64, 32' })).toEqual({ _tag: 'Right', right: { h: [64, 32] } });
    expect(decodeFlags(t.type({ h: sizesFlag }), { h: '' })).toEqual({ _tag: 'Right', right: { h: [] } });
  });

  it.each([
    [{ epochs: '0' }, "--epochs: expected an integer ≥ 1, got '0'"],
    [{ epochs: '2.5' }, '--epochs: expected an integer ≥ 1'],
    [{ batchSize: 'many' }, "--batch-size: expected an integer ≥ 1, got 'many'"],
    [{ lr: '-1' }, "--lr: expected a number > 0, got '-1'"],
    [{ lr: 'NaN' }, '--lr: expected a number > 0'],
    [{ momentum: '1' }, "--momentum: expected a number ≥ 0 and < 1, got '1'"],
    [{ hidden: '64,x' }, '--hidden: expected comma-separated positive integers'],
    [{ hidden: '0' }, '--hidden: expected comma-separated positive integers'],
    [{ dataset: 'cifar' }, "--dataset: expected one of mnist, xor, spirals, moons, circles, got 'cifar'"],
    [{ seed: '-3' }, '--seed: expected an integer from 0 to'],
    [{ schedule: 'linear' }, "--schedule: expected one of constant, cosine, got 'linear'"],
  ])('reject %j naming the flag', (raw, message) => {
    expect(leftOf(decodeFlags(trainFlagsCodec, raw))).toContain(message);
  });

  it('report every bad flag, one per line', () => {
    const msg = leftOf(decodeFlags(trainFlagsCodec, { epochs: 'x', optimizer: 'lbfgs' }));
    expect(msg.split('\n')).toHaveLength(2);
    expect(msg).toContain('--epochs');
    expect(msg).toContain('--optimizer: expected one of sgd, adam, adamw, rmsprop');
  });

  it('choiceFlag accepts exactly its choices', () => {
    const c = choiceFlag(['a', 'b'] as const);
    expect(isRight(c.decode('a'))).toBe(true);
    expect(isLeft(c.decode('A'))).toBe(true);
    expect(isLeft(c.decode(1))).toBe(true);
  });
});

describe('planTraining', () => {
  it("defaults to the seed's network on MNIST 8,000 / 2,000 with SGD momentum", () => {
    const plan = planTraining({});
    if (isLeft(plan)) throw new Error(plan.left);
    expect(plan.right.model).toEqual({ model: 'mlp', hidden: [128], activation: 'sigmoid' });
    expect(plan.right.run.data).toMatchObject({ dataset: 'mnist', trainSize: 8000, testSize: 2000 });
    expect(plan.right.run.optimizer).toMatchObject({ name: 'sgd', learningRate: 0.2, momentum: 0.9 });
    expect(plan.right.run.batchSize).toBe(32);
  });

  it.each([
    [{ model: 'cnn', dataset: 'xor' }, '--model cnn needs --dataset mnist'],
    [{ nesterov: true, momentum: 0 }, '--nesterov: needs'],
    [{ optimizer: 'adam', momentum: 0.5 }, '--momentum: not used by --optimizer adam'],
    [{ dataset: 'moons', batchSize: 1000 }, '--batch-size: 1000 is larger than the training set'],
    [{ trainSize: 9000, testSize: 2000 }, 'MNIST has 10000 digits'],
    [{ dataset: 'xor', trainSize: 10 }, 'xor has exactly its 4 points'],
  ] as const)('rejects the combination %j', (flags, message) => {
    const plan = planTraining(flags);
    expect(isLeft(plan) ? plan.left : 'right').toContain(message);
  });

  it('gives the CNN its own defaults: images, lr 0.05 with cosine decay, 6 epochs', () => {
    const plan = planTraining({ model: 'cnn' });
    if (isLeft(plan)) throw new Error(plan.left);
    expect(plan.right.run.data.image).toBe(true);
    expect(plan.right.run.epochs).toBe(6);
    expect(plan.right.run.optimizer).toMatchObject({ learningRate: 0.05, schedule: 'cosine' });
  });

  it('uses adam-sized learning rates for adam', () => {
    const plan = planTraining({ optimizer: 'adam' });
    expect(isRight(plan) && plan.right.run.optimizer.learningRate).toBe(0.001);
  });
});
