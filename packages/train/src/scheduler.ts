// A macrotask scheduler: runs work after pending I/O and rendering, without setTimeout's clamping.

import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/** Queues `fn` as a macrotask and returns a cancel function. */
const queueMacrotask = (fn: () => void): (() => void) => {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown; clearImmediate?: (h: unknown) => void };
  if (typeof g.setImmediate === 'function' && typeof g.clearImmediate === 'function') {
    const handle = g.setImmediate(fn);
    return () => g.clearImmediate!(handle);
  }
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    let live = true;
    // The DOM's MessagePort (setting onmessage starts delivery); Node's typings only know `on`.
    (channel.port1 as unknown as { onmessage: (() => void) | null }).onmessage = () => {
      channel.port1.close();
      if (live) fn();
    };
    channel.port2.postMessage(null);
    return () => {
      live = false;
      channel.port1.close();
    };
  }
  const handle = setTimeout(fn, 0);
  return () => clearTimeout(handle);
};

/**
 * An RxJS scheduler that runs each task as a macrotask: `setImmediate` in Node, a
 * `MessageChannel` message in browsers and workers (no 4 ms clamp as with nested
 * `setTimeout`), `setTimeout` when a delay is given. Between two tasks the event loop
 * handles I/O, timers, input and rendering, so a page or a CLI stays responsive while a
 * training runs. The trainer's default scheduler.
 *
 * @example
 * train({ ...config, scheduler: macrotaskScheduler })
 */
export const macrotaskScheduler: SchedulerLike = {
  now: () => Date.now(),
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const action = new Subscription() as SchedulerAction<T>;
    const run = (): void => {
      if (!action.closed) {
        work.call(action, state);
      }
    };
    const cancel = delay > 0 ? ((h) => () => clearTimeout(h))(setTimeout(run, delay)) : queueMacrotask(run);
    action.add(cancel);
    (action as { schedule: SchedulerAction<T>['schedule'] }).schedule = (nextState?: T, nextDelay?: number) => macrotaskScheduler.schedule(work, nextDelay, nextState);
    return action;
  },
};
