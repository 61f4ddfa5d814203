// Resuming from a checkpoint continues the exact loss sequence of an uninterrupted run.

import { describe, it, expect } from 'vitest';
import { Subject, lastValueFrom, tap, toArray } from 'rxjs';
import { isRight } from 'fp-ts/lib/Either.js';
import { mlp } from '@chainrule/nn';
import { sgd } from '@chainrule/optim';
import { decodeCheckpoint, makeCheckpoint, serializeCheckpoint, spirals, train, type Control, type DoneEvent, type StepEvent, type TrainConfig, type TrainEvent } from '../src/index.js';

const config: TrainConfig = {
  model: mlp({ sizes: [2, 8, 2], activation: 'sigmoid' }),
  data: spirals({ perClass: 30, seed: 4 }),
  optimizer: sgd({ learningRate: 0.3, momentum: 0.9, nesterov: true }),
  epochs: 4,
  batchSize: 8,
  seed: 9,
};
const stepLosses = (events: readonly TrainEvent[]) => events.filter((e): e is StepEvent => e.type === 'step').map((e) => e.loss);

describe('resume', () => {
  it('stop at step 11 (mid-epoch), checkpoint, resume: the same losses as one uninterrupted run', async () => {
    const full = await lastValueFrom(train(config).pipe(toArray()));
    const control$ = new Subject<Control>();
    const first = await lastValueFrom(train({ ...config, control$ }).pipe(tap((e) => e.type === 'step' && e.step === 11 && control$.next({ type: 'stop' })), toArray()));
    const stopped = first[first.length - 1] as DoneEvent;
    expect(stopped).toMatchObject({ type: 'done', stopped: true, step: 11 });
    const text = serializeCheckpoint(makeCheckpoint({ model: config.model, config: { seed: 9, batchSize: 8, epochs: 4 }, state: stopped }));
    const loaded = decodeCheckpoint(text);
    if (!isRight(loaded)) throw new Error(loaded.left.message);
    const rest = await lastValueFrom(train({ ...config, model: loaded.right.model, resume: loaded.right.state }).pipe(toArray()));
    expect([...stepLosses(first), ...stepLosses(rest)]).toEqual(stepLosses(full));
    const [doneFull, doneRest] = [full[full.length - 1] as DoneEvent, rest[rest.length - 1] as DoneEvent];
    expect(doneRest.history.loss).toEqual(doneFull.history.loss);
    expect(doneRest.history.epochs).toEqual(doneFull.history.epochs);
    expect(rest.filter((e) => e.type === 'epoch').map((e) => e.type === 'epoch' && e.loss)).toEqual(full.filter((e) => e.type === 'epoch' && e.epoch >= 2).map((e) => e.type === 'epoch' && e.loss));
  });

  it('refuses a state that does not belong to this run', async () => {
    const done = await lastValueFrom(train({ ...config, epochs: 1 }).pipe(toArray()));
    const state = done[done.length - 1] as DoneEvent;
    const err = (resume: DoneEvent) => lastValueFrom(train({ ...config, resume })).catch((e: Error) => e.message);
    expect(await err({ ...state, step: 999 })).toMatch(/BadResume: resume\.step must be an integer in \[0, 28\]/);
    expect(await err({ ...state, optState: sgd({ learningRate: 0.1 }).init(state.params) })).toMatch(/optState does not have the structure/);
    expect(await err({ ...state, history: { ...state.history, loss: [] } })).toMatch(/history\.loss must have one entry per step/);
  });
});
