// Scaling by a learning rate kept in the state, so a trainer can read it and override it at run time.

import { ChainruleError, Tensor, add, mul, neg, sub, treeMap } from '@chainrule/core';
import { asDtype, scalar, valueAt, type GradientTransformation, type ScalarOrSchedule } from './transform.js';
import { checkRate } from './validate.js';

/**
 * The state of {@link scaleByLearningRate}: float64 scalars only, so its structure never
 * changes and a jitted step is traced once.
 */
export interface LearningRateState {
  /** Updates done so far: the step the schedule is evaluated at. */
  readonly count: Tensor;
  /** The rate the latest update used (before the first update: the rate it will use). */
  readonly learningRate: Tensor;
  /** The rate set by {@link setLearningRate}; used while `overrideOn` is 1. */
  readonly overrideRate: Tensor;
  /** 1 when the override is in force, 0 when the schedule is. */
  readonly overrideOn: Tensor;
}

/**
 * Multiplies updates by `−lr`, where `lr` is a number or a schedule of the step count. The
 * rate actually used is `on·override + (1 − on)·schedule(count)`: both the override and
 * the count are tensors in the state, so changing the rate between steps (with
 * {@link setLearningRate}) does not retrace a jitted step.
 *
 * @example
 * const opt = chain(scaleByAdam(), scaleByLearningRate(cosineDecay({ initValue: 1e-3, decaySteps: 1000 })))
 */
export const scaleByLearningRate = (learningRate: ScalarOrSchedule): GradientTransformation<LearningRateState> => {
  const lr = checkRate('scaleByLearningRate', 'learningRate', learningRate);
  return {
    init: () => ({ count: scalar(0), learningRate: valueAt(lr, scalar(0)), overrideRate: scalar(0), overrideOn: scalar(0) }),
    update: (updates, state) => {
      if (!isLearningRateState(state)) {
        throw new ChainruleError('BadArgument', 'scaleByLearningRate: the state must be { count, learningRate, overrideRate, overrideOn } as made by init');
      }
      const { count, overrideRate, overrideOn } = state;
      const rate = add(mul(overrideOn, overrideRate), mul(sub(1, overrideOn), valueAt(lr, count)));
      const minus = neg(rate);
      return {
        updates: treeMap((u) => mul(u, asDtype(minus, u.dtype)), updates),
        state: { count: add(count, 1), learningRate: rate, overrideRate, overrideOn },
      };
    },
  };
};

/**
 * Whether a value is the state of {@link scaleByLearningRate}.
 *
 * @example
 * isLearningRateState(scaleByLearningRate(0.1).init({})) // true
 */
export const isLearningRateState = (x: unknown): x is LearningRateState =>
  typeof x === 'object' &&
  x !== null &&
  ['count', 'learningRate', 'overrideRate', 'overrideOn'].every((k) => (x as Record<string, unknown>)[k] instanceof Tensor);

/** Depth-first search (arrays by index, records by key order) for learning-rate states. */
const findRates = (state: unknown, out: LearningRateState[] = []): LearningRateState[] => {
  if (isLearningRateState(state)) out.push(state);
  else if (Array.isArray(state)) state.forEach((s) => findRates(s, out));
  else if (typeof state === 'object' && state !== null && !(state instanceof Tensor)) Object.values(state).forEach((s) => findRates(s, out));
  return out;
};

/** Rebuilds a state with every learning-rate state replaced by `f(it)`. */
const mapRates = (state: unknown, f: (s: LearningRateState) => LearningRateState): unknown => {
  if (isLearningRateState(state)) return f(state);
  if (Array.isArray(state)) return state.map((s) => mapRates(s, f));
  if (typeof state === 'object' && state !== null && !(state instanceof Tensor)) {
    return Object.fromEntries(Object.entries(state).map(([k, s]) => [k, mapRates(s, f)]));
  }
  return state;
};

/**
 * The learning rate an optimizer state holds, as a number: the rate its latest update used
 * (before any update, the rate the first update will use), or the override if one was set
 * since. `undefined` when the state has no learning rate. For logs and dashboards; call it
 * outside traced code.
 *
 * @example
 * const { state: s } = opt.update(grads, state, params)
 * currentLearningRate(s) // 0.1
 */
export const currentLearningRate = (state: unknown): number | undefined => {
  const [first] = findRates(state);
  return first === undefined ? undefined : first.learningRate.item();
};

/**
 * Overrides the learning rate of every {@link scaleByLearningRate} in an optimizer state
 * from the next update on (`null` goes back to the schedule). Returns a new state with the
 * same structure, dtypes and shapes — a jitted step keeps its trace. Throws when the state
 * holds no learning rate or the rate is not a finite number ≥ 0.
 *
 * @example
 * state = setLearningRate(state, 0.01) // e.g. from a dashboard control
 * state = setLearningRate(state, null) // follow the schedule again
 */
export const setLearningRate = <S>(state: S, rate: number | null): S => {
  if (typeof rate === 'function') throw new ChainruleError('BadArgument', 'setLearningRate: rate must be a number or null, not a schedule');
  if (rate !== null) checkRate('setLearningRate', 'rate', rate);
  if (findRates(state).length === 0) {
    throw new ChainruleError('BadArgument', 'setLearningRate: the state holds no learning rate (no scaleByLearningRate in this optimizer)');
  }
  return mapRates(state, (s) =>
    rate === null
      ? { ...s, overrideRate: scalar(0), overrideOn: scalar(0) }
      : { ...s, learningRate: scalar(rate), overrideRate: scalar(rate), overrideOn: scalar(1) },
  ) as S;
};
