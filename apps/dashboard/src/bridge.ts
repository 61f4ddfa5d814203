// Bridges a Web Worker into RxJS: events come out as an Observable, control commands go back in.

import * as t from 'io-ts';
import { isLeft, right, type Either } from 'fp-ts/lib/Either.js';
import { Observable, Subject, type Subscription } from 'rxjs';

/** A message from the page to the worker: start one run, or steer the run in progress. */
export type ToWorker<S, C> =
  | { readonly kind: 'start'; readonly start: S }
  | { readonly kind: 'control'; readonly command: C };

/** A message from the worker to the page: one event, the run's error, or its end. */
export type FromWorker<E> =
  | { readonly kind: 'event'; readonly event: E }
  | { readonly kind: 'error'; readonly name: string; readonly message: string }
  | { readonly kind: 'complete' };

/** The part of `Worker` the page side uses (a fake in the unit tests). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'messageerror' | 'error', listener: (event: Event) => void): void;
  removeEventListener(type: 'message' | 'messageerror' | 'error', listener: (event: Event) => void): void;
  terminate(): void;
}

/** The part of a worker's global scope the worker side uses. */
export interface WorkerScopeLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

const fromWorkerCodec = t.union([
  t.type({ kind: t.literal('event'), event: t.unknown }),
  t.type({ kind: t.literal('error'), name: t.string, message: t.string }),
  t.type({ kind: t.literal('complete') }),
]);

const toWorkerCodec = t.union([
  t.type({ kind: t.literal('start'), start: t.unknown }),
  t.type({ kind: t.literal('control'), command: t.unknown }),
]);

/** An error raised in the worker, rebuilt on the page with the worker's name and message. */
const workerError = (name: string, message: string): Error => {
  const e = new Error(message);
  e.name = name;
  return e;
};

/**
 * Runs one job in a fresh worker and exposes its events as a cold Observable. Subscribing
 * creates the worker (with `create`), posts `{ kind: 'start', start }` and forwards every
 * value of `control$` as `{ kind: 'control', command }`. The worker's `event` messages are
 * emitted in order; its `complete` completes the Observable and its `error` (or an uncaught
 * error in the worker script) errors it. Unsubscribing, completing or erroring terminates
 * the worker. Events are trusted to be `E`: the worker is code shipped with the page, but
 * the envelope is checked and a malformed message becomes an error.
 *
 * @example
 * const control$ = new Subject<Control>()
 * const events$ = fromWorker(() => new Worker(url, { type: 'module' }), config, control$)
 * events$.subscribe((e) => console.log(e))
 * control$.next({ kind: 'pause' })
 */
export const fromWorker = <S, E, C>(create: () => WorkerLike, start: S, control$?: Observable<C>): Observable<E> =>
  new Observable<E>((subscriber) => {
    const worker = create();
    let controls: Subscription | undefined;
    const onMessage = (event: Event): void => {
      const decoded = fromWorkerCodec.decode((event as MessageEvent).data);
      if (isLeft(decoded)) {
        subscriber.error(workerError('BridgeError', `worker message: expected { kind: 'event' | 'error' | 'complete' }, got ${JSON.stringify((event as MessageEvent).data)}`));
        return;
      }
      const msg = decoded.right;
      if (msg.kind === 'event') subscriber.next(msg.event as E);
      else if (msg.kind === 'error') subscriber.error(workerError(msg.name, msg.message));
      else subscriber.complete();
    };
    const onError = (event: Event): void => {
      const message = (event as ErrorEvent).message;
      // Stop the browser from also logging the worker's error as uncaught: it is reported here.
      event.preventDefault();
      subscriber.error(workerError('WorkerError', message ? `worker: ${message}` : 'worker: failed to load or crashed'));
    };
    const onMessageError = (): void => subscriber.error(workerError('BridgeError', 'worker message could not be deserialised'));
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.addEventListener('messageerror', onMessageError);
    const post = (message: ToWorker<S, C>): void => worker.postMessage(message);
    post({ kind: 'start', start });
    if (control$ !== undefined) controls = control$.subscribe((command) => post({ kind: 'control', command }));
    return () => {
      controls?.unsubscribe();
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onMessageError);
      worker.terminate();
    };
  });

/** Validators for what the worker receives: Left messages are reported as the run's error. */
export interface ServeOptions<S, C> {
  /** Validates the start payload (default: trusted as `S`). */
  readonly decodeStart?: (start: unknown) => Either<string, S>;
  /** Validates a control command (default: trusted as `C`). */
  readonly decodeControl?: (command: unknown) => Either<string, C>;
}

/**
 * The worker side of {@link fromWorker}: waits for the `start` message, runs
 * `run(start, control$)` and posts each event, then `complete` or `error`. Control messages
 * are fed to `control$` in the order they arrive. One run per worker: a second `start`, a
 * malformed message or an invalid command ends the run with an error. Returns a function
 * that stops listening and unsubscribes the run.
 *
 * @example
 * // worker.ts
 * serveInWorker(self as unknown as WorkerScopeLike, (config, control$) => train({ ...config, control$ }))
 */
export const serveInWorker = <S, E, C>(
  scope: WorkerScopeLike,
  run: (start: S, control$: Observable<C>) => Observable<E>,
  options: ServeOptions<S, C> = {},
): (() => void) => {
  const control$ = new Subject<C>();
  let started = false;
  let finished = false;
  let subscription: Subscription | undefined;
  const post = (message: FromWorker<E>): void => scope.postMessage(message);
  const fail = (e: unknown): void => {
    finished = true;
    subscription?.unsubscribe();
    const err = e instanceof Error ? e : new Error(String(e));
    post({ kind: 'error', name: err.name, message: err.message });
  };
  const onMessage = (event: MessageEvent): void => {
    if (finished) return;
    const decoded = toWorkerCodec.decode(event.data);
    if (isLeft(decoded)) return fail(new Error(`page message: expected { kind: 'start' | 'control' }, got ${JSON.stringify(event.data)}`));
    const msg = decoded.right;
    if (msg.kind === 'control') {
      const c = options.decodeControl ? options.decodeControl(msg.command) : right(msg.command as C);
      if (isLeft(c)) return fail(new Error(c.left));
      return control$.next(c.right);
    }
    if (started) return fail(new Error('page message: this worker already runs a job; start a new worker for a new run'));
    started = true;
    const s = options.decodeStart ? options.decodeStart(msg.start) : right(msg.start as S);
    if (isLeft(s)) return fail(new Error(s.left));
    try {
      subscription = run(s.right, control$.asObservable()).subscribe({
        next: (e) => post({ kind: 'event', event: e }),
        error: (e) => fail(e),
        complete: () => {
          finished = true;
          post({ kind: 'complete' });
        },
      });
    } catch (e) {
      fail(e);
    }
  };
  scope.addEventListener('message', onMessage);
  return () => {
    scope.removeEventListener('message', onMessage);
    subscription?.unsubscribe();
  };
};
