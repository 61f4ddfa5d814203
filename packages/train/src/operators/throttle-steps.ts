// throttleSteps: at most one step event per time window (the latest), with epoch and done events in order.

import { Observable, asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { StepEvent, TrainEvent } from '../events.js';

/**
 * A time-throttled view: a step event passes when `ms` have gone by since the last one
 * passed; otherwise it is held, and the latest held step is emitted when the window ends
 * (so the final loss is never lost). Epoch and done events pass at once, after any held
 * step, so the order is kept.
 *
 * @example
 * run$.pipe(throttleSteps(100)) // ≤ 10 chart updates a second, however fast the steps
 */
export const throttleSteps = (ms: number, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<TrainEvent> => {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`throttleSteps: ms must be a number ≥ 0, got ${ms}`);
  return (source) =>
    new Observable<TrainEvent>((subscriber) => {
      let last = -Infinity;
      let held: StepEvent | undefined;
      let timer: Subscription | undefined;
      const flush = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        if (held !== undefined) {
          const e = held;
          held = undefined;
          last = scheduler.now();
          subscriber.next(e);
        }
      };
      const sub = source.subscribe({
        next: (e) => {
          if (e.type !== 'step') {
            flush();
            subscriber.next(e);
            return;
          }
          const now = scheduler.now();
          if (held === undefined && now - last >= ms) {
            last = now;
            subscriber.next(e);
            return;
          }
          held = e;
          timer ??= scheduler.schedule(flush, Math.max(0, last + ms - now));
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        sub.unsubscribe();
      };
    });
};
