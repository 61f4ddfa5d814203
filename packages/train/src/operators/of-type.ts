// ofType: keeps the events of one type, narrowed.

import { filter, type OperatorFunction } from 'rxjs';
import type { TrainEvent } from '../events.js';

/**
 * Keeps only the events of one `type`, with the type narrowed.
 *
 * @example
 * run$.pipe(ofType('epoch')).subscribe((e) => console.log(e.validation?.accuracy))
 */
export const ofType = <K extends TrainEvent['type']>(type: K): OperatorFunction<TrainEvent, Extract<TrainEvent, { type: K }>> =>
  filter((e): e is Extract<TrainEvent, { type: K }> => e.type === type);
