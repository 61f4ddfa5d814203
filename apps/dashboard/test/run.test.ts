// Tests of the worker's run logic in Node, on the real trainer: event order, snapshots, commands, errors, graphs.

import { describe, expect, it } from 'vitest';
import { Subject, lastValueFrom, toArray, filter, take, tap, type Observable } from 'rxjs';
import { key } from '@chainrule/core';
import { mlp } from '@chainrule/nn';
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
    // snapshotEveryMs 0: a boundary after every step, and one more for the final params.
    expect(types(events).filter((t) => t === 'boundary')).toHaveLength(setup.totalSteps + 1);
    expect(types(events).slice(-2)).toEqual(['boundary', 'done']);
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

describe('lossGraphs', () => {
  const model = mlp({ sizes: [2, 5, 3], activation: 'tanh' });
  const params = model.init(key(0));
  const { forward, gradient } = lossGraphs(model, params, 4);
  const opsOf = (nodes: typeof forward.nodes): string[] => nodes.map((n) => n.op).sort();

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
});
