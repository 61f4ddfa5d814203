// smoothLoss: an exponential moving average of the step losses, added to each step event.

import { Observable, type OperatorFunction } from 'rxjs';
import type { DoneEvent, EpochEvent, StepEvent, TrainEvent } from '../events.js';

/** A step event with the smoothed loss up to it. */
export type SmoothedStepEvent = StepEvent & { readonly smoothLoss: number };

/** The events after {@link smoothLoss}: steps carry `smoothLoss`, the rest pass unchanged. */
export type SmoothedTrainEvent = SmoothedStepEvent | EpochEvent | DoneEvent;

/**
 * Adds `smoothLoss` to every step event, an exponential moving average of the losses:
 * s₁ = loss₁, sₜ = α·lossₜ + (1 − α)·sₜ₋₁, α in (0, 1] (1: no smoothing). Skipped
 * (NaN) steps leave the average as it was. Each subscription has its own average.
 *
 * @example
 * run$.pipe(smoothLoss(0.1), ofType('step')).subscribe((e) => chart.push(e.step, e.loss, e.smoothLoss))
 */
export const smoothLoss = (alpha: number): OperatorFunction<TrainEvent, SmoothedTrainEvent> => {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`smoothLoss: alpha must be in (0, 1], got ${alpha}`);
  return (source) =>
    new Observable<SmoothedTrainEvent>((subscriber) => {
      let s = NaN;
      return source.subscribe({
        next: (e) => {
          if (e.type !== 'step') {
            subscriber.next(e);
            return;
          }
          if (Number.isFinite(e.loss)) s = Number.isNaN(s) ? e.loss : alpha * e.loss + (1 - alpha) * s;
          subscriber.next({ ...e, smoothLoss: s });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
};
