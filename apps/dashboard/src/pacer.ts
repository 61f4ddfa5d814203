// A scheduler that paces the trainer: n steps per tick and a wait between ticks, hold, release and single steps.

import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/** How fast a run goes: `stepsPerTick` steps back to back, then `delayMs` of rest. */
export interface Pace {
  readonly stepsPerTick: number;
  readonly delayMs: number;
}

/** The controls of a {@link pacer}; `scheduler` is what the trainer is given. */
export interface Pacer {
  readonly scheduler: SchedulerLike;
  /** Whether tasks are being held back (paused). */
  readonly holding: boolean;
  /** Holds every task that has not started yet, and every task scheduled from now on. */
  hold(): void;
  /** Lets held tasks run and stops holding. */
  release(): void;
  /** While holding: lets exactly one task run (the next one held, or the next one scheduled). */
  stepOnce(): void;
  /** Changes the pace from the next task on. */
  setPace(pace: Pace): void;
  /** Blocks or unblocks tasks for flow control, independently of hold (a blocked single step waits too). */
  setBlocked(blocked: boolean): void;
}

interface Queued {
  readonly run: () => void;
  readonly delay: number;
  readonly action: Subscription;
}

/**
 * Wraps `base` so that the trainer's steps (one task each) run at a chosen pace. Every
 * `stepsPerTick`-th task waits `delayMs` more than it asked for; the others run as `base`
 * schedules them. While held, tasks wait in a queue: `stepOnce` lets one through,
 * `release` lets them all go. `setBlocked(true)` makes tasks wait as well, whatever the
 * hold (flow control: the page is behind). Cancelling a task (the trainer unsubscribing)
 * removes it.
 *
 * @example
 * const p = pacer(macrotaskScheduler, { stepsPerTick: 1, delayMs: 200 }, { held: true })
 * train({ ...config, scheduler: p.scheduler })
 * p.stepOnce() // one training step
 * p.release()  // then five steps a second
 */
export const pacer = (base: SchedulerLike, initial: Pace, options: { readonly held?: boolean } = {}): Pacer => {
  let pace = initial;
  let holding = options.held ?? false;
  let budget = 0;
  let blocked = false;
  let count = 0;
  const waiting: Queued[] = [];
  // Tasks handed to `base` that have not started: `hold` takes them back, so a pause is exact.
  const inFlight = new Map<Queued, Subscription>();

  const dispatch = (q: Queued): void => {
    if (q.action.closed) return;
    count++;
    const extra = count % Math.max(1, pace.stepsPerTick) === 0 ? pace.delayMs : 0;
    inFlight.set(q, base.schedule(() => {
      inFlight.delete(q);
      q.run();
    }, q.delay + extra));
  };
  const open = (): boolean => !blocked && (!holding || budget > 0);
  const take = (): void => {
    if (holding) budget--;
  };
  const offer = (q: Queued): void => {
    if (!open()) {
      waiting.push(q);
      return;
    }
    take();
    dispatch(q);
  };
  const pump = (): void => {
    while (waiting.length > 0 && open()) {
      take();
      dispatch(waiting.shift()!);
    }
  };

  const scheduler: SchedulerLike = {
    now: () => base.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      const action = new Subscription() as SchedulerAction<T>;
      const q: Queued = { run: () => !action.closed && work.call(action, state), delay, action };
      action.add(() => {
        const i = waiting.indexOf(q);
        if (i >= 0) waiting.splice(i, 1);
        inFlight.get(q)?.unsubscribe();
        inFlight.delete(q);
      });
      (action as { schedule: SchedulerAction<T>['schedule'] }).schedule = (nextState?: T, nextDelay?: number) => scheduler.schedule(work, nextDelay, nextState);
      offer(q);
      return action;
    },
  };

  return {
    scheduler,
    get holding() {
      return holding;
    },
    hold() {
      holding = true;
      budget = 0;
      for (const [q, sub] of inFlight) {
        sub.unsubscribe();
        waiting.push(q);
      }
      inFlight.clear();
    },
    release() {
      holding = false;
      budget = 0;
      pump();
    },
    stepOnce() {
      if (!holding) return;
      budget = 1;
      pump();
    },
    setPace(p) {
      pace = p;
    },
    setBlocked(b) {
      blocked = b;
      pump();
    },
  };
};
