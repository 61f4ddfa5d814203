// Optimizers and schedules from plain JSON configs (CLI flags, config files), decoded to Either.

import { ChainruleError, checkUntrusted, clipText, decodeFailure, preview, type DecodeFailure } from '@chainrule/core';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { clipByGlobalNorm, clipByValue } from './gradient-transforms.js';
import { adam, adamw, rmsprop, sgd, type AdamOptions, type OptimizerState, type RmspropOptions, type SgdOptions } from './optimizers.js';
import {
  constantSchedule, cosineDecay, exponentialDecay, linearSchedule, piecewiseConstantSchedule, stepDecay, warmupCosineDecay,
  type CosineDecayOptions, type ExponentialDecayOptions, type LinearScheduleOptions, type PiecewiseConstantOptions,
  type StepDecayOptions, type WarmupCosineDecayOptions,
} from './schedules.js';
import { chain, type GradientTransformation, type Schedule } from './transform.js';


/** A schedule as JSON: its `kind` and the options of the matching constructor. */
export type ScheduleConfig =
  | { readonly kind: 'constant'; readonly value: number }
  | ({ readonly kind: 'linear' } & LinearScheduleOptions)
  | ({ readonly kind: 'piecewiseConstant' } & PiecewiseConstantOptions)
  | ({ readonly kind: 'stepDecay' } & StepDecayOptions)
  | ({ readonly kind: 'exponentialDecay' } & ExponentialDecayOptions)
  | ({ readonly kind: 'cosineDecay' } & CosineDecayOptions)
  | ({ readonly kind: 'warmupCosineDecay' } & WarmupCosineDecayOptions);

type Without<T, K extends string> = Omit<T, K> & { readonly learningRate: number | ScheduleConfig };

/**
 * An optimizer as JSON: `name`, the options of that optimizer (the learning rate a number
 * or a {@link ScheduleConfig}), and optional gradient clipping applied first.
 */
export type OptimizerConfig = (
  | ({ readonly name: 'sgd' } & Without<SgdOptions, 'learningRate'>)
  | ({ readonly name: 'adam' } & Without<AdamOptions, 'learningRate'>)
  | ({ readonly name: 'adamw' } & Without<AdamOptions, 'learningRate'>)
  | ({ readonly name: 'rmsprop' } & Without<RmspropOptions, 'learningRate'>)
) & {
  /** Clip each gradient element to [−clipValue, clipValue] first. */
  readonly clipValue?: number;
  /** Then rescale the gradients to a global norm of at most clipGlobalNorm. */
  readonly clipGlobalNorm?: number;
};

const scheduleMakers: Readonly<Record<ScheduleConfig['kind'], (o: never) => Schedule>> = {
  constant: (o: { value: number }) => constantSchedule(o.value),
  linear: linearSchedule,
  piecewiseConstant: piecewiseConstantSchedule,
  stepDecay,
  exponentialDecay,
  cosineDecay,
  warmupCosineDecay,
};

const optimizerMakers: Readonly<Record<OptimizerConfig['name'], (o: never) => GradientTransformation<OptimizerState>>> = { sgd, adam, adamw, rmsprop };

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** Runs a constructor, turning its validation error into a DecodeFailure that names the path. */
const attempt = <A>(path: string, make: () => A): Either<DecodeFailure, A> => {
  try {
    return right(make());
  } catch (e) {
    if (e instanceof ChainruleError) return left(decodeFailure(`${path}: ${e.message.replace(/^BadArgument: /, '')}`));
    // Anything else (a hostile getter, a bug) is still a Left: decoding never throws.
    return left(decodeFailure(`${path}: could not be read (${e instanceof Error ? clipText(e.message) : preview(e)})`));
  }
};

/** Runs a decoder on outside data: depth and prototype keys checked first, and nothing it throws escapes. */
const guarded = <A>(path: string, u: unknown, decode: (u: unknown, path: string) => Either<DecodeFailure, A>): Either<DecodeFailure, A> => {
  const r = attempt(path, () => {
    const unsafe = checkUntrusted(u);
    return unsafe === undefined ? decode(u, path) : left(decodeFailure(`${path}: ${unsafe.message}`, unsafe.tooLarge ? 'TooLarge' : undefined));
  });
  return r._tag === 'Left' ? r : r.right;
};

