// Tests of the worker's run logic in Node, on the real trainer: event order, snapshots, commands, errors, graphs.

import { describe, expect, it } from 'vitest';
import { Subject, Subscription, lastValueFrom, toArray, filter, take, tap, type Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { key, tensor, type Tensor } from '@chainrule/core';
import { seedDefaults } from '@chainrule/core/seed';
import { mlp, type Params } from '@chainrule/nn';
import { meanSoftmaxCrossEntropy, runKeys } from '@chainrule/train';
import { runTraining, lossGraphs } from '../src/run.js';
import type { Command, DashEvent, RunConfig } from '../src/protocol.js';

const base: RunConfig = {
  dataset: 'moons',
  hiddenSizes: [8],
  activation: 'tanh',
  learningRate: 0.2,
  momentum: 0.9,
  batchSize: 16,
  epochs: 3,
  seed: 1,
  stepsPerTick: 1,
  delayMs: 0,
  startPaused: false,
  debugNans: false,
  mnistUrl: 'http://127.0.0.1/unused.bin',
};

const types = (events: readonly DashEvent[]): string[] => events.map((e) => e.type);
const never$ = new Subject<Command>();

describe('runTraining', () => {
  it('sends setup and graph first, then every step, an epoch after each epoch, and a final snapshot before done', async () => {
    const events = await lastValueFrom(runTraining(base, never$, { snapshotEveryMs: 0, boundarySize: 8 }).pipe(toArray()));
    const setup = events[0];
    expect(setup.type).toBe('setup');
    if (setup.type !== 'setup') return;
    expect(setup.trainSize + setup.testSize).toBe(300);
    expect(setup.points?.labels.length).toBe(setup.trainSize);
    expect(setup.points?.xy.length).toBe(2 * setup.trainSize);
    expect(setup.totalSteps).toBe(3 * Math.floor(setup.trainSize / 16));
    expect(events[1].type).toBe('graph');
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((e) => e.type === 'step' && e.step)).toEqual(Array.from({ length: setup.totalSteps }, (_, i) => i + 1));
    expect(types(events).filter((t) => t === 'epoch')).toHaveLength(3);
    // snapshotEveryMs 0: a boundary (and a network view) for the initial params, after every step, and for the final params.
    expect(types(events).filter((t) => t === 'boundary')).toHaveLength(setup.totalSteps + 2);
    expect(types(events).filter((t) => t === 'network')).toHaveLength(setup.totalSteps + 2);
    expect(types(events).slice(-3)).toEqual(['boundary', 'network', 'done']);
    const last = events[events.length - 1];
    expect(last.type === 'done' && last.stopped).toBe(false);
    const boundary = events.find((e) => e.type === 'boundary');
    if (boundary?.type !== 'boundary') throw new Error('no boundary');
    expect(boundary.classOf).toHaveLength(64);
    expect(Math.min(...boundary.confidence)).toBeGreaterThanOrEqual(-1e-6);
    expect(Math.max(...boundary.confidence)).toBeLessThanOrEqual(1 + 1e-6);
    expect(Math.max(...boundary.classOf)).toBeLessThan(2);
  });

  it('passes pause, learning rate and stop to the trainer', async () => {
    const control$ = new Subject<Command>();
    const seen: DashEvent[] = [];
    const run$: Observable<DashEvent> = runTraining({ ...base, epochs: 50 }, control$, { snapshotEveryMs: 1e9 }).pipe(
      tap((e) => seen.push(e)),
      tap((e) => {
        if (e.type === 'step' && e.step === 3) control$.next({ type: 'setLearningRate', learningRate: 0.01 });
        if (e.type === 'step' && e.step === 6) control$.next({ type: 'stop' });
      }),
    );
    await lastValueFrom(run$);
    const steps = seen.filter((e): e is Extract<DashEvent, { type: 'step' }> => e.type === 'step');
    expect(steps[0].learningRate).toBe(0.2);
    expect(steps[steps.length - 1].learningRate).toBe(0.01);
    expect(steps.length).toBeLessThan(10);
    const done = seen[seen.length - 1];
    expect(done.type === 'done' && done.stopped).toBe(true);
  });

  it('keeps commands sent while the data loads and hands them to the trainer when it starts', async () => {
    const control$ = new Subject<Command>();
    const events: DashEvent[] = [];
    const done = new Promise<void>((resolve, reject) =>
      runTraining({ ...base, epochs: 50 }, control$, { snapshotEveryMs: 1e9 }).subscribe({
        next: (e) => {
          events.push(e);
          if (e.type === 'step' && e.step === 2) control$.next({ type: 'stop' });
        },
        error: reject,
        complete: resolve,
      }),
    );
    // The data is prepared asynchronously: this arrives before the trainer exists.
    control$.next({ type: 'setLearningRate', learningRate: 0.01 });
    await done;
    const steps = events.filter((e): e is Extract<DashEvent, { type: 'step' }> => e.type === 'step');
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps.map((e) => e.learningRate)).toEqual(steps.map(() => 0.01));
    const last = events[events.length - 1];
    expect(last.type === 'done' && last.stopped).toBe(true);
    expect(control$.observed).toBe(false);
  });

  it('ends with the trainer’s error when the loss is not finite', async () => {
    const run$ = runTraining({ ...base, learningRate: 1e9, activation: 'relu', epochs: 20 }, never$, { snapshotEveryMs: 1e9 });
    await expect(lastValueFrom(run$)).rejects.toThrow(/NaN|non-finite|not finite/i);
  });

  it('reports a batch larger than the data as an error naming batchSize', async () => {
    await expect(lastValueFrom(runTraining({ ...base, batchSize: 10_000 }, never$))).rejects.toThrow(/batchSize/);
  });

  it('can be cut off after a few events', async () => {
    const first = await lastValueFrom(runTraining({ ...base, epochs: 1000 }, never$).pipe(filter((e) => e.type === 'step'), take(3), toArray()));
    expect(first).toHaveLength(3);
  });
});

