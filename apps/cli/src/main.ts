#!/usr/bin/env node
// The `chainrule` executable: installs the compiler as jit's executor, runs the CLI on the process's arguments and sets its exit code.

import { interpreter, setExecutor } from '@chainrule/core';
import { compiler } from '@chainrule/compiler';
import { run } from './cli.js';
import { processIo } from './io.js';

// Training steps run compiled (same losses and accuracy, ~2.5× less CPU on the main job; see
// docs/compiler.md); CHAINRULE_EXECUTOR=interpreter runs them on the reference interpreter.
const executors = { compiler, interpreter } as const;
const chosen = process.env.CHAINRULE_EXECUTOR;
if (chosen !== undefined && chosen !== '' && !(chosen in executors)) {
  process.stderr.write(`chainrule: CHAINRULE_EXECUTOR must be compiler or interpreter, got ${JSON.stringify(chosen)}\n`);
  process.exitCode = 2;
} else {
  setExecutor(executors[(chosen || 'compiler') as keyof typeof executors]);
  run(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`chainrule: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
