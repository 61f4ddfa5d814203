// Tests of the worker bridge over a real MessageChannel and over a hand-driven fake worker.

import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { left, right } from 'fp-ts/lib/Either.js';
import { Observable, Subject, concat, from, lastValueFrom, map, of, takeWhile, throwError, toArray } from 'rxjs';
import { fromWorker, serveInWorker, type WorkerLike, type WorkerScopeLike, type ServeOptions } from './bridge.js';

type Listener = (event: Event) => void;

/** A page-side worker whose other end runs `serveInWorker(run)`, linked by a MessageChannel. */
const channelWorker = <S, E, C>(run: (start: S, control$: Observable<C>) => Observable<E>, options?: ServeOptions<S, C>) => {
  const { port1, port2 } = new MessageChannel();
  const scope: WorkerScopeLike = {
    postMessage: (m) => port2.postMessage(m),
    addEventListener: (type, l) => port2.addEventListener(type, l as Listener),
    removeEventListener: (type, l) => port2.removeEventListener(type, l as Listener),
  };
  const stopServing = serveInWorker(scope, run, options);
  port2.start();
  const terminate = vi.fn(() => {
    stopServing();
    port1.close();
    port2.close();
  });
  const worker: WorkerLike = {
    postMessage: (m) => port1.postMessage(m),
    addEventListener: (type, l) => port1.addEventListener(type, l),
    removeEventListener: (type, l) => port1.removeEventListener(type, l),
    terminate,
  };
  port1.start();
  return { worker, terminate };
};

/** A worker driven by hand: records what the page posts and lets the test dispatch events. */
const fakeWorker = () => {
  const listeners = new Map<string, Set<Listener>>();
  const posted: unknown[] = [];
  const worker: WorkerLike & { emit(type: string, event: Event): void; listenerCount(): number } = {
    postMessage: (m) => void posted.push(m),
    addEventListener: (type, l) => void (listeners.get(type) ?? listeners.set(type, new Set()).get(type)!).add(l),
    removeEventListener: (type, l) => void listeners.get(type)?.delete(l),
    terminate: vi.fn(),
    emit: (type, event) => listeners.get(type)?.forEach((l) => l(event)),
    listenerCount: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
  return { worker, posted };
};

const message = (data: unknown): Event => new MessageEvent('message', { data });

describe('fromWorker + serveInWorker', () => {
  it('delivers every event in order, then completes and terminates the worker', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue(), { maxLength: 20 }), async (values) => {
        const { worker, terminate } = channelWorker((start: number) => from(values.map((v) => [start, v])));
        const got = await lastValueFrom(fromWorker(() => worker, 7).pipe(toArray()));
        expect(got).toEqual(values.map((v) => [7, v]));
        expect(terminate).toHaveBeenCalledTimes(1);
      }),
      { numRuns: 25 },
    );
  });

  it('passes the worker error with its name and message after the events before it', async () => {
    const { worker, terminate } = channelWorker(() =>
      concat(of(1, 2), throwError(() => new RangeError('loss is NaN at step 3 (learning rate 1000)'))),
    );
    const seen: number[] = [];
    const error = await new Promise<Error>((resolve) =>
      fromWorker<undefined, number, never>(() => worker, undefined).subscribe({ next: (x) => seen.push(x), error: resolve }),
    );
    expect(seen).toEqual([1, 2]);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RangeError');
    expect(error.message).toBe('loss is NaN at step 3 (learning rate 1000)');
    expect(terminate).toHaveBeenCalledTimes(1);
  });

  it('reports a run that throws while being set up', async () => {
    const { worker } = channelWorker((): Observable<number> => {
      throw new Error('hiddenSizes[0]: expected a positive integer, got -1');
    });
    await expect(lastValueFrom(fromWorker(() => worker, {}))).rejects.toThrow('hiddenSizes[0]: expected a positive integer, got -1');
  });

  it('forwards control commands to the run in the order they are sent', async () => {
    type Command = { kind: 'pause' } | { kind: 'resume' } | { kind: 'setLearningRate'; value: number } | { kind: 'stop' };
    const { worker } = channelWorker((_: null, control$: Observable<Command>) =>
      control$.pipe(
        takeWhile((c) => c.kind !== 'stop', true),
        map((c) => (c.kind === 'setLearningRate' ? `lr=${c.value}` : c.kind)),
      ),
    );
    const control$ = new Subject<Command>();
    const done = lastValueFrom(fromWorker(() => worker, null, control$).pipe(toArray()));
    control$.next({ kind: 'pause' });
    control$.next({ kind: 'setLearningRate', value: 0.05 });
    control$.next({ kind: 'resume' });
    control$.next({ kind: 'stop' });
    control$.next({ kind: 'pause' }); // after the run ended: ignored
    expect(await done).toEqual(['pause', 'lr=0.05', 'resume', 'stop']);
    expect(control$.observed).toBe(false);
  });

  it('validates the start payload and commands on the worker side', async () => {
    const options: ServeOptions<number, string> = {
      decodeStart: (u) => (typeof u === 'number' ? right(u) : left(`start: expected a number, got ${JSON.stringify(u)}`)),
      decodeControl: (u) => (u === 'stop' ? right(u) : left(`command: unknown command ${JSON.stringify(u)}`)),
    };
    const bad = channelWorker((n: number) => of(n), options);
    await expect(lastValueFrom(fromWorker(() => bad.worker, 'ten'))).rejects.toThrow('start: expected a number, got "ten"');

    const control$ = new Subject<string>();
    const slow = channelWorker((_: number, c$: Observable<string>) => c$, options);
    const result = lastValueFrom(fromWorker(() => slow.worker, 1, control$));
    control$.next('jump');
    await expect(result).rejects.toThrow('command: unknown command "jump"');
  });

  it('is cold: each subscription gets its own worker and run', async () => {
    let runs = 0;
    const create = vi.fn(() => channelWorker((s: string) => of(`${s}#${++runs}`)).worker);
    const events$ = fromWorker(create, 'run');
    expect(await lastValueFrom(events$)).toBe('run#1');
    expect(await lastValueFrom(events$)).toBe('run#2');
    expect(create).toHaveBeenCalledTimes(2);
  });
});

