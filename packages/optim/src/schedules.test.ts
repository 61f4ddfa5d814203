// Schedule values at chosen steps against hand-computed numbers, validation, and tracing under jit.

import { describe, expect, it } from 'vitest';
import { ChainruleError, jit, tensor, type Tensor } from '@chainrule/core';
import {
  constantSchedule, linearSchedule, piecewiseConstantSchedule, stepDecay, exponentialDecay, cosineDecay,
  warmupCosineDecay, joinSchedules, scheduleValue, type Schedule,
} from './index.js';

const at = (s: Schedule, steps: readonly number[]): number[] => steps.map((t) => scheduleValue(s, t));

describe('schedule values, worked out by hand', () => {
  const cases: [string, Schedule, number[], number[]][] = [
    ['constant', constantSchedule(0.3), [0, 7, 1e6], [0.3, 0.3, 0.3]],
    // 1 − t/4 until t = 4, held after; nothing moves before transitionBegin = 2
    ['linear 1 → 0 over 4', linearSchedule({ initValue: 1, endValue: 0, transitionSteps: 4 }), [0, 1, 2, 4, 9], [1, 0.75, 0.5, 0, 0]],
    ['linear with begin 2', linearSchedule({ initValue: 0, endValue: 2, transitionSteps: 4, transitionBegin: 2 }), [0, 2, 3, 6, 8], [0, 0, 0.5, 2, 2]],
    // ×0.1 from step 10, ×0.5 from step 20 (keys given out of order)
    ['piecewise constant', piecewiseConstantSchedule({ initValue: 2, boundariesAndScales: { 20: 0.5, 10: 0.1 } }), [0, 9, 10, 19, 20, 100], [2, 2, 0.2, 0.2, 0.1, 0.1]],
    // 1·0.5^⌊t/3⌋
    ['step decay', stepDecay({ initValue: 1, stepSize: 3, gamma: 0.5 }), [0, 2, 3, 5, 6, 9], [1, 1, 0.5, 0.5, 0.25, 0.125]],
    // 8·0.5^(t/2): 8, 8/√2, 4, 2, 1
    ['exponential', exponentialDecay({ initValue: 8, decayRate: 0.5, transitionSteps: 2 }), [0, 1, 2, 4, 6], [8, 8 / Math.SQRT2, 4, 2, 1]],
    ['exponential staircase', exponentialDecay({ initValue: 8, decayRate: 0.5, transitionSteps: 2, staircase: true }), [0, 1, 2, 3, 5], [8, 8, 4, 4, 2]],
    // held at 8 until step 4, then decays; floored at 3
    ['exponential with begin and end', exponentialDecay({ initValue: 8, decayRate: 0.5, transitionSteps: 1, transitionBegin: 4, endValue: 3 }), [0, 4, 5, 6, 50], [8, 8, 4, 3, 3]],
    // growth capped at the end value
    ['exponential growth capped', exponentialDecay({ initValue: 1, decayRate: 2, transitionSteps: 1, endValue: 5 }), [0, 1, 2, 3], [1, 2, 4, 5]],
    // ½(1 + cos(πt/8)): t = 0, 2, 4, 6, 8, 12 → 1, ½(1 + √½), ½, ½(1 − √½), 0, 0
    ['cosine', cosineDecay({ initValue: 1, decaySteps: 8 }), [0, 2, 4, 6, 8, 12], [1, 0.5 + Math.SQRT1_2 / 2, 0.5, 0.5 - Math.SQRT1_2 / 2, 0, 0]],
    // α = 0.2: 0.8·c + 0.2
    ['cosine with alpha', cosineDecay({ initValue: 10, decaySteps: 4, alpha: 0.2 }), [0, 2, 4, 5], [10, 6, 2, 2]],
    // warmup 0.1 → 1 over 4 steps, then 1 → 0.2 by cosine over 8 steps (decaySteps 12 counts the warmup)
    ['warmup cosine', warmupCosineDecay({ initValue: 0.1, peakValue: 1, warmupSteps: 4, decaySteps: 12, endValue: 0.2 }), [0, 2, 4, 8, 12, 20], [0.1, 0.55, 1, 0.6, 0.2, 0.2]],
    ['warmup cosine, no warmup', warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 0, decaySteps: 2 }), [0, 1, 2], [1, 0.5, 0]],
    // 1 for t < 3; then 0.5·(1 − (t − 3)/2) for 3 ≤ t < 5; then 0.1
    ['join three', joinSchedules([constantSchedule(1), linearSchedule({ initValue: 0.5, endValue: 0, transitionSteps: 2 }), constantSchedule(0.1)], [3, 5]), [0, 2, 3, 4, 5, 9], [1, 1, 0.5, 0.25, 0.1, 0.1]],
  ];
  it.each(cases)('%s', (_name, schedule, steps, expected) => {
    at(schedule, steps).forEach((v, i) => expect(v, `step ${steps[i]}`).toBeCloseTo(expected[i], 12));
  });
});

