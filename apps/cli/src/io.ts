// What a command may touch of the outside world: output streams and interrupts (Ctrl-C).

import { Observable } from 'rxjs';

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
}

/**
 * The real process: its streams, and SIGINT as an Observable. While someone subscribes to
 * `interrupts`, Ctrl-C no longer kills the process; the command decides what to do.
 *
 * @example
 * const code = await run(process.argv.slice(2), processIo())
 */
export const processIo = (): Io => ({
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: process.stdout.isTTY === true,
  exit: (code) => process.exit(code),
  interrupts: new Observable<void>((subscriber) => {
    const onSignal = (): void => subscriber.next();
    process.on('SIGINT', onSignal);
    return () => void process.off('SIGINT', onSignal);
  }),
});
