// sampleEvery: a lighter view of a training with every n-th step event, and all epoch and done events.

import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { TrainEvent } from '../events.js';

/**
 * Keeps the step events whose `step` is a multiple of `n` (steps n, 2n, …) and every
 * epoch and done event.
 *
 * @example
 * run$.pipe(sampleEvery(10)) // a chart point every 10 steps
 */
export const sampleEvery = (n: number): MonoTypeOperatorFunction<TrainEvent> => {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`sampleEvery: n must be a positive integer, got ${n}`);
  return filter((e) => e.type !== 'step' || e.step % n === 0);
};
