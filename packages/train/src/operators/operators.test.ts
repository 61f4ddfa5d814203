// Tests of the consumer operators on hand-made event streams (marbles) and on a real run.

import { describe, it, expect } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { zeros } from '@chainrule/core';
import { countingExecutor, xorConfig } from '../../test/helpers.js';
import { train } from '../train.js';
import type { DoneEvent, EpochEvent, StepEvent, TrainEvent } from '../events.js';
import { earlyStopping } from './early-stopping.js';
import { ofType } from './of-type.js';
import { sampleEvery } from './sample-every.js';
import { smoothLoss } from './smooth-loss.js';
import { throttleSteps } from './throttle-steps.js';

const history = { loss: [], accuracy: [], learningRate: [], epochs: [] };
const step = (n: number, loss = n): StepEvent => ({
  type: 'step', epoch: 1, step: n, batch: n, stepsPerEpoch: 100, totalSteps: 100, loss, accuracy: 0.5, learningRate: 0.1, ms: 1, skipped: Number.isNaN(loss), params: [],
});
const epoch = (n: number, loss: number, valLoss?: number): EpochEvent => ({
  type: 'epoch', epoch: n, step: n * 10, loss, metrics: { accuracy: 1 - loss },
  ...(valLoss !== undefined && { validation: { loss: valLoss, accuracy: 0, confusion: { classes: 0, counts: new Int32Array(0) } } }),
  ms: 1, state: { params: [zeros([n])], optState: [], step: n * 10, history },
});
const done: DoneEvent = { type: 'done', epoch: 1, stopped: false, params: [], optState: [], step: 1, history };
const scheduler = (): TestScheduler => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('ofType', () => {
  it('keeps one type', async () => {
    const out = await lastValueFrom(from([step(1), epoch(1, 1), step(2), done]).pipe(ofType('step'), toArray()));
    expect(out.map((e) => e.step)).toEqual([1, 2]);
  });
});

describe('smoothLoss', () => {
  it('adds the exponential moving average of the losses, skipping NaN, passing other events', async () => {
    const losses = [4, 2, NaN, 8, 1];
    const events: TrainEvent[] = [...losses.map((l, i) => step(i + 1, l)), epoch(1, 3), done];
    const out = await lastValueFrom(from(events).pipe(smoothLoss(0.25), toArray()));
    // s₁ = 4; s₂ = ¼·2 + ¾·4 = 3.5; NaN keeps 3.5; s₄ = ¼·8 + ¾·3.5 = 4.625; s₅ = ¼·1 + ¾·4.625 = 3.71875
    expect(out.map((e) => (e.type === 'step' ? e.smoothLoss : e.type))).toEqual([4, 3.5, 3.5, 4.625, 3.71875, 'epoch', 'done']);
    expect(() => smoothLoss(0)).toThrow(/alpha must be in \(0, 1\]/);
  });
});

describe('sampleEvery', () => {
  it('keeps steps n, 2n, … and every epoch and done event', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = { a: step(1), b: step(2), c: step(3), d: step(4), e: epoch(1, 1), f: done };
      expectObservable(cold('abcdef|', values).pipe(sampleEvery(2))).toBe('-b-def|', values);
    });
    expect(() => sampleEvery(0)).toThrow(/positive integer/);
  });
});

describe('throttleSteps', () => {
  it('lets one step through per window, emits the latest held step at the window end, and keeps order', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const values = { a: step(1), b: step(2), c: step(3), d: step(4), e: epoch(1, 1), f: done };
      //                     a at 0 passes; b, c held → c at 5; d at 7 held, flushed before e at 9
      const source = cold('abc----d-e----f|', values);
      expectObservable(source.pipe(throttleSteps(5, ts))).toBe('a----c---(de)-f|', values);
    });
  });
});

describe('earlyStopping', () => {
  it('ends with a done event after `patience` epochs without improvement', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = { a: epoch(1, 1), b: epoch(2, 0.5), c: epoch(3, 0.6), d: epoch(4, 0.55), s: step(1), e: epoch(5, 0.1) };
      const stopped: DoneEvent = { type: 'done', epoch: 4, stopped: true, ...values.d.state };
      expectObservable(cold('asbscsdse|', values).pipe(earlyStopping({ patience: 2 }))).toBe('asbscs(dx|)', { ...values, x: stopped });
    });
  });
  it('counts only improvements larger than minDelta, can report the best epoch, and watches validation when present', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = { a: epoch(1, 9, 1), b: epoch(2, 8, 0.95), c: epoch(3, 7, 0.5) };
      const best: DoneEvent = { type: 'done', epoch: 1, stopped: true, ...values.a.state };
      expectObservable(cold('abc|', values).pipe(earlyStopping({ patience: 1, minDelta: 0.1, restoreBest: true }))).toBe('a(bx|)', { ...values, x: best });
    });
  });
  it('stops a real run: nothing runs after the done event', async () => {
    const { executor, counter } = countingExecutor();
    const events = await lastValueFrom(train(xorConfig({ executor, epochs: 50 })).pipe(earlyStopping({ patience: 1, minDelta: 100 }), map((e) => e.type), toArray()));
    expect(events).toEqual(['step', 'step', 'epoch', 'step', 'step', 'epoch', 'done']);
    await new Promise((r) => setTimeout(r, 20));
    expect(counter.runs).toBe(4);
  });
});
