// JSON configs decode to the same optimizers as the constructors, and bad configs give a Left naming the field.

import { describe, expect, it } from 'vitest';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { tensor, type DecodeFailure, type Tensor } from '@chainrule/core';
import { applyUpdates, currentLearningRate, optimizerFromConfig, scheduleFromConfig, scheduleValue, type GradientTransformation } from './index.js';

const rightOf = <A>(e: Either<DecodeFailure, A>): A => {
  if (isLeft(e)) throw new Error(`unexpected Left: ${e.left.message}`);
  return e.right;
};
const leftMessage = (e: Either<DecodeFailure, unknown>): string => (isLeft(e) ? e.left.message : 'Right');

/** Three SGD-style steps on ½x² from x = 1 (g = x). */
const threeSteps = (opt: GradientTransformation<unknown>): number[] => {
  let p = { x: tensor([1], { dtype: 'float64' }) };
  let s = opt.init(p);
  const xs: number[] = [];
  for (let k = 0; k < 3; k++) {
    const r = opt.update({ x: p.x }, s, p);
    p = applyUpdates(p, r.updates as { x: Tensor });
    s = r.state;
    xs.push(p.x.data[0]);
  }
  return xs;
};

describe('config decoding', () => {
  it('sgd with momentum from JSON takes the hand-computed steps 0.9, 0.72, 0.486', () => {
    const opt = rightOf(optimizerFromConfig(JSON.parse('{"name":"sgd","learningRate":0.1,"momentum":0.9}')));
    threeSteps(opt).forEach((v, i) => expect(v).toBeCloseTo([0.9, 0.72, 0.486][i], 12));
  });

  it('a schedule config as learning rate: step decay lr 0.1, 0.1, 0.05 → x 0.9, 0.81, 0.7695', () => {
    const opt = rightOf(optimizerFromConfig({ name: 'sgd', learningRate: { kind: 'stepDecay', initValue: 0.1, stepSize: 2, gamma: 0.5 } }));
    threeSteps(opt).forEach((v, i) => expect(v).toBeCloseTo([0.9, 0.81, 0.7695][i], 12));
  });

  it('clipping options chain clipping in front; the learning rate is still found', () => {
    const opt = rightOf(optimizerFromConfig({ name: 'adam', learningRate: 0.01, clipGlobalNorm: 1, clipValue: 5 }));
    const state = opt.init({ x: tensor([1]) });
    expect(state.length).toBe(3);
    expect(currentLearningRate(state)).toBeCloseTo(0.01, 14);
  });

  it('every schedule kind decodes', () => {
    const configs = [
      { kind: 'constant', value: 0.1 },
      { kind: 'linear', initValue: 0, endValue: 1, transitionSteps: 4 },
      { kind: 'piecewiseConstant', initValue: 1, boundariesAndScales: { 2: 0.5 } },
      { kind: 'stepDecay', initValue: 1, stepSize: 2, gamma: 0.5 },
      { kind: 'exponentialDecay', initValue: 1, decayRate: 0.5, transitionSteps: 2 },
      { kind: 'cosineDecay', initValue: 1, decaySteps: 4 },
      { kind: 'warmupCosineDecay', initValue: 0, peakValue: 1, warmupSteps: 2, decaySteps: 6 },
    ];
    // values at step 2, by hand
    const expected = [0.1, 0.5, 0.5, 0.5, 0.5, 0.5, 1];
    configs.forEach((c, i) => expect(scheduleValue(rightOf(scheduleFromConfig(c)), 2)).toBeCloseTo(expected[i], 12));
  });

  it.each([
    [{ name: 'sgdd', learningRate: 0.1 }, /^optimizer\.name: expected one of "sgd", "adam", "adamw", "rmsprop", got "sgdd"$/],
    [{ name: 'sgd', learningRate: '0.1' }, /^optimizer\.learningRate: expected a number or a schedule config, got "0.1"$/],
    [{ name: 'sgd' }, /^optimizer: sgd: learningRate must be a number in \[0, ∞\) or a schedule, got undefined$/],
    [{ name: 'sgd', learningRate: 0.1, momentum: 1.5 }, /^optimizer: sgd: momentum must be a number in \[0, 1\)/],
    [{ name: 'adam', learningRate: 0.1, momentum: 0.9 }, /^optimizer: adam: unknown option momentum/],
    [{ name: 'sgd', learningRate: 0.1, clipGlobalNorm: -1 }, /^optimizer\.clipGlobalNorm: expected a number in \(0, ∞\), got -1$/],
    [{ name: 'sgd', learningRate: { kind: 'cosine', decaySteps: 3 } }, /^optimizer\.learningRate\.kind: expected one of "constant"/],
    [{ name: 'sgd', learningRate: { kind: 'cosineDecay', initValue: 1, decaySteps: -3 } }, /^optimizer\.learningRate: cosineDecay: decaySteps must be/],
    [{ name: 'sgd', learningRate: { kind: 'constant', value: 1, extra: 2 } }, /^optimizer\.learningRate: unknown option extra/],
    [[1, 2], /^optimizer: expected an object with a "name"/],
  ])('rejects %j', (config, message) => {
    const r = optimizerFromConfig(config);
    expect(isRight(r)).toBe(false);
    expect(leftMessage(r)).toMatch(message);
  });

  it('hostile configs are Lefts, with short messages', () => {
    const deep = JSON.parse(`{"name":"sgd","learningRate":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    const d = optimizerFromConfig(deep);
    expect(leftMessage(d)).toMatch(/^optimizer: learningRate\[0\].*nested deeper than 64 levels/);
    expect(d._tag === 'Left' && d.left.code).toBe('TooLarge');
    expect(leftMessage(optimizerFromConfig(JSON.parse('{"name":"sgd","learningRate":0.1,"__proto__":{"momentum":0.9}}')))).toMatch(/optimizer: __proto__: key '__proto__' is not allowed/);
    expect(leftMessage(optimizerFromConfig({ name: 'n'.repeat(10_000_000) })).length).toBeLessThan(200);
    expect(leftMessage(scheduleFromConfig('s'.repeat(10_000_000))).length).toBeLessThan(200);
    const hostile = Object.defineProperty({ name: 'sgd' }, 'learningRate', { get: () => { throw new Error('boom'); }, enumerable: true });
    expect(leftMessage(optimizerFromConfig(hostile))).toBe('optimizer: could not be read (boom)');
    expect(leftMessage(optimizerFromConfig({ name: 'sgd', learningRate: 0.1, momentun: 0.9 }))).toMatch(/unknown option momentun \(known: .*; did you mean 'momentum'\?\)/);
  });
});