/** A scheduler whose tasks run only when the test flushes them. */
const manualScheduler = () => {
  const queue: { run: () => void; sub: Subscription }[] = [];
  const scheduler: SchedulerLike = {
    now: () => 0,
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, _delay = 0, state?: T): Subscription {
      const sub = new Subscription();
      queue.push({ run: () => !sub.closed && work.call(sub as SchedulerAction<T>, state), sub });
      return sub;
    },
  };
  return { scheduler, flush: () => queue.splice(0).forEach((q) => q.run()) };
};

/** Lets the data's promise settle. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe("the seed's run", () => {
  const seedConfig: RunConfig = { ...base, dataset: 'seed', hiddenSizes: [1], activation: 'sigmoid', learningRate: 1, momentum: 0, batchSize: 1, epochs: 10, startPaused: true };

  it("starts held at step 0 with the seed's numbers; one step command is one SGD step, checked by hand", async () => {
    const control$ = new Subject<Command>();
    const m = manualScheduler();
    const events: DashEvent[] = [];
    const sub = runTraining(seedConfig, control$, { scheduler: m.scheduler, snapshotEveryMs: 1e9 }).subscribe((e) => events.push(e));
    await settle();
    m.flush();
    m.flush();
    expect(events.filter((e) => e.type === 'step')).toHaveLength(0);
    const first = events.find((e) => e.type === 'network');
    if (first?.type !== 'network') throw new Error('no network view');
    expect(first.step).toBe(0);
    const { x1, x2, w1, w2, b, w3, w4 } = seedDefaults;
    const z = x1 * w1 + x2 * w2 + b, a = 1 / (1 + Math.exp(-z));
    const y1 = Math.exp(a * w3) / (Math.exp(a * w3) + Math.exp(a * w4));
    const dz = a * (1 - a) * (w3 * (y1 - 1) + w4 * (1 - y1));
    expect(first.layers[0].dCdz[0]).toBeCloseTo(dz, 14);
    expect(first.layers[0].w).toEqual([[w1], [w2]]);

    control$.next({ type: 'step' });
    m.flush();
    m.flush();
    const steps = events.filter((e) => e.type === 'step');
    expect(steps).toHaveLength(1);
    const after = events.filter((e) => e.type === 'network').at(-1);
    if (after?.type !== 'network') throw new Error('no network view');
    expect(after.step).toBe(1);
    // Plain SGD with learning rate 1: w₁ ← w₁ − ∂C/∂w₁ = w₁ − x₁·∂C/∂z; b ← b − ∂C/∂z.
    expect(after.layers[0].w[0][0]).toBeCloseTo(w1 - x1 * dz, 14);
    expect(after.layers[0].b[0]).toBeCloseTo(b - dz, 14);
    expect(after.layers[1].w[0][0]).toBeCloseTo(w3 - a * (y1 - 1), 14);

    control$.next({ type: 'resume' });
    for (let i = 0; i < 20; i++) m.flush();
    expect(events.filter((e) => e.type === 'step')).toHaveLength(10);
    expect(events.at(-1)?.type).toBe('done');
    sub.unsubscribe();
  });

  it('answers a pause with the last step sent, and sends no step after it until resumed', async () => {
    const control$ = new Subject<Command>();
    const m = manualScheduler();
    const events: DashEvent[] = [];
    runTraining({ ...seedConfig, startPaused: false }, control$, { scheduler: m.scheduler }).subscribe((e) => events.push(e));
    await settle();
    for (let i = 0; i < 3; i++) m.flush();
    control$.next({ type: 'pause' });
    const held = events.at(-1);
    expect(held).toEqual({ type: 'held', step: 3 });
    for (let i = 0; i < 5; i++) m.flush();
    expect(events.at(-1)).toBe(held);
    control$.next({ type: 'resume' });
    m.flush();
    const next = events.filter((e) => e.type === 'step').at(-1);
    expect(next?.type === 'step' && next.step).toBe(4);
  });

  it('runs at most maxAhead steps past the last step the page has seen', async () => {
    const control$ = new Subject<Command>();
    const m = manualScheduler();
    const events: DashEvent[] = [];
    runTraining({ ...seedConfig, startPaused: false, epochs: 50 }, control$, { scheduler: m.scheduler, maxAhead: 3 }).subscribe((e) => events.push(e));
    await settle();
    const steps = (): number => events.filter((e) => e.type === 'step').length;
    for (let i = 0; i < 10; i++) m.flush();
    expect(steps()).toBe(4);
    control$.next({ type: 'seen', step: 2 });
    for (let i = 0; i < 10; i++) m.flush();
    expect(steps()).toBe(6);
    // A stop is not held up by flow control.
    control$.next({ type: 'stop' });
    for (let i = 0; i < 10; i++) m.flush();
    expect(steps()).toBe(6);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.stopped).toBe(true);
  });

  it('stops a held run without another step', async () => {
    const control$ = new Subject<Command>();
    const m = manualScheduler();
    const events: DashEvent[] = [];
    runTraining(seedConfig, control$, { scheduler: m.scheduler }).subscribe((e) => events.push(e));
    await settle();
    control$.next({ type: 'stop' });
    for (let i = 0; i < 5; i++) m.flush();
    expect(events.filter((e) => e.type === 'step')).toHaveLength(0);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.stopped && done.step).toBe(0);
  });
});

describe('histograms', () => {
  it('come at step 0, every ceil(total / 150) steps and at the end; their gradients are the loss gradient on the first batch', async () => {
    const events = await lastValueFrom(runTraining({ ...base, epochs: 40 }, never$, { snapshotEveryMs: 1e9 }).pipe(toArray()));
    const setup = events[0];
    if (setup.type !== 'setup') throw new Error('no setup');
    const every = Math.ceil(setup.totalSteps / 150);
    const hist = events.filter((e): e is Extract<DashEvent, { type: 'histograms' }> => e.type === 'histograms');
    const expected = [0, ...Array.from({ length: Math.floor(setup.totalSteps / every) }, (_, i) => (i + 1) * every)];
    if (expected.at(-1) !== setup.totalSteps) expected.push(setup.totalSteps);
    expect(hist.map((h) => h.step)).toEqual(expected);
    expect(hist[0].leaves.map((l) => l.path)).toEqual(['params[0].b', 'params[0].w', 'params[2].b', 'params[2].w']);
    // The mean gradient of params[0].b is the derivative of the loss along b + t·1, over 8 entries.
    const model = mlp({ sizes: [2, 8, 2], activation: 'tanh' });
    const params = model.init(runKeys(base.seed).init) as [{ w: Tensor; b: Tensor }, ...Params[]];
    expect(hist[0].leaves[1].weights.mean).toBeCloseTo(Array.from(params[0].w.data).reduce((s, v) => s + v, 0) / 16, 6);
    const { x, y } = firstBatch(events, 16);
    const lossAt = (t: number): number => {
      const shifted = [{ ...params[0], b: tensor(Array.from(params[0].b.data, (v) => v + t)) }, ...params.slice(1)] as Params;
      return meanSoftmaxCrossEntropy(model.apply(shifted, x), y).item();
    };
    const eps = 1e-2;
    expect(hist[0].leaves[0].grads.mean).toBeCloseTo((lossAt(eps) - lossAt(-eps)) / (2 * eps) / 8, 3);
  });
});

/** The first `n` training points of a run, from its setup event. */
const firstBatch = (events: readonly DashEvent[], n: number) => {
  const setup = events[0];
  if (setup.type !== 'setup' || setup.points === undefined) throw new Error('no points');
  return {
    x: tensor(Array.from(setup.points.xy.subarray(0, 2 * n)), { shape: [n, 2] }),
    y: tensor(Array.from(setup.points.labels.subarray(0, n))),
  };
};

