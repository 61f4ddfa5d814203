// Checkpoints: a versioned JSON document (model spec, config, params, optimizer state, step, history), sealed by a checksum, and its checked decoding.

import * as t from 'io-ts';
import { left, right, isLeft, type Either } from 'fp-ts/lib/Either.js';
import { checkUntrusted, clipText, formatErrors, preview, positiveInt, nonNegativeInt } from '@chainrule/core';
import { buildModel, checkModelParams, type Model, type ModelSpec, type Params } from '@chainrule/nn';
import type { TrainState } from './events.js';
import { crc32 } from './checksum.js';
import { historyCodec, treeCodec, type TreeJson } from './json.js';

/** The `format` field of every checkpoint document. */
export const CHECKPOINT_FORMAT = 'chainrule.checkpoint';

/** The checkpoint version this build writes and reads (2: sealed by a `checksum`; version 1 had none). */
export const CHECKPOINT_VERSION = 2;

/**
 * The run settings a checkpoint records: the ones resuming needs (seed, batch size,
 * epochs) plus anything JSON the caller adds (optimizer settings, dataset name, …).
 */
export interface CheckpointConfig {
  readonly seed: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly [key: string]: unknown;
}

/**
 * A checkpoint in memory: the model (stored as its spec, rebuilt when loaded), the config,
 * the training state and when it was made.
 *
 * @example
 * const c = makeCheckpoint({ model, config: { seed: 0, batchSize: 32, epochs: 6 }, state: done })
 * train({ ...config, resume: c.state })
 */
export interface Checkpoint {
  readonly version: typeof CHECKPOINT_VERSION;
  readonly model: Model;
  readonly config: CheckpointConfig;
  readonly state: TrainState;
  /** ISO 8601 time. */
  readonly createdAt: string;
}

/** The JSON document of a checkpoint. */
export interface CheckpointJson {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: typeof CHECKPOINT_VERSION;
  readonly createdAt: string;
  readonly model: ModelSpec;
  readonly config: CheckpointConfig;
  readonly state: { readonly step: number; readonly params: TreeJson; readonly optState: TreeJson; readonly history: unknown };
  /** `crc32:` and 8 hex digits: see {@link checkpointChecksum}. */
  readonly checksum: string;
}

/**
 * Why a checkpoint could not be read or written: `Io` (file system), `Json` (not JSON, e.g.
 * truncated), `Checksum` (the content does not match its checksum: corrupt or edited),
 * `Malformed` (a field is missing or wrong), `Version` (another format version),
 * `Mismatch` (params that do not fit the model), `TooLarge` (nested deeper than MAX_DEPTH or a
 * tensor past MAX_ELEMENTS: refused before anything is allocated).
 */
export interface CheckpointError {
  readonly _tag: 'CheckpointError';
  readonly kind: 'Io' | 'Json' | 'Checksum' | 'Malformed' | 'Version' | 'Mismatch' | 'TooLarge';
  readonly message: string;
}

/**
 * Builds a {@link CheckpointError}.
 *
 * @example
 * checkpointError('Version', 'checkpoint version 2 is not supported')
 */
export const checkpointError = (kind: CheckpointError['kind'], message: string): CheckpointError => ({ _tag: 'CheckpointError', kind, message });


const configCodec: t.Type<CheckpointConfig, CheckpointConfig, unknown> = t.intersection(
  [t.UnknownRecord, t.type({ seed: t.refinement(t.number, Number.isInteger, 'integer'), batchSize: positiveInt, epochs: positiveInt })],
  'CheckpointConfig',
) as unknown as t.Type<CheckpointConfig, CheckpointConfig, unknown>;

const documentCodec = t.type({
  format: t.literal(CHECKPOINT_FORMAT),
  checksum: t.string,
  version: t.literal(CHECKPOINT_VERSION),
  createdAt: t.string,
  model: t.unknown,
  config: configCodec,
  state: t.type({ step: nonNegativeInt, params: treeCodec, optState: treeCodec, history: historyCodec }),
});

/** Options of {@link makeCheckpoint}. */
export interface MakeCheckpointOptions {
  readonly model: Model;
  readonly config: CheckpointConfig;
  /** A run's state: a `done` event, an `epoch` event's `state`, or `{ params, optState, step, history }`. */
  readonly state: TrainState;
  /** Default: now. */
  readonly createdAt?: string;
}

/**
 * A checkpoint from a model, its config and a training state.
 *
 * @example
 * const done = await lastValueFrom(run$.pipe(ofType('done')))
 * const c = makeCheckpoint({ model, config: { seed: 0, batchSize: 32, epochs: 6, optimizer: { name: 'sgd', learningRate: 0.1 } }, state: done })
 */
export const makeCheckpoint = (options: MakeCheckpointOptions): Checkpoint => {
  const { params, optState, step, history } = options.state;
  return {
    version: CHECKPOINT_VERSION,
    model: options.model,
    config: options.config,
    state: { params, optState, step, history },
    createdAt: options.createdAt ?? new Date().toISOString(),
  };
};

/**
 * The checksum of a checkpoint document: `crc32:` and the CRC-32 of the UTF-8 bytes of
 * `JSON.stringify` of the document without its `checksum` field. Parsing and re-stringifying
 * gives back the same text, so the checksum covers every value (each weight's digits) but not
 * the whitespace of a file. It detects corruption (a flipped bit, a torn write), not a
 * deliberate edit; after editing a document on purpose, set its `checksum` to this again.
 *
 * @example
 * const doc = JSON.parse(text)
 * doc.config.epochs = 20
 * doc.checksum = checkpointChecksum(doc)
 */
