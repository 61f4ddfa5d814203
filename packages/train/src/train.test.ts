// Tests of the trainer: event sequences, cancellation, pause/resume/stop, learning rate, one trace, reproducibility, errors.

import { describe, it, expect } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { BehaviorSubject, Subject, lastValueFrom, map, tap, toArray, type Observable } from 'rxjs';
import { tensor, type Backend, type Tensor } from '@chainrule/core';
import { matmulInto } from '@chainrule/core/kernels';
import { mlp } from '@chainrule/nn';
import { sgd } from '@chainrule/optim';
import { countingExecutor, xorConfig } from '../test/helpers.js';
import { batchCount, dataset, epochOrder, evaluate, spirals, train, TrainError, validationSplit, type Control, type DoneEvent, type StepEvent, type TrainEvent } from './index.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const letters = (run$: Observable<TrainEvent>) => run$.pipe(map((e) => e.type[0]));
const collect = (run$: Observable<TrainEvent>): Promise<TrainEvent[]> => lastValueFrom(run$.pipe(toArray()));
const steps = (events: readonly TrainEvent[]): StepEvent[] => events.filter((e): e is StepEvent => e.type === 'step');

describe('train: marble tests on a TestScheduler', () => {
  it('emits step, epoch and done events on the step timeline, then completes', () => {
    const ts = scheduler();
    const { executor, counter } = countingExecutor();
    const events: TrainEvent[] = [];
    ts.run(({ expectObservable }) => {
      const run$ = train(xorConfig({ scheduler: ts, stepDelay: 5, executor })).pipe(tap((e) => events.push(e)));
      // two epochs of two steps, one step every 5 frames
      expectObservable(letters(run$)).toBe('-----s----(se)-s----(sed|)');
    });
    expect(events.map((e) => [e.type, 'epoch' in e ? e.epoch : undefined, 'step' in e ? e.step : undefined])).toEqual([
      ['step', 1, 1], ['step', 1, 2], ['epoch', 1, 2], ['step', 2, 3], ['step', 2, 4], ['epoch', 2, 4], ['done', 2, 4],
    ]);
    expect(counter).toEqual({ compiles: 1, runs: 4 });
  });

  it('is cold: every subscription is its own run with the same events', () => {
    const ts = scheduler();
    const { executor, counter } = countingExecutor();
    ts.run(({ expectObservable }) => {
      const run$ = train(xorConfig({ scheduler: ts, stepDelay: 5, executor, epochs: 1 }));
      expectObservable(letters(run$)).toBe('-----s----(sed|)');
      expectObservable(letters(run$)).toBe('-----s----(sed|)');
    });
    expect(counter.runs).toBe(4);
  });

  it('stops within one step on unsubscribe, and nothing runs afterwards', () => {
    const ts = scheduler();
    const { executor, counter } = countingExecutor();
    ts.run(({ expectObservable }) => {
      const run$ = train(xorConfig({ scheduler: ts, stepDelay: 5, executor, epochs: 50 }));
      expectObservable(letters(run$), '^-------!').toBe('-----s--');
    });
    expect(counter.runs).toBe(1);
  });

  it('pauses and resumes', () => {
    const ts = scheduler();
    const { executor, counter } = countingExecutor();
    ts.run(({ expectObservable, hot }) => {
      const control$ = hot<Control>('------p-----r', { p: { type: 'pause' }, r: { type: 'resume' } });
      const run$ = train(xorConfig({ scheduler: ts, stepDelay: 5, executor, epochs: 1, control$ }));
      // paused from frame 6 to 12: the step due at 10 waits until 17
      expectObservable(letters(run$)).toBe('-----s-----------(sed|)');
    });
    expect(counter.runs).toBe(2);
  });

  it('stops on a stop control with a done event marked stopped, keeping the steps done so far', () => {
    const ts = scheduler();
    const done: DoneEvent[] = [];
    ts.run(({ expectObservable, hot }) => {
      const control$ = hot<Control>('-------x', { x: { type: 'stop' } });
      const run$ = train(xorConfig({ scheduler: ts, stepDelay: 5, epochs: 10, control$ })).pipe(tap((e) => e.type === 'done' && done.push(e)));
      expectObservable(letters(run$)).toBe('-----s----(d|)');
    });
    expect(done[0].stopped).toBe(true);
    expect(done[0].step).toBe(1);
    expect(done[0].history.loss.length).toBe(1);
  });

  it('stop while paused ends the run', () => {
    const ts = scheduler();
    ts.run(({ expectObservable, hot }) => {
      const control$ = hot<Control>('------p--x', { p: { type: 'pause' }, x: { type: 'stop' } });
      expectObservable(letters(train(xorConfig({ scheduler: ts, stepDelay: 5, epochs: 10, control$ })))).toBe('-----s--------(d|)'); // stop at 9, done one step delay later
    });
  });

  it('sets the learning rate from the next step, without tracing again', () => {
    const ts = scheduler();
    const { executor, counter } = countingExecutor();
    const rates: number[] = [];
    ts.run(({ expectObservable, hot }) => {
      const control$ = hot<Control>('-------l', { l: { type: 'setLearningRate', learningRate: 0.05 } });
      const run$ = train(xorConfig({ scheduler: ts, stepDelay: 5, executor, control$ })).pipe(tap((e) => e.type === 'step' && rates.push(e.learningRate)));
      expectObservable(letters(run$)).toBe('-----s----(se)-s----(sed|)');
    });
    expect(rates).toEqual([0.5, 0.05, 0.05, 0.05]);
    expect(counter.compiles).toBe(1);
  });

  it('ends with BadControl for an invalid control', () => {
    const ts = scheduler();
    ts.run(({ expectObservable, hot }) => {
      const control$ = hot<Control>('-------l', { l: { type: 'setLearningRate', learningRate: -1 } });
      const run$ = train(xorConfig({ scheduler: ts, stepDelay: 5, control$ }));
      expectObservable(letters(run$)).toBe('-----s-#', undefined, expect.objectContaining({ code: 'BadControl', message: expect.stringMatching(/finite number ≥ 0, got -1/) }));
    });
  });
});