const oneOf = (keys: readonly string[]): string => keys.map((k) => JSON.stringify(k)).join(', ');

/**
 * Decodes a {@link ScheduleConfig} into a schedule, or a Left naming the field and the problem.
 *
 * @example
 * scheduleFromConfig({ kind: 'cosineDecay', initValue: 0.1, decaySteps: 1000 }) // right(schedule)
 * scheduleFromConfig({ kind: 'cosine' }) // left: 'schedule.kind: expected one of "constant", …'
 */
export const scheduleFromConfig = (u: unknown, path = 'schedule'): Either<DecodeFailure, Schedule> => guarded(path, u, decodeSchedule);

const decodeSchedule = (u: unknown, path: string): Either<DecodeFailure, Schedule> => {
  if (!isRecord(u)) return left(decodeFailure(`${path}: expected an object with a "kind", got ${preview(u)}`));
  const { kind, ...options } = u;
  const make = typeof kind === 'string' && Object.hasOwn(scheduleMakers, kind) ? scheduleMakers[kind as ScheduleConfig['kind']] : undefined;
  if (make === undefined) return left(decodeFailure(`${path}.kind: expected one of ${oneOf(Object.keys(scheduleMakers))}, got ${preview(kind)}`));
  if (kind === 'constant') {
    const extra = Object.keys(options).filter((k) => k !== 'value');
    if (extra.length > 0) return left(decodeFailure(`${path}: unknown option ${extra.join(', ')} (known: value)`));
  }
  return attempt(path, () => make(options as never));
};

/**
 * Decodes an {@link OptimizerConfig} into an optimizer (with clipping chained in front when
 * asked), or a Left naming the field and the problem. For CLI flags and config files.
 *
 * @example
 * optimizerFromConfig({ name: 'sgd', learningRate: 0.1, momentum: 0.9, clipGlobalNorm: 1 })
 * optimizerFromConfig({ name: 'adam', learningRate: { kind: 'warmupCosineDecay', initValue: 0, peakValue: 1e-3, warmupSteps: 100, decaySteps: 5000 } })
 */
export const optimizerFromConfig = (u: unknown, path = 'optimizer'): Either<DecodeFailure, GradientTransformation<unknown[]>> =>
  guarded(path, u, decodeOptimizer);

const decodeOptimizer = (u: unknown, path: string): Either<DecodeFailure, GradientTransformation<unknown[]>> => {
  if (!isRecord(u)) return left(decodeFailure(`${path}: expected an object with a "name", got ${preview(u)}`));
  const { name, learningRate, clipValue, clipGlobalNorm, ...options } = u;
  const make = typeof name === 'string' && Object.hasOwn(optimizerMakers, name) ? optimizerMakers[name as OptimizerConfig['name']] : undefined;
  if (make === undefined) return left(decodeFailure(`${path}.name: expected one of ${oneOf(Object.keys(optimizerMakers))}, got ${preview(name)}`));
  let lr: Either<DecodeFailure, number | Schedule>;
  if (isRecord(learningRate)) lr = scheduleFromConfig(learningRate, `${path}.learningRate`);
  else if (typeof learningRate === 'number' || learningRate === undefined) lr = right(learningRate as number);
  else return left(decodeFailure(`${path}.learningRate: expected a number or a schedule config, got ${preview(learningRate)}`));
  if (lr._tag === 'Left') return lr;
  const rate = lr.right;
  for (const [field, value] of [['clipValue', clipValue], ['clipGlobalNorm', clipGlobalNorm]] as const) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      return left(decodeFailure(`${path}.${field}: expected a number in (0, ∞), got ${preview(value)}`));
    }
  }
  return attempt(path, () => {
    const clips = [
      ...(clipValue === undefined ? [] : [clipByValue(-(clipValue as number), clipValue as number)]),
      ...(clipGlobalNorm === undefined ? [] : [clipByGlobalNorm(clipGlobalNorm as number)]),
    ];
    const opt = make({ ...options, learningRate: rate } as never);
    return clips.length === 0 ? opt : chain(...clips, opt);
  });
};
