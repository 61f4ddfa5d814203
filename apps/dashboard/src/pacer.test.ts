// Tests of the pacer on a hand-driven base scheduler, alone and under the real trainer.

import { describe, expect, it } from 'vitest';
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { tensor } from '@chainrule/core';
import { mlp } from '@chainrule/nn';
import { sgd } from '@chainrule/optim';
import { dataset, train, type TrainEvent } from '@chainrule/train';
import { pacer } from './pacer.js';

/** A scheduler whose tasks run only when the test says so; it records each task's delay. */
const manual = () => {
  const queue: { run: () => void; delay: number; sub: Subscription }[] = [];
  const base: SchedulerLike = {
    now: () => 0,
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      const sub = new Subscription();
      queue.push({ run: () => !sub.closed && work.call(sub as SchedulerAction<T>, state), delay, sub });
      return sub;
    },
  };
  /** Runs what is queued now (not what those tasks schedule); returns their delays. */
  const flush = (): number[] => queue.splice(0).filter((q) => !q.sub.closed).map((q) => (q.run(), q.delay));
  return { base, flush, get pending() { return queue.filter((q) => !q.sub.closed).length; } };
};

describe('pacer', () => {
  it('adds the rest to every n-th task and passes the others through', () => {
    const m = manual();
    const p = pacer(m.base, { stepsPerTick: 3, delayMs: 50 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      p.scheduler.schedule(() => undefined, 2);
      delays.push(...m.flush());
    }
    expect(delays).toEqual([2, 2, 52, 2, 2, 52]);
    p.setPace({ stepsPerTick: 1, delayMs: 10 });
    p.scheduler.schedule(() => undefined);
    expect(m.flush()).toEqual([10]);
  });

  it('holds tasks; stepOnce lets exactly one through, release lets the rest go', () => {
    const m = manual();
    const p = pacer(m.base, { stepsPerTick: 1, delayMs: 0 }, { held: true });
    const ran: number[] = [];
    for (let i = 0; i < 3; i++) p.scheduler.schedule(() => ran.push(i));
    expect(m.flush()).toEqual([]);
    expect(ran).toEqual([]);
    p.stepOnce();
    m.flush();
    expect(ran).toEqual([0]);
    p.release();
    m.flush();
    expect(ran).toEqual([0, 1, 2]);
    expect(p.holding).toBe(false);
  });

  it('a step asked for before the task is scheduled applies to the next task only', () => {
    const m = manual();
    const p = pacer(m.base, { stepsPerTick: 1, delayMs: 0 }, { held: true });
    p.stepOnce();
    const ran: string[] = [];
    p.scheduler.schedule(() => ran.push('a'));
    p.scheduler.schedule(() => ran.push('b'));
    m.flush();
    expect(ran).toEqual(['a']);
  });

  it('hold takes back a task already handed to the base scheduler; cancelling removes a held task', () => {
    const m = manual();
    const p = pacer(m.base, { stepsPerTick: 1, delayMs: 0 });
    const ran: string[] = [];
    p.scheduler.schedule(() => ran.push('a'));
    const b = p.scheduler.schedule(() => ran.push('b'));
    p.hold();
    m.flush();
    expect(ran).toEqual([]);
    b.unsubscribe();
    p.release();
    m.flush();
    expect(ran).toEqual(['a']);
  });

  it('a blocked pacer holds tasks until unblocked, even a single step', () => {
    const m = manual();
    const p = pacer(m.base, { stepsPerTick: 1, delayMs: 0 });
    const ran: string[] = [];
    p.setBlocked(true);
    p.scheduler.schedule(() => ran.push('a'));
    m.flush();
    expect(ran).toEqual([]);
    p.hold();
    p.stepOnce();
    m.flush();
    expect(ran).toEqual([]);
    p.setBlocked(false);
    m.flush();
    expect(ran).toEqual(['a']);
    // The step was used up: the next task waits for the hold.
    p.scheduler.schedule(() => ran.push('b'));
    m.flush();
    expect(ran).toEqual(['a']);
  });

  it('paces the real trainer: held, it takes no step; each stepOnce is one step; release runs to the end', () => {
    const m = manual();
    const p = pacer(m.base, { stepsPerTick: 1, delayMs: 0 }, { held: true });
    const data = dataset(tensor([[0, 0], [1, 1], [1, 0], [0, 1]]), tensor([0, 0, 1, 1]), { name: 'four', numClasses: 2 });
    const events: TrainEvent[] = [];
    let complete = false;
    train({ model: mlp({ sizes: [2, 3, 2] }), data, optimizer: sgd({ learningRate: 0.1 }), epochs: 3, batchSize: 2, scheduler: p.scheduler })
      .subscribe({ next: (e) => events.push(e), complete: () => (complete = true) });
    const steps = (): number => events.filter((e) => e.type === 'step').length;
    m.flush();
    m.flush();
    expect(steps()).toBe(0);
    p.stepOnce();
    m.flush();
    m.flush();
    expect(steps()).toBe(1);
    p.stepOnce();
    m.flush();
    expect(steps()).toBe(2);
    p.release();
    while (m.pending > 0) m.flush();
    expect(steps()).toBe(6);
    expect(complete).toBe(true);
  });
});