describe('train: on the real event loop', () => {
  it('traces the step once for the whole run', async () => {
    const { executor, counter } = countingExecutor();
    await collect(train(xorConfig({ executor, epochs: 20 })));
    expect(counter).toEqual({ compiles: 1, runs: 40 });
  });

  it('two runs with one seed emit identical losses, bit for bit; another seed differs', async () => {
    const data = spirals({ perClass: 30, seed: 3 });
    const config = { model: mlp({ sizes: [2, 8, 2] }), data, optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }), epochs: 3, batchSize: 8 };
    const losses = async (seed: number) => steps(await collect(train({ ...config, seed }))).map((e) => e.loss);
    const a = await losses(5), b = await losses(5), c = await losses(6);
    expect(a.length).toBe(3 * batchCount(60, 8));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('yields to the event loop between steps', async () => {
    let lastStep = 0, stepWhenTimerFired = -1;
    const run = collect(train(xorConfig({ epochs: 100 })).pipe(tap((e) => e.type === 'step' && (lastStep = e.step))));
    setTimeout(() => (stepWhenTimerFired = lastStep), 0);
    await run;
    expect(stepWhenTimerFired).toBeGreaterThanOrEqual(0);
    expect(stepWhenTimerFired).toBeLessThan(200);
  });

  it('gives immutable param snapshots in events', async () => {
    const events = await collect(train(xorConfig({ epochs: 1 })));
    const [s1, s2] = steps(events);
    expect(s1.params).not.toBe(s2.params);
    expect(Object.isFrozen(s1.params)).toBe(true);
    expect(() => ((s1.params as unknown as unknown[])[0] = 1)).toThrow();
  });
});

