// Opening a checkpoint file for eval, predict and inspect: the checkpoint plus its run settings.

import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import type { Checkpoint } from '@chainrule/train';
import { loadCheckpoint } from '@chainrule/train/node';
import { decodeRunConfig, type RunConfig } from './run-config.js';

/** A checkpoint and the decoded settings of the run that wrote it. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly run: RunConfig;
}

/**
 * Loads and validates a checkpoint written by `chainrule train`; a Left says which file and
 * what is wrong with it (missing, truncated, wrong version, a field of the wrong type).
 *
 * @example
 * const opened = await openCheckpoint('mnist.ckpt.json')
 */
export const openCheckpoint = async (path: string): Promise<Either<string, OpenedCheckpoint>> => {
  const loaded = await loadCheckpoint(path);
  // loadCheckpoint's messages name the file already
  if (isLeft(loaded)) return left(loaded.left.message);
  const run = decodeRunConfig(loaded.right.config);
  if (isLeft(run)) return left(`${path}: not written by chainrule train (${run.left})`);
  return right({ checkpoint: loaded.right, run: run.right });
};
