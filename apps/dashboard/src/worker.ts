// The training worker: serves one run of `runTraining` to the page through the bridge, on the best backend this worker can load.

import { from, switchMap } from 'rxjs';
import { setBackend } from '@chainrule/core';
import { loadBestBackend } from '@chainrule/backend-wasm';
import { serveInWorker, type WorkerScopeLike } from './bridge.js';
import { decodeCommand, decodeRunConfig, type Command, type DashEvent, type RunConfig } from './protocol.js';
import { runTraining } from './run.js';

/** Steps the worker may run ahead of the events the page has handled (the page acknowledges every 16). */
const MAX_AHEAD = 32;

// wasm (with threads when the page is cross-origin isolated), else js; started once, while the page sets up.
const backend = loadBestBackend().then((b) => {
  setBackend(b);
  return b;
});

serveInWorker<RunConfig, DashEvent, Command>(self as unknown as WorkerScopeLike, (config, control$) => from(backend).pipe(switchMap((b) => runTraining(config, control$, { maxAhead: MAX_AHEAD, backend: b }))), {
  decodeStart: decodeRunConfig,
  decodeControl: decodeCommand,
});
