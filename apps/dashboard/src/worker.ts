// The training worker: serves one run of `runTraining` to the page through the bridge.

import { serveInWorker, type WorkerScopeLike } from './bridge.js';
import { decodeCommand, decodeRunConfig, type Command, type DashEvent, type RunConfig } from './protocol.js';
import { runTraining } from './run.js';

serveInWorker<RunConfig, DashEvent, Command>(self as unknown as WorkerScopeLike, (config, control$) => runTraining(config, control$), {
  decodeStart: decodeRunConfig,
  decodeControl: decodeCommand,
});
