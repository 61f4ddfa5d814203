#!/usr/bin/env node
// The `chainrule` executable: runs the CLI on the process's arguments and sets its exit code.

import { run } from './cli.js';
import { processIo } from './io.js';

run(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`chainrule: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
