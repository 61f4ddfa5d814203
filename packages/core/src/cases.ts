// Conformance cases as data: the inputs and attrs an op's plugin declares for the gradient kit and cross-backend checks.

import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * One input of a conformance case: a shape (random values from the op's domain), a shape
 * with its own value range, or a fixed tensor (held constant, not differentiated: indices).
 */
export type ConformanceInput = Shape | Tensor | ConformanceRange;

/** An input of a shape with values drawn from its own range. */
export interface ConformanceRange {
  readonly shape: Shape;
  readonly min?: number;
  readonly max?: number;
  /** Points the values keep `margin` away from (kinks, poles). */
  readonly avoid?: readonly number[];
  readonly margin?: number;
  /** Hold this input fixed: not differentiated (default false). */
  readonly fixed?: boolean;
}

/** One family of inputs and attrs an op is checked on. */
export interface ConformanceCase {
  /** One spec per input. */
  readonly inputs?: readonly ConformanceInput[];
  /**
   * Instead of `inputs`: `true` for random broadcast-compatible shapes for every input (rank ≤ 3,
   * dims ≤ 3), checked once more with each operand in turn always broadcast; `'batch'` for a
   * batched matmul, each operand's batch axes broadcast in turn.
   */
  readonly broadcast?: boolean | 'batch';
  /** The attrs to call the op with (default `{}`). */
  readonly attrs?: object;
  /** Which inputs to differentiate (default: all but fixed ones). */
  readonly wrt?: readonly number[];
  /**
   * Draw all values of the case pairwise at least this far apart: for ops with kinks on
   * ties (max, min, maxPool, maximum).
   */
  readonly distinct?: number;
  /** A name shown in reports. */
  readonly label?: string;
}

/**
 * What a plugin declares for the conformance kit (`checkOpPlugin`) and the cross-backend
 * check (`checkBackend`); several entries run the kit once each (e.g. other tolerances).
 *
 * @example
 * defineOp({ ..., conformance: { cases: [{ inputs: [[2, 3], [3]] }], badAttrs: [{ axis: 'x' }] } })
 */
export interface Conformance {
  readonly cases?: readonly ConformanceCase[];
  /** Attrs the op must reject by throwing a ChainruleError. */
  readonly badAttrs?: readonly unknown[];
  /** How many random cases (the kit's default when absent). */
  readonly numRuns?: number;
  /** Finite-difference step and tolerances, when the defaults do not suit (float32 casts). */
  readonly grad?: { readonly eps?: number; readonly atol?: number; readonly rtol?: number };
}
