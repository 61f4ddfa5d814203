// The gradient-transformation contract (init/update), chain, applyUpdates and shared helpers.

import { ChainruleError, add, cast, tensor, treeMap, zeros, type DType, type Tensor } from '@chainrule/core';

/**
 * A pure gradient transformation in the style of optax. `init(params)` builds the state (a
 * pytree of tensors); `update(updates, state, params?)` turns incoming updates (at the start
 * of a chain: the gradients) into outgoing updates and a new state. Nothing is mutated, and
 * `update` uses only ops, so a whole optimizer step can be traced and jit-compiled.
 *
 * @example
 * const opt = sgd({ learningRate: 0.1 })
 * let state = opt.init(params)
 * const { updates, state: next } = opt.update(grads, state, params)
 * params = applyUpdates(params, updates)
 */
export interface GradientTransformation<S = unknown> {
  // Method syntax on purpose: it makes any GradientTransformation<S> usable where a
  // GradientTransformation (state unknown) is expected, e.g. a trainer's config.
  /** The initial state for these params. */
  init(params: unknown): S;
  /** New updates and state; `params` is needed by transforms that read the weights (weight decay). */
  update<U>(updates: U, state: S, params?: U): Update<U, S>;
}

/** What {@link GradientTransformation.update} returns. */
export interface Update<U, S> {
  readonly updates: U;
  readonly state: S;
}

/** The state of transforms that keep none: an empty record (a pytree with no leaves). */
export type EmptyState = Readonly<Record<string, never>>;

/**
 * A hyperparameter that is either a fixed number or a function of the step count
 * (a scalar tensor) giving a scalar tensor; see `schedules.ts`.
 *
 * @example
 * const lr: ScalarOrSchedule = cosineDecay({ initValue: 0.1, decaySteps: 1000 })
 */
export type ScalarOrSchedule = number | Schedule;

/**
 * A schedule: maps the step count (a scalar tensor, or a plain number) to a float64 scalar
 * tensor, built from ops so it can be traced.
 *
 * @example
 * const s: Schedule = (step) => constantSchedule(0.1)(step)
 */
export type Schedule = (step: Tensor | number) => Tensor;

/**
 * Adds updates to params leaf by leaf: `p ← p + u`. Returns new params; the old ones are untouched.
 *
 * @example
 * const params2 = applyUpdates(params, updates)
 */
export const applyUpdates = <P>(params: P, updates: P): P => treeMap((p, u) => add(p, asDtype(u, p.dtype)), params, updates);

/**
 * Runs transformations one after another: each one's updates feed the next. The state is the
 * array of the parts' states, in order.
 *
 * @example
 * const opt = chain(clipByGlobalNorm(1), sgd({ learningRate: 0.1, momentum: 0.9 }))
 */
export const chain = (...transforms: readonly GradientTransformation[]): GradientTransformation<unknown[]> => {
  transforms.forEach((tr, i) => {
    if (tr === null || typeof tr !== 'object' || typeof tr.init !== 'function' || typeof tr.update !== 'function') {
      throw new ChainruleError('BadArgument', `chain: argument ${i} is not a gradient transformation (an object with init and update)`);
    }
  });
  return {
    init: (params) => transforms.map((tr) => tr.init(params)),
    update: (updates, state, params) => {
      if (!Array.isArray(state) || state.length !== transforms.length) {
        throw new ChainruleError('BadArgument', `chain: the state must be an array of ${transforms.length} states, one per transformation`);
      }
      let u = updates;
      const next: unknown[] = [];
      transforms.forEach((tr, i) => {
        const r = tr.update(u, state[i], params);
        u = r.updates;
        next.push(r.state);
      });
      return { updates: u, state: next };
    },
  };
};

/**
 * The transformation that changes nothing and keeps no state.
 *
 * @example
 * const opt = chain(identity(), sgd({ learningRate: 0.1 }))
 */
export const identity = (): GradientTransformation<EmptyState> => ({
  init: () => ({}),
  update: (updates) => ({ updates, state: {} }),
});

/**
 * The dtype hyperparameter arithmetic (step counts, schedules, bias corrections) runs in.
 *
 * @example
 * scalar(0).dtype === HYPER_DTYPE // true
 */
export const HYPER_DTYPE: DType = 'float64';

/**
 * A float64 scalar tensor: the type of step counts and schedule values.
 *
 * @example
 * scalar(0.1).dtype // 'float64'
 */
export const scalar = (value: number): Tensor => tensor(value, { dtype: HYPER_DTYPE });

/**
 * The step as a float64 scalar tensor (numbers are wrapped).
 *
 * @example
 * asStep(3).dtype // 'float64'
 */
export const asStep = (step: Tensor | number): Tensor => (typeof step === 'number' ? scalar(step) : asDtype(step, HYPER_DTYPE));

/**
 * `x` in dtype `dtype`: itself when it already is, a cast otherwise.
 *
 * @example
 * asDtype(scalar(0.1), 'float32').dtype // 'float32'
 */
export const asDtype = (x: Tensor, dtype: DType): Tensor => (x.dtype === dtype ? x : cast(x, { dtype }));

/**
 * Zeros of each leaf's shape and dtype (works on tracers: only shapes are read).
 *
 * @example
 * zerosLike({ w: tensor([1, 2]) }) // { w: [0, 0] }
 */
export const zerosLike = <T>(tree: T): T => treeMap((x) => zeros(x.shape, x.dtype), tree);

/**
 * Evaluates a hyperparameter at a step: a number becomes a constant, a schedule is called.
 *
 * @example
 * valueAt(0.1, scalar(5)).item() // 0.1
 */
export const valueAt = (h: ScalarOrSchedule, step: Tensor): Tensor => (typeof h === 'number' ? scalar(h) : asStep(h(step)));
