// NaN anomaly mode: every op's output checked for NaN and infinities, forward and backward, eager and jitted.

import { ChainruleError } from './errors.js';
import type { FloatArray, Tensor } from './tensor.js';

/** Which rule made a node that autodiff added: the pass, and the forward op and node whose rule it was. */
export interface NodeOrigin {
  readonly pass: 'backward' | 'forward-mode';
  /** The op whose VJP (backward) or JVP (forward-mode) rule recorded the node; absent for the sums of cotangents. */
  readonly rule?: string;
  /** That op's node id in the same graph, when it is there. */
  readonly node?: number;
}

// The process-wide switch, like PyTorch's set_detect_anomaly: one flag, read once per op call.
let on = false;

/**
 * Turns NaN anomaly mode on or off for the whole process; returns the previous setting.
 * While on, every op's output is checked, and the first NaN or infinity throws a
 * `ChainruleError` with code `NonFinite` naming the op, the node, the pass, the input shapes
 * and which inputs were already non-finite. `jit`, `grad`, `evaluate` and the trainer also
 * take a `debugNans` option.
 *
 * @example
 * setDebugNans(true)
 * log(tensor([-1])) // throws NonFinite: core.log produced 1 NaN …
 */
export const setDebugNans = (value: boolean): boolean => {
  const previous = on;
  on = value === true;
  return previous;
};

/**
 * Whether NaN anomaly mode is on process-wide.
 *
 * @example
 * debugNans() // false
 */
export const debugNans = (): boolean => on;

/**
 * Runs `f` with NaN anomaly mode on (or off), restoring the previous setting afterwards.
 *
 * @example
 * withDebugNans(() => grad(loss)(params, batch))
 */
export const withDebugNans = <T>(f: () => T, value = true): T => {
  const previous = setDebugNans(value);
  try {
    return f();
  } finally {
    on = previous;
  }
};

/** Where a checked value came from. */
export interface CheckSite {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
  /** The node id when the op ran inside a graph. */
  readonly node?: number;
  readonly origin?: NodeOrigin;
}

const countNonFinite = (d: FloatArray): { nan: number; inf: number; first: number } => {
  let nan = 0, inf = 0, first = -1;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    // v − v is 0 for every finite v and NaN for NaN and ±∞: one compare per element.
    if (v - v === 0) continue;
    if (v !== v) nan++;
    else inf++;
    if (first < 0) first = i;
  }
  return { nan, inf, first };
};

const where = (s: CheckSite): string => {
  const node = s.node === undefined ? 'an eager call' : `node ${s.node}`;
  const o = s.origin;
  if (o === undefined) return `the forward pass (${node})`;
  const pass = o.pass === 'backward' ? 'the backward pass' : 'forward mode';
  const rule = o.rule === undefined ? 'summing cotangents that arrive along several paths' : `the ${o.pass === 'backward' ? 'VJP' : 'JVP'} rule of ${o.rule}${o.node === undefined ? '' : ` at node ${o.node}`}`;
  return `${pass} (${node}, made by ${rule})`;
};

/**
 * Throws a `NonFinite` ChainruleError if `data` holds a NaN or an infinity.
 * @internal
 */
export const checkFinite = (data: FloatArray, site: CheckSite): void => {
  const c = countNonFinite(data);
  if (c.first < 0) return;
  const inputs = site.inputs.map((x, k) => {
    if (x._data === undefined) return `input ${k} symbolic`;
    const ci = countNonFinite(x._data);
    return ci.first < 0 ? `input ${k} finite` : `input ${k} has ${ci.nan} NaN and ${ci.inf} infinite of ${x.size}`;
  });
  throw new ChainruleError(
    'NonFinite',
    `produced ${c.nan} NaN and ${c.inf} infinite values of ${data.length} (first at element ${c.first}: ${data[c.first]}) in ${where(site)}; ${inputs.join(', ') || 'no inputs'}`,
    { op: site.op, shapes: site.inputs.map((x) => x.shape), attrs: site.attrs },
  );
};