describe('schedules as traced functions', () => {
  const schedules: [string, Schedule][] = [
    ['piecewise', piecewiseConstantSchedule({ initValue: 1, boundariesAndScales: { 3: 0.1 } })],
    ['step decay', stepDecay({ initValue: 1, stepSize: 2, gamma: 0.3 })],
    ['exponential staircase', exponentialDecay({ initValue: 1, decayRate: 0.7, transitionSteps: 3, staircase: true, endValue: 0.5 })],
    ['warmup cosine', warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 2, decaySteps: 6 })],
  ];
  it.each(schedules)('%s: jit traces once and agrees with eager at every step', (_name, s) => {
    const f = jit((t: Tensor) => s(t));
    for (let t = 0; t < 8; t++) expect(f(tensor(t, { dtype: 'float64' })).item()).toBe(scheduleValue(s, t));
    expect(f.traceCount).toBe(1);
  });

  it('accepts a float32 step tensor and returns a float64 scalar', () => {
    const v = cosineDecay({ initValue: 1, decaySteps: 4 })(tensor(2));
    expect(v.dtype).toBe('float64');
    expect(v.shape).toEqual([]);
    expect(v.item()).toBeCloseTo(0.5, 12);
  });
});

describe('schedule hyperparameters are validated', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['constant NaN', () => constantSchedule(NaN), /constantSchedule: value/],
    ['linear 0 steps', () => linearSchedule({ initValue: 1, endValue: 0, transitionSteps: 0 }), /transitionSteps must be a number in \(0, ∞\)/],
    ['piecewise negative boundary', () => piecewiseConstantSchedule({ initValue: 1, boundariesAndScales: { [-1]: 0.5 } }), /boundariesAndScales key "-1"/],
    ['step decay fractional size', () => stepDecay({ initValue: 1, stepSize: 1.5, gamma: 0.5 }), /stepDecay: stepSize must be an integer/],
    ['step decay gamma 0', () => stepDecay({ initValue: 1, stepSize: 2, gamma: 0 }), /gamma/],
    ['exponential rate 0', () => exponentialDecay({ initValue: 1, decayRate: 0, transitionSteps: 1 }), /decayRate/],
    ['exponential non-boolean staircase', () => exponentialDecay({ initValue: 1, decayRate: 0.5, transitionSteps: 1, staircase: 1 } as never), /staircase must be a boolean/],
    ['cosine 0 steps', () => cosineDecay({ initValue: 1, decaySteps: 0 }), /cosineDecay: decaySteps/],
    ['warmup longer than total', () => warmupCosineDecay({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 10 }), /decaySteps must be a number in \(10, ∞\)/],
    ['join: wrong number of boundaries', () => joinSchedules([constantSchedule(1), constantSchedule(2)], []), /joinSchedules: boundaries must hold one step per junction \(1\), got 0/],
    ['join: decreasing boundaries', () => joinSchedules([constantSchedule(1), constantSchedule(2), constantSchedule(3)], [5, 2]), /boundaries\[1\]/],
    ['join: not schedules', () => joinSchedules([0.1 as never], []), /schedules must be a non-empty array/],
    ['unknown option', () => cosineDecay({ initValue: 1, decaySteps: 3, steps: 3 } as never), /unknown option steps/],
  ];
  it.each(bad)('%s', (_name, make, message) => {
    expect(make).toThrow(ChainruleError);
    expect(make).toThrow(message);
  });
});
