// earlyStopping: ends a training when a monitored epoch metric stops improving.

import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { EpochEvent, TrainEvent } from '../events.js';

/** Which epoch metric {@link earlyStopping} watches. */
export type Monitor = 'loss' | 'accuracy' | 'validation.loss' | 'validation.accuracy';

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement to wait before stopping. */
  readonly patience: number;
  /** Smallest change that counts as an improvement (default 0). */
  readonly minDelta?: number;
  /** Default 'validation.loss' when the epochs carry validation metrics, else 'loss'. Losses must fall, accuracies rise. */
  readonly monitor?: Monitor;
  /** Report the state of the best epoch in the final done event rather than the last (default false). */
  readonly restoreBest?: boolean;
}

const valueOf = (e: EpochEvent, monitor: Monitor): number => {
  switch (monitor) {
    case 'loss':
      return e.loss;
    case 'accuracy':
      return e.metrics.accuracy;
    case 'validation.loss':
      return e.validation?.loss ?? NaN;
    case 'validation.accuracy':
      return e.validation?.accuracy ?? NaN;
  }
};

/**
 * Passes events through until the monitored metric has not improved by more than
 * `minDelta` for `patience` epochs in a row; then emits a `done` event (stopped: true)
 * made from the last (or best) epoch's state and completes — which unsubscribes from the
 * training and so stops it before its next step.
 *
 * @example
 * const done = await lastValueFrom(run$.pipe(earlyStopping({ patience: 3, minDelta: 1e-3 }), ofType('done')))
 */
export const earlyStopping = (options: EarlyStoppingOptions): MonoTypeOperatorFunction<TrainEvent> => {
  const { patience, minDelta = 0, restoreBest = false } = options;
  if (!Number.isInteger(patience) || patience < 1) throw new RangeError(`earlyStopping: patience must be a positive integer, got ${patience}`);
  if (!(Number.isFinite(minDelta) && minDelta >= 0)) throw new RangeError(`earlyStopping: minDelta must be a number ≥ 0, got ${minDelta}`);
  return (source) =>
    new Observable<TrainEvent>((subscriber) => {
      let best = NaN, bestEvent: EpochEvent | undefined, waited = 0;
      const sub = source.subscribe({
        next: (e) => {
          subscriber.next(e);
          if (e.type !== 'epoch') return;
          const monitor = options.monitor ?? (e.validation !== undefined ? 'validation.loss' : 'loss');
          const sign = monitor.endsWith('accuracy') ? -1 : 1;
          const v = sign * valueOf(e, monitor);
          if (Number.isNaN(best) || v < best - minDelta) {
            best = v;
            bestEvent = e;
            waited = 0;
            return;
          }
          waited++;
          if (waited < patience) return;
          const from = restoreBest && bestEvent !== undefined ? bestEvent : e;
          subscriber.next({ type: 'done', epoch: from.epoch, stopped: true, ...from.state });
          subscriber.complete();
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => sub.unsubscribe();
    });
};