export const checkpointChecksum = (doc: Readonly<Record<string, unknown>>): string => {
  const { checksum: _ignored, ...content } = doc;
  return `crc32:${crc32(JSON.stringify(content))}`;
};

/**
 * A checkpoint as a JSON document (tensors through core's `tensorFromJson`; float32 values
 * round-trip exactly), sealed by its {@link checkpointChecksum}.
 *
 * @example
 * JSON.stringify(encodeCheckpoint(c))
 */
export const encodeCheckpoint = (c: Checkpoint): CheckpointJson => {
  const content = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: c.createdAt,
    model: c.model.spec,
    config: c.config,
    state: {
      step: c.state.step,
      params: treeCodec.encode(c.state.params),
      optState: treeCodec.encode(c.state.optState),
      history: historyCodec.encode(c.state.history),
    },
  } as const;
  return { ...content, checksum: checkpointChecksum(content) };
};

/**
 * The checkpoint document as text.
 *
 * @example
 * await writeFile(path, serializeCheckpoint(c)) // or saveCheckpoint from @chainrule/train/node
 */
export const serializeCheckpoint = (c: Checkpoint): string => JSON.stringify(encodeCheckpoint(c));

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * Reads a checkpoint from its text or parsed JSON, checking everything: that it is JSON
 * (a truncated file is not), that it is a chainrule checkpoint of this version, that its
 * content matches its checksum (a flipped bit in a weight does not), every field's type, that the model spec builds, that the params fit the model, and that the
 * history has one entry per step. A Left says which of these failed and where. It never
 * throws: nesting past MAX_DEPTH and tensors past MAX_ELEMENTS are `TooLarge`, and
 * `__proto__`/`constructor`/`prototype` keys anywhere are `Malformed`.
 *
 * @example
 * pipe(decodeCheckpoint(text), E.match((e) => console.error(e.message), (c) => c.model.apply(c.state.params, x)))
 */
export const decodeCheckpoint = (input: unknown): Either<CheckpointError, Checkpoint> => {
  try {
    return decodeCheckpointValue(input);
  } catch (e) {
    return left(checkpointError('Malformed', `checkpoint: could not be read (${e instanceof Error ? clipText(e.message) : preview(e)})`));
  }
};

const decodeCheckpointValue = (input: unknown): Either<CheckpointError, Checkpoint> => {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      return left(checkpointError('Json', `checkpoint is not valid JSON (${clipText((e as Error).message)}); the file may be truncated or corrupt`));
    }
  }
  if (!isRecord(doc)) return left(checkpointError('Malformed', 'checkpoint: expected a JSON object'));
  const unsafe = checkUntrusted(doc);
  if (unsafe !== undefined) return left(checkpointError(unsafe.tooLarge ? 'TooLarge' : 'Malformed', `checkpoint: ${unsafe.message}`));
  if (doc.format !== CHECKPOINT_FORMAT) {
    return left(checkpointError('Malformed', `checkpoint: format must be '${CHECKPOINT_FORMAT}', got ${preview(doc.format)} — not a chainrule checkpoint`));
  }
  if (doc.version !== CHECKPOINT_VERSION) {
    return left(checkpointError('Version', `checkpoint: version ${preview(doc.version)} is not supported (this build reads version ${CHECKPOINT_VERSION})`));
  }
  if (typeof doc.checksum !== 'string') return left(checkpointError('Checksum', 'checkpoint: no checksum field (expected a string such as "crc32:1a2b3c4d")'));
  let actual: string;
  try {
    actual = checkpointChecksum(doc);
  } catch (e) {
    return left(checkpointError('Malformed', `checkpoint: cannot compute the checksum: ${(e as Error).message}`));
  }
  if (actual !== doc.checksum) {
    const recorded = doc.checksum.length > 40 ? `${JSON.stringify(doc.checksum.slice(0, 40))}…` : JSON.stringify(doc.checksum);
    return left(checkpointError('Checksum', `checkpoint: the content does not match its checksum (recorded ${recorded}, computed "${actual}"): the file is corrupt or was edited`));
  }
  const decoded = documentCodec.decode(doc);
  if (isLeft(decoded)) {
    // A shape past the ceiling is reported by core's shape codec with the limit's name.
    const tooLarge = decoded.left.some((e) => e.message?.includes('(MAX_ELEMENTS)') === true);
    return left(checkpointError(tooLarge ? 'TooLarge' : 'Malformed', `checkpoint: ${formatErrors(decoded.left)}`));
  }
  const { model: spec, config, state, createdAt } = decoded.right;
  const model = buildModel(spec);
  if (isLeft(model)) return left(checkpointError('Malformed', `checkpoint: ${model.left}`));
  const mismatch = checkModelParams(model.right, state.params);
  if (mismatch !== undefined) return left(checkpointError('Mismatch', `checkpoint: state.params do not fit the model ${mismatch}`));
  for (const k of ['loss', 'accuracy', 'learningRate'] as const) {
    if (state.history[k].length !== state.step) {
      return left(checkpointError('Malformed', `checkpoint: state.history.${k} has ${state.history[k].length} entries but step is ${state.step}`));
    }
  }
  return right({
    version: CHECKPOINT_VERSION,
    model: model.right,
    config,
    state: { params: state.params as Params, optState: state.optState, step: state.step, history: state.history },
    createdAt,
  });
};
