// What a command may touch of the outside world: output streams, interrupts (Ctrl-C) and a stdout that closes.

import { Observable, Subject } from 'rxjs';

/** A writable text stream, possibly a terminal. */
export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The process's outside world as the commands see it; tests can pass a fake. */
export interface Io {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** Emits once per Ctrl-C (SIGINT). */
  readonly interrupts: Observable<void>;
  /** Whether a progress bar may be drawn (stdout is a terminal). */
  readonly interactive: boolean;
  /** Ends the process at once (a second Ctrl-C). */
  readonly exit: (code: number) => never;
  /** Emits when stdout's reader has gone (`chainrule train --json | head -1`); later writes are dropped. */
  readonly stdoutClosed?: Observable<void>;
}

/**
 * The real process: its streams, and SIGINT as an Observable. While someone subscribes to
 * `interrupts`, Ctrl-C no longer kills the process; the command decides what to do. A write
 * error on stdout (EPIPE: the reader closed the pipe) is not a crash: it is reported once
 * on `stdoutClosed` (and, unless it is EPIPE, in one line on stderr), and later writes go nowhere.
 *
 * @example
 * const code = await run(process.argv.slice(2), processIo())
 */
export const processIo = (): Io => {
  const closed = new Subject<void>();
  let gone = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (gone) return;
    gone = true;
    if (e.code !== 'EPIPE') process.stderr.write(`chainrule: cannot write to stdout: ${e.message}\n`);
    closed.next();
  });
  // Same for stderr (`2>&1 | head`), without anywhere left to say so.
  process.stderr.on('error', () => undefined);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: process.stdout.isTTY === true,
    exit: (code) => process.exit(code),
    interrupts: new Observable<void>((subscriber) => {
      const onSignal = (): void => subscriber.next();
      process.on('SIGINT', onSignal);
      return () => void process.off('SIGINT', onSignal);
    }),
    stdoutClosed: closed.asObservable(),
  };
};