describe('train: validationFraction', () => {
  it('never trains on the held-out examples and validates on exactly them', async () => {
    // Every row the split holds out gets a NaN feature: training on one would end the run
    // with NonFiniteLoss; validating on them gives a NaN validation loss.
    const base = spirals({ perClass: 30, seed: 3 });
    const { validation: held } = validationSplit(base, { fraction: 0.25, seed: 7 });
    const heldRows = new Set<string>();
    for (let i = 0; i < held.size; i++) heldRows.add(`${held.x.data[2 * i]},${held.x.data[2 * i + 1]}`);
    const x = Float32Array.from(base.x.data);
    for (let i = 0; i < base.size; i++) if (heldRows.has(`${x[2 * i]},${x[2 * i + 1]}`)) x[2 * i] = NaN;
    const poisoned = dataset(tensor(x, { shape: [base.size, 2] }), base.y, { numClasses: 2, name: 'poisoned' });
    const events = await collect(train({ model: mlp({ sizes: [2, 8, 2] }), data: poisoned, validationFraction: 0.25, seed: 7, optimizer: sgd({ learningRate: 0.1 }), epochs: 4, batchSize: 5 }));
    const all = steps(events);
    expect(all).toHaveLength(4 * ((base.size - held.size) / 5));
    expect(all.every((e) => Number.isFinite(e.loss))).toBe(true);
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(4);
    for (const e of epochs) expect(e.validation!.loss).toBeNaN();
    // on clean data, the validation metrics are those of the held-out rows
    const model = mlp({ sizes: [2, 8, 2] });
    const clean = await collect(train({ model, data: base, validationFraction: 0.25, seed: 7, optimizer: sgd({ learningRate: 0.1 }), epochs: 2, batchSize: 5 }));
    const done = clean[clean.length - 1] as DoneEvent;
    expect(done.history.epochs[1].validation!.loss).toBeCloseTo(evaluate(done.params, model, held).loss, 6);
    expect(done.history.epochs[1].validation!.loss).toBeGreaterThan(0);
  });

  it('rejects a bad fraction, both validation options, and a batch larger than what is left', async () => {
    const bad = (overrides: Parameters<typeof xorConfig>[0]) => collect(train(xorConfig(overrides))).catch((e: TrainError) => `${e.code} ${e.message}`);
    expect(await bad({ validationFraction: 1 })).toMatch(/BadConfig: validationFraction must be a number in \(0, 1\), got 1/);
    expect(await bad({ validationFraction: 0.5, validation: xorConfig().data })).toMatch(/either validation or validationFraction/);
    expect(await bad({ validationFraction: 0.5, batchSize: 3 })).toMatch(/batchSize 3 is larger than the 2 examples of xor left after holding out 2 for validation/);
  });
});

