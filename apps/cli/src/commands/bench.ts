// `chainrule bench`: runs the benchmark package's built entry point, or says how to build and run it.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Io } from '../io.js';
import { EXIT } from './train.js';

/**
 * Where the benchmark's entry point is built in this workspace (apps/bench/dist/main.js).
 * The CLI does not import the benchmark (apps never import apps); it runs it as a process.
 *
 * @example
 * benchEntry() // '/…/apps/bench/dist/main.js'
 */
export const benchEntry = (): string => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'dist', 'main.js');

/**
 * Runs the benchmark with the given arguments (e.g. `--quick`) in a child node process and
 * returns its exit code; when it is not built, prints how to run it.
 *
 * @example
 * await benchCommand(['--quick'], processIo())
 */
export const benchCommand = async (args: readonly string[], io: Io): Promise<number> => {
  const entry = benchEntry();
  if (!existsSync(entry)) {
    io.stdout.write('The benchmark lives in apps/bench. From the repository root run:\n  pnpm bench            (full run, about two minutes)\n  pnpm bench --quick    (short run)\n');
    return EXIT.ok;
  }
  return new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', entry, ...args], { stdio: 'inherit' });
    child.on('error', (e) => {
      io.stderr.write(`chainrule bench: cannot start ${entry}: ${e.message}\n`);
      resolve(EXIT.failed);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? EXIT.interrupted : EXIT.failed)));
  });
};