describe('fromWorker with a fake worker', () => {
  it('posts start first, then each control command', () => {
    const { worker, posted } = fakeWorker();
    const control$ = new Subject<string>();
    fromWorker(() => worker, { seed: 1 }, control$).subscribe();
    control$.next('pause');
    control$.next('resume');
    expect(posted).toEqual([
      { kind: 'start', start: { seed: 1 } },
      { kind: 'control', command: 'pause' },
      { kind: 'control', command: 'resume' },
    ]);
  });

  it('unsubscribing terminates the worker, removes its listeners and stops sending commands', () => {
    const { worker, posted } = fakeWorker();
    const control$ = new Subject<string>();
    const seen: unknown[] = [];
    const sub = fromWorker(() => worker, 0, control$).subscribe((e) => seen.push(e));
    worker.emit('message', message({ kind: 'event', event: 'a' }));
    expect(worker.listenerCount()).toBe(3);
    sub.unsubscribe();
    expect(worker.terminate).toHaveBeenCalledTimes(1);
    expect(worker.listenerCount()).toBe(0);
    control$.next('pause');
    worker.emit('message', message({ kind: 'event', event: 'b' }));
    expect(seen).toEqual(['a']);
    expect(posted).toHaveLength(1);
    expect(control$.observed).toBe(false);
  });

  it('turns an uncaught error in the worker script into an error, and the browser does not log it again', () => {
    const { worker } = fakeWorker();
    let error: Error | undefined;
    fromWorker(() => worker, 0).subscribe({ error: (e: Error) => (error = e) });
    const event = new Event('error', { cancelable: true });
    Object.defineProperty(event, 'message', { value: 'Uncaught SyntaxError: Unexpected token' });
    worker.emit('error', event);
    expect(error?.message).toBe('worker: Uncaught SyntaxError: Unexpected token');
    expect(event.defaultPrevented).toBe(true);
    expect(worker.terminate).toHaveBeenCalledTimes(1);
  });

  it('rejects a malformed message from the worker with a message naming what it got', () => {
    const { worker } = fakeWorker();
    let error: Error | undefined;
    fromWorker(() => worker, 0).subscribe({ error: (e: Error) => (error = e) });
    worker.emit('message', message({ type: 'step' }));
    expect(error?.name).toBe('BridgeError');
    expect(error?.message).toContain('{"type":"step"}');
  });
});

describe('serveInWorker', () => {
  it('accepts one start per worker', () => {
    const posted: unknown[] = [];
    let onMessage: ((e: MessageEvent) => void) | undefined;
    const scope: WorkerScopeLike = {
      postMessage: (m) => void posted.push(m),
      addEventListener: (_, l) => (onMessage = l),
      removeEventListener: () => (onMessage = undefined),
    };
    const stop = serveInWorker(scope, (_: number, c$: Observable<never>) => c$);
    onMessage!(message({ kind: 'start', start: 1 }) as MessageEvent);
    onMessage!(message({ kind: 'start', start: 2 }) as MessageEvent);
    expect(posted).toHaveLength(1);
    const [reply] = posted as { kind: string; message: string }[];
    expect(reply.kind).toBe('error');
    expect(reply.message).toContain('already runs a job');
    stop();
    expect(onMessage).toBeUndefined();
  });
});