describe('train: failures', () => {
  it('ends with NonFiniteLoss naming the epoch and step when the loss blows up', async () => {
    const run$ = train({ model: mlp({ sizes: [2, 8, 2] }), data: spirals({ perClass: 40 }), optimizer: sgd({ learningRate: 1e39 }), epochs: 5, batchSize: 8 });
    const err = await collect(run$).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainError);
    // lr 1e39 overflows float32: the first update already makes the weights infinite or NaN
    expect(err).toMatchObject({ code: 'NonFiniteLoss', epoch: 1, step: 1 });
    expect((err as TrainError).message).toMatch(/the update made params\[\d\]\.[wb] (NaN|-?Infinity) \(the loss was \d.*\(epoch 1, step 1\)/);
  });

  it('names the step whose update produced the NaN, not the next one whose loss shows it', async () => {
    // the learning rate jumps to 1e39 after step 3: step 4's loss is still finite, its update is not
    const control$ = new Subject<Control>();
    const seen: StepEvent[] = [];
    const run$ = train(xorConfig({ epochs: 10, control$ })).pipe(
      tap((e) => {
        if (e.type !== 'step') return;
        seen.push(e);
        if (e.step === 3) control$.next({ type: 'setLearningRate', learningRate: 1e39 });
      }),
    );
    const err = await collect(run$).catch((e: unknown) => e);
    expect(seen.map((e) => e.step)).toEqual([1, 2, 3]);
    expect(err).toMatchObject({ code: 'NonFiniteLoss', step: 4, epoch: 2 });
    const finiteLoss = /the loss was (\S+)\)/.exec((err as Error).message)?.[1];
    expect(Number.isFinite(Number(finiteLoss))).toBe(true);
  });

  it("with nanPolicy 'skip', an update that would make the params non-finite is skipped too", async () => {
    const control$ = new Subject<Control>();
    const events = await collect(
      train(xorConfig({ epochs: 3, control$, nanPolicy: 'skip' })).pipe(
        tap((e) => e.type === 'step' && e.step === 2 && control$.next({ type: 'setLearningRate', learningRate: 1e39 })),
      ),
    );
    const all = steps(events);
    expect(all.map((e) => e.skipped)).toEqual([false, false, true, true, true, true]);
    for (const e of all.slice(2)) expect(e.params).toBe(all[1].params);
  });

  // One example has a NaN feature: exactly the batches holding it give a NaN loss.
  const poisoned = () => {
    const base = spirals({ perClass: 20, seed: 2 });
    const x = Float32Array.from(base.x.data);
    x[2 * 13] = NaN;
    return dataset(tensor(x, { shape: [40, 2] }), base.y, { numClasses: 2 });
  };
  const poisonedSteps = (seed: number, epochs: number, batchSize: number): number[] => {
    const spe = batchCount(40, batchSize);
    const out: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const pos = Array.from(epochOrder(seed, e, 40)).indexOf(13);
      if (pos < spe * batchSize) out.push(e * spe + Math.floor(pos / batchSize) + 1);
    }
    return out;
  };

  it("skips exactly the poisoned batches with nanPolicy 'skip', leaving params unchanged", async () => {
    const events = await collect(train({ model: mlp({ sizes: [2, 8, 2] }), data: poisoned(), optimizer: sgd({ learningRate: 0.3 }), epochs: 6, batchSize: 6, seed: 1, nanPolicy: 'skip' }));
    const all = steps(events);
    const skipped = all.filter((e) => e.skipped).map((e) => e.step);
    expect(skipped).toEqual(poisonedSteps(1, 6, 6));
    expect(skipped.length).toBeGreaterThan(0);
    for (const s of skipped) {
      expect(all[s - 1].loss).toBeNaN();
      if (s > 1) expect(all[s - 1].params).toBe(all[s - 2].params);
    }
    expect(all.filter((e) => !e.skipped).every((e) => Number.isFinite(e.loss))).toBe(true);
    const done = events[events.length - 1] as DoneEvent;
    expect(done.type).toBe('done');
    expect(done.history.loss.filter(Number.isNaN).length).toBe(skipped.length);
  });

  it('without skipping, stops at the first poisoned batch', async () => {
    const first = poisonedSteps(1, 6, 6)[0];
    const err = await collect(train({ model: mlp({ sizes: [2, 8, 2] }), data: poisoned(), optimizer: sgd({ learningRate: 0.3 }), epochs: 6, batchSize: 6, seed: 1 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NonFiniteLoss', step: first, epoch: Math.floor((first - 1) / 6) + 1 });
  });

  it('passes an exception from user code on as StepFailed with its cause', async () => {
    const boom = new Error('my loss is broken');
    const err = await collect(train(xorConfig({ loss: (): Tensor => { throw boom; } }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainError);
    expect(err).toMatchObject({ code: 'StepFailed', epoch: 1, step: 1, cause: boom });
    expect((err as Error).message).toMatch(/my loss is broken/);
  });

  it('reports a failure in a later step with its epoch and step, and runs nothing after it', async () => {
    const { executor, counter } = countingExecutor(3);
    const err = await collect(train(xorConfig({ executor, epochs: 5 }))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StepFailed', epoch: 2, step: 3 });
    await new Promise((r) => setTimeout(r, 20));
    expect(counter.runs).toBe(3);
  });

  it('ends with BadControl when the control stream fails', async () => {
    const control$ = new Subject<Control>();
    const run = collect(train(xorConfig({ epochs: 100, control$ })));
    control$.error(new Error('socket closed'));
    await expect(run).rejects.toMatchObject({ code: 'BadControl', message: expect.stringMatching(/socket closed/) });
  });

  it('rejects a bad config on subscription', async () => {
    const bad = (overrides: Parameters<typeof xorConfig>[0]) => collect(train(xorConfig(overrides))).catch((e: TrainError) => `${e.code} ${e.message}`);
    expect(await bad({ batchSize: 5 })).toMatch(/BadConfig.*batchSize 5 is larger than the 4 examples/);
    expect(await bad({ epochs: 0 })).toMatch(/epochs must be a positive integer/);
    expect(await bad({ model: mlp({ sizes: [3, 2] }) })).toMatch(/examples of shape \[2\] but the model takes \[3\]/);
    expect(await bad({ model: mlp({ sizes: [2, 1] }) })).toMatch(/2 classes but the model has 1 outputs/);
    expect(await bad({ nanPolicy: 'ignore' as 'skip' })).toMatch(/nanPolicy must be 'error' or 'skip'/);
    expect(await bad({ params: [] })).toMatch(/params do not fit the model/);
  });
});

describe('train: a pause before the first step', () => {
  it('takes no step until resumed when the control stream says pause at subscription', () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      // A BehaviorSubject says pause synchronously, while the trainer subscribes to it.
      const control$ = new BehaviorSubject<Control>({ type: 'pause' });
      ts.schedule(() => control$.next({ type: 'resume' }), 11);
      const run$ = train(xorConfig({ scheduler: ts, stepDelay: 5, epochs: 1, control$ }));
      // resumed at 11: the first step comes at 16
      expectObservable(letters(run$)).toBe('----------------s----(sed|)');
    });
  });
});

describe('train: where the step runs', () => {
  it("runs the jitted step on the config's backend", async () => {
    let calls = 0;
    const counting: Backend = {
      name: 'counting',
      kernels: {
        'core.matmul': (ins, out, attrs: { transposeA: boolean; transposeB: boolean }, avals) => {
          calls++;
          const sa = avals.inputs[0].shape;
          const m = avals.output.shape[0], n = avals.output.shape[1];
          const k = attrs.transposeA ? sa[0] : sa[1];
          matmulInto(ins[0], 0, ins[1], 0, out, 0, m, k, n, attrs.transposeA, attrs.transposeB);
        },
      },
    };
    const viaJs = steps(await collect(train(xorConfig({ epochs: 2 })))).map((s) => s.loss);
    const viaCounting = steps(await collect(train(xorConfig({ epochs: 2, backend: counting })))).map((s) => s.loss);
    expect(calls).toBeGreaterThan(0);
    expect(viaCounting).toEqual(viaJs);
  });

  it('with debugNans, a step that makes a non-finite value fails naming the op that made it', async () => {
    const run$ = train({ model: mlp({ sizes: [2, 8, 2] }), data: spirals({ perClass: 40 }), optimizer: sgd({ learningRate: 1e39 }), epochs: 2, batchSize: 8, debugNans: true });
    const err = await collect(run$).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'StepFailed', epoch: 1, step: 1 });
    expect((err as TrainError).message).toMatch(/NonFinite: produced \d+ NaN and \d+ infinite values .* \(op core\.\w+; input shapes/);
  });
});
