// The training worker: serves one run of `runTraining` to the page through the bridge.

import { serveInWorker, type WorkerScopeLike } from './bridge.js';
import { decodeCommand, decodeRunConfig, type Command, type DashEvent, type RunConfig } from './protocol.js';
import { runTraining } from './run.js';

/** Steps the worker may run ahead of the events the page has handled (the page acknowledges every 16). */
const MAX_AHEAD = 32;

serveInWorker<RunConfig, DashEvent, Command>(self as unknown as WorkerScopeLike, (config, control$) => runTraining(config, control$, { maxAhead: MAX_AHEAD }), {
  decodeStart: decodeRunConfig,
  decodeControl: decodeCommand,
});