describe('lossGraphs', () => {
  const model = mlp({ sizes: [2, 5, 3], activation: 'tanh' });
  const params = model.init(key(0));
  const { forward, gradient, compiled } = lossGraphs(model, params, 4);
  const opsOf = (nodes: typeof forward.nodes): string[] => nodes.map((n) => n.op).sort();

  it("gives the gradient graph as the compiler's passes leave it: fewer nodes, fused loops, the same outputs", () => {
    expect(compiled.nodes.length).toBeLessThan(gradient.nodes.length);
    expect(compiled.nodes.some((n) => n.op.startsWith('compiler.'))).toBe(true);
    expect(compiled.outputs.map((id) => compiled.nodes[id].output)).toEqual(gradient.outputs.map((id) => gradient.nodes[id].output));
  });

  it('names the inputs after the params and the batch', () => {
    const inputs = forward.nodes.filter((n) => n.part === 'input');
    expect(inputs.map((n) => n.label)).toEqual(['params[0].b', 'params[0].w', 'params[2].b', 'params[2].w', 'x', 'labels']);
    expect(inputs.find((n) => n.label === 'params[0].w')?.shape).toEqual([2, 5]);
    expect(inputs.find((n) => n.label === 'x')?.shape).toEqual([4, 2]);
  });

  it('marks as forward exactly the ops the forward graph has, and the rest as backward', () => {
    const compute = (nodes: typeof forward.nodes) => nodes.filter((n) => n.part === 'forward');
    expect(opsOf(compute(gradient.nodes))).toEqual(opsOf(compute(forward.nodes)));
    expect(gradient.nodes.filter((n) => n.part === 'backward').length).toBeGreaterThan(0);
    expect(forward.nodes.filter((n) => n.part === 'backward')).toEqual([]);
  });

  it('returns the loss and one gradient per parameter, shaped like it', () => {
    expect(forward.outputs).toHaveLength(1);
    expect(forward.nodes[forward.outputs[0]].shape).toEqual([]);
    const paramInputs = gradient.nodes.filter((n) => n.part === 'input' && n.label?.startsWith('params'));
    expect(gradient.outputs).toHaveLength(1 + paramInputs.length);
    expect(gradient.outputs.slice(1).map((id) => gradient.nodes[id].shape)).toEqual(paramInputs.map((n) => n.shape));
    // The gradients are computed by backward nodes.
    for (const id of gradient.outputs.slice(1)) expect(gradient.nodes[id].part).toBe('backward');
  });

  it('labels the outputs: the loss, then ∂L/∂ each parameter path', () => {
    expect(forward.nodes[forward.outputs[0]].output).toBe('loss');
    const labels = gradient.outputs.map((id) => gradient.nodes[id].output);
    expect(labels).toEqual(['loss', '∂L/∂params[0].b', '∂L/∂params[0].w', '∂L/∂params[2].b', '∂L/∂params[2].w']);
    const w = gradient.nodes.find((n) => n.output === '∂L/∂params[0].w');
    expect(w?.shape).toEqual([2, 5]);
  });
});
