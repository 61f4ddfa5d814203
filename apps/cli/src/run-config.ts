// The run settings a checkpoint stores (data split, optimizer, seed, batch size, epochs), with their io-ts codec.

import * as t from 'io-ts';
import { left, right, isLeft, type Either } from 'fp-ts/lib/Either.js';
import { choiceFlag, intFlag, numberFlag } from './flags.js';
import { DATASETS, OPTIMIZERS, SCHEDULES, type DataConfig, type OptimizerConfig } from './setup.js';

/** Everything needed to rerun, resume or evaluate a training from its checkpoint. */
export interface RunConfig {
  readonly seed: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly data: DataConfig;
  readonly optimizer: OptimizerConfig;
}

const dataConfigCodec = t.intersection([
  t.type({
    dataset: choiceFlag(DATASETS),
    trainSize: intFlag(1),
    testSize: intFlag(1),
    seed: intFlag(0),
    image: t.boolean,
  }),
  t.partial({ valFraction: numberFlag({ above: 0, below: 1 }) }),
]);

const optimizerConfigCodec = t.intersection([
  t.type({
    name: choiceFlag(OPTIMIZERS),
    learningRate: numberFlag({ above: 0 }),
    momentum: numberFlag({ min: 0, below: 1 }),
    nesterov: t.boolean,
  }),
  t.partial({ weightDecay: numberFlag({ min: 0 }), schedule: choiceFlag(SCHEDULES) }),
]);

/**
 * io-ts codec of {@link RunConfig}, as stored in a checkpoint's `config`.
 *
 * @example
 * runConfigCodec.is(checkpoint.config)
 */
export const runConfigCodec: t.Type<RunConfig, RunConfig, unknown> = t.type({
  seed: intFlag(0),
  batchSize: intFlag(1),
  epochs: intFlag(1),
  data: dataConfigCodec,
  optimizer: optimizerConfigCodec,
});

/**
 * Reads a checkpoint's `config` as a {@link RunConfig}; a Left names the field at fault.
 *
 * @example
 * decodeRunConfig({ seed: 0 }) // left('config.batchSize: expected an integer ≥ 1, got undefined')
 */
export const decodeRunConfig = (config: unknown): Either<string, RunConfig> => {
  const r = runConfigCodec.decode(config);
  if (!isLeft(r)) return right(r.right);
  const e = r.left[0];
  const path = e.context
    .map((c) => c.key)
    .filter((k) => k !== '' && !/^\d+$/.test(k))
    .join('.');
  return left(`config.${path}: ${e.message ?? `unexpected value ${JSON.stringify(e.value)}`}`);
};
