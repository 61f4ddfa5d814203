// checkGrads: reverse and forward mode against central finite differences, to any order up to 3.

import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import {
  ChainruleError, Tensor, trace, vjp, jvp, interpreter, flatten, unflatten, treePaths, key, foldIn, normal, formatErrors,
  type DType, type PRNGKey, shapeText, errorText, positiveInt, nonNegativeInt } from '@chainrule/core';
import { toDtype, snapshot, firstChange, sameNumber, positionOf, concatData, splitLike, fmt } from './flat.js';

/** A differentiation mode: reverse (VJP) or forward (JVP). */
export type Mode = 'rev' | 'fwd';

/** How derivatives are compared with finite differences. */
export type Method = 'auto' | 'jacobian' | 'directions';

/** Options of {@link checkGrads}. */
export interface CheckGradsOptions {
  /** Derivative order to check, 1–3 (default 1). Order 2 checks the VJP and JVP of the VJP and of the JVP. */
  readonly order?: 1 | 2 | 3;
  /** Which modes to compare (default both; forward mode is skipped where an op has no JVP rule). */
  readonly modes?: readonly Mode[];
  /** Finite-difference step (default 1e-5 in float64, 1e-3 in float32). */
  readonly eps?: number;
  /** Absolute tolerance (default 1e-5 in float64, 1e-2 in float32). */
  readonly atol?: number;
  /** Relative tolerance (default 1e-4 in float64, 1e-2 in float32). */
  readonly rtol?: number;
  /** Seed of the random directions and cotangents (default 0). */
  readonly seed?: number;
  /** 'jacobian' (element by element), 'directions' (⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩) or 'auto' by size (default). */
  readonly method?: Method;
  /** With 'auto', the full Jacobian is used when inputs and outputs have at most this many elements (default 32). */
  readonly maxJacobianSize?: number;
  /** How many random directions the 'directions' method draws (default 3). */
  readonly directions?: number;
  /** Which arguments to differentiate (default all); the others are held fixed. */
  readonly argnums?: number | readonly number[];
  /** 'float64' (default) runs the check on float64 copies of the inputs; 'native' keeps their dtypes. */
  readonly precision?: 'float64' | 'native';
  /** Whether to run the extra checks: purity, backward twice, zero cotangents, output shapes (default true). */
  readonly extraChecks?: boolean;
}

/** A position in a flattened input or output: leaf index, its path, flat element index and multi-index. */
export interface Position {
  readonly index: number;
  readonly path: string;
  readonly element?: number;
  readonly position?: readonly number[];
}

/** Where a comparison was made. */
export interface Where {
  readonly input?: Position;
  readonly output?: Position;
  /** The random direction (for the 'directions' method). */
  readonly direction?: number;
}

/** One analytic value compared with its finite-difference estimate. */
export interface Comparison {
  readonly where: Where;
  readonly analytic: number;
  readonly numeric: number;
  readonly error: number;
  readonly tolerance: number;
}

/** A check that passed: its name, how it was done, how many values it compared and the worst one. */
export interface CheckResult {
  readonly check: string;
  readonly method: 'jacobian' | 'directions' | 'exact';
  readonly comparisons: number;
  readonly worst?: Comparison;
}

/** The report of a passing {@link checkGrads}. */
export interface GradCheckReport {
  readonly checks: readonly CheckResult[];
  /** Checks that could not run, and why (e.g. an op without a JVP rule). */
  readonly skipped: readonly string[];
  /** The comparison with the largest error relative to its tolerance, over all checks. */
  readonly worst?: Comparison & { readonly check: string };
  readonly order: number;
  readonly eps: number;
  readonly atol: number;
  readonly rtol: number;
}

/** What kind of problem a {@link GradCheckFailure} reports. */
export type FailureKind = 'mismatch' | 'threw' | 'mutated' | 'nondeterministic' | 'nonzero' | 'shapeChanged' | 'badOptions';

/**
 * Why {@link checkGrads} failed: which check (e.g. 'VJP', 'JVP', 'VJP of JVP', 'input mutation'),
 * where, the analytic and numeric values and the error; `message` says it all in one line.
 */
export interface GradCheckFailure {
  readonly _tag: 'GradCheckFailure';
  readonly kind: FailureKind;
  readonly check: string;
  readonly where?: Where;
  readonly analytic?: number;
  readonly numeric?: number;
  readonly error?: number;
  readonly tolerance?: number;
  readonly message: string;
}

const positive = t.refinement(t.number, (n) => Number.isFinite(n) && n > 0, 'a positive number');
const nonNegative = t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0, 'a non-negative number');

const optionsCodec = t.partial({
  order: t.union([t.literal(1), t.literal(2), t.literal(3)]),
  modes: t.readonlyArray(t.keyof({ rev: null, fwd: null })),
  eps: positive,
  atol: nonNegative,
  rtol: nonNegative,
  seed: t.refinement(t.number, Number.isInteger, 'an integer'),
  method: t.keyof({ auto: null, jacobian: null, directions: null }),
  maxJacobianSize: nonNegativeInt,
  directions: positiveInt,
  argnums: t.union([nonNegativeInt, t.readonlyArray(nonNegativeInt)]),
  precision: t.keyof({ float64: null, native: null }),
  extraChecks: t.boolean,
});

const DEFAULTS: Record<DType, { eps: number; atol: number; rtol: number }> = {
  float64: { eps: 1e-5, atol: 1e-5, rtol: 1e-4 },
  float32: { eps: 1e-3, atol: 1e-2, rtol: 1e-2 },
};

/** A function of flat tensor leaves to flat tensor leaves, with its base point and names. */
interface Fn {
  /** '' for the function under test, else which derivative this is ('VJP', 'JVP of VJP', …). */
  readonly label: string;
  readonly run: (xs: readonly Tensor[]) => Tensor[];
  readonly inputs: readonly Tensor[];
  readonly inNames: readonly string[];
  readonly outNames: readonly string[];
}

interface Ctx {
  readonly eps: number;
  readonly atol: number;
  readonly rtol: number;
  readonly method: Method;
  readonly maxJacobianSize: number;
  readonly directions: number;
  readonly modes: readonly Mode[];
  readonly extraChecks: boolean;
  readonly key: PRNGKey;
  /** Inputs held fixed (arguments not differentiated): they must not change either. */
  readonly fixed: readonly Tensor[];
  readonly fixedNames: readonly string[];
  // Per-call scratch state: a key counter, the stage being run, and what has passed so far.
  draws: number;
  stage: string;
  readonly checks: CheckResult[];
  readonly skipped: string[];
}

/** Thrown inside one checkGrads call to stop at the first failure; never escapes it. */
class Failed extends Error {
  constructor(readonly failure: GradCheckFailure) {
    super(failure.message);
  }
}

const failure = (kind: FailureKind, check: string, message: string, extra: Partial<GradCheckFailure> = {}): GradCheckFailure => ({
  _tag: 'GradCheckFailure',
  kind,
  check,
  ...extra,
  message: `${check}: ${message}`,
});

const describeWhere = (w: Where): string => {
  const parts: string[] = [];
  const pos = (kind: string, p: Position): string =>
    `${kind} ${p.index} (${p.path})${p.element === undefined ? '' : ` element ${p.element}${p.position && p.position.length ? ` at [${p.position.join(', ')}]` : ''}`}`;
  if (w.input) parts.push(pos('input', w.input));
  if (w.output) parts.push(pos('output', w.output));
  if (w.direction !== undefined) parts.push(`random direction ${w.direction}`);
  return parts.join(', ');
};


/** Name of the derivative of a function labelled `of` in a mode. */
const derivativeName = (mode: Mode, of: string): string => {
  const m = mode === 'rev' ? 'VJP' : 'JVP';
  return of === '' ? m : `${m} of ${of}`;
};

/** Name of an extra check on a (possibly derived) function. */
const extraName = (name: string, of: string): string => (of === '' ? name : `${name} (of the ${of})`);

const nextKey = (ctx: Ctx): PRNGKey => foldIn(ctx.key, ctx.draws++);

const randomLike = (ctx: Ctx, like: readonly Tensor[]): Tensor[] => like.map((x) => normal(nextKey(ctx), x.shape, { dtype: x.dtype }));

const zerosLike = (like: readonly Tensor[]): Tensor[] => splitLike(new Float64Array(like.reduce((n, x) => n + x.size, 0)), like);

/** Maps a flat index over several tensors to (leaf, element). */
const locate = (flat: number, xs: readonly { size: number; shape: readonly number[] }[], names: readonly string[]): Position => {
  let k = 0;
  while (k < xs.length - 1 && flat >= xs[k].size) flat -= xs[k++].size;
  return { index: k, path: names[k], element: flat, position: positionOf(flat, xs[k].shape) };
};

const pullbackOf = (F: Fn, a: readonly Tensor[]): Tensor[] => {
  const n = F.inputs.length;
  const [, pullback] = vjp((...xs: Tensor[]) => F.run(xs), ...a.slice(0, n));
  return pullback(a.slice(n)) as Tensor[];
};

const tangentOf = (F: Fn, a: readonly Tensor[]): Tensor[] => {
  const n = F.inputs.length;
  return jvp((...xs: Tensor[]) => F.run(xs), a.slice(0, n), a.slice(n))[1];
};

type Runner = (feeds: readonly Tensor[]) => Tensor[];

const compile = (fn: (...xs: Tensor[]) => Tensor[], specs: readonly Tensor[]): Runner => interpreter.compile(trace(fn, ...specs));

/** Keeps the comparison with the largest error/tolerance ratio. */
interface Tracker {
  count: number;
  ratio: number;
  worst: Comparison | undefined;
}

const tracker = (): Tracker => ({ count: 0, ratio: -1, worst: undefined });

const compare = (ctx: Ctx, tr: Tracker, where: Where, analytic: number, numeric: number, scale: number): void => {
  const error = Math.abs(analytic - numeric);
  const tolerance = ctx.atol + ctx.rtol * scale;
  let ratio: number;
  if (sameNumber(analytic, numeric)) ratio = 0;
  else if (error <= tolerance) ratio = tolerance > 0 ? error / tolerance : 0;
  else ratio = Number.isFinite(error) && tolerance > 0 ? Math.max(error / tolerance, 1 + 1e-9) : Infinity; // NaN lands here too
  tr.count++;
  if (ratio > tr.ratio) {
    tr.ratio = ratio;
    tr.worst = { where, analytic, numeric, error, tolerance };
  }
};

const finish = (ctx: Ctx, check: string, method: 'jacobian' | 'directions', tr: Tracker): void => {
  const w = tr.worst;
  if (w !== undefined && tr.ratio > 1) {
    throw new Failed(
      failure(
        'mismatch',
        check,
        `analytic ${fmt(w.analytic)} vs numeric ${fmt(w.numeric)} at ${describeWhere(w.where)}: error ${fmt(w.error)} > tolerance ${fmt(w.tolerance)} (method ${method}, eps ${ctx.eps})`,
        { where: w.where, analytic: w.analytic, numeric: w.numeric, error: w.error, tolerance: w.tolerance },
      ),
    );
  }
  ctx.checks.push({ check, method, comparisons: tr.count, ...(w === undefined ? {} : { worst: w }) });
};

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

const norm = (a: Float64Array): number => Math.sqrt(dot(a, a));

/** Central difference of F's flat output along a flat input direction. */
const centralDifference = (ctx: Ctx, runF: Runner, F: Fn, x: Float64Array, dir: Float64Array): Float64Array => {
  const xp = new Float64Array(x.length), xm = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    xp[i] = x[i] + ctx.eps * dir[i];
    xm[i] = x[i] - ctx.eps * dir[i];
  }
  const yp = concatData(runF(splitLike(xp, F.inputs)));
  const ym = concatData(runF(splitLike(xm, F.inputs)));
  const d = new Float64Array(yp.length);
  for (let i = 0; i < d.length; i++) d[i] = (yp[i] - ym[i]) / (2 * ctx.eps);
  return d;
};

/** Throws a 'mutated' failure when a watched tensor no longer matches its snapshot. */
const assertUnchanged = (check: string, who: string, watched: readonly Tensor[], names: readonly string[], snap: readonly Float64Array[]): void => {
  const c = firstChange(watched, snap);
  if (c === undefined) return;
  const where: Where = { input: { index: c.tensor, path: names[c.tensor], element: c.index, position: positionOf(c.index, watched[c.tensor].shape) } };
  throw new Failed(
    failure('mutated', check, `${who} wrote into ${describeWhere(where)}: was ${fmt(c.before)}, now ${fmt(c.after)}`, {
      where,
      analytic: c.after,
      numeric: c.before,
    }),
  );
};

/** Purity, determinism, zero cotangents and output shapes of one function and its derivatives. */
const extraChecks = (ctx: Ctx, F: Fn, base: readonly Tensor[], runF: Runner, runRev: Runner | undefined, runFwd: Runner | undefined): void => {
  const u = randomLike(ctx, base);
  const v = randomLike(ctx, F.inputs);
  const watched = [...F.inputs, ...ctx.fixed, ...u, ...v];
  const names = [...F.inNames, ...ctx.fixedNames, ...F.outNames.map((n) => `cotangent of ${n}`), ...F.inNames.map((n) => `tangent of ${n}`)];
  const snap = snapshot(watched);
  const purity = (who: string): void => assertUnchanged(extraName('input mutation', F.label), who, watched, names, snap);
  ctx.stage = F.label || 'forward';
  runF(F.inputs);
  purity(F.label === '' ? 'the function' : `the ${F.label}`);
  let rev1: Tensor[] | undefined;
  if (runRev !== undefined) {
    ctx.stage = derivativeName('rev', F.label);
    rev1 = runRev([...F.inputs, ...u]);
    purity(`the ${derivativeName('rev', F.label)} (pullback)`);
  }
  if (runFwd !== undefined) {
    ctx.stage = derivativeName('fwd', F.label);
    runFwd([...F.inputs, ...v]);
    purity(`the ${derivativeName('fwd', F.label)}`);
  }
  ctx.checks.push({ check: extraName('input mutation', F.label), method: 'exact', comparisons: watched.length });

  if (runRev !== undefined && rev1 !== undefined) {
    const check = extraName('backward twice', F.label);
    ctx.stage = check;
    const again = [runRev([...F.inputs, ...u])];
    // A freshly traced backward pass as well: catches rules that keep state between calls.
    if (F.label === '') again.push(pullbackOf(F, [...F.inputs, ...u]));
    const a = concatData(rev1);
    for (const run of again) {
      const b = concatData(run);
      for (let i = 0; i < a.length; i++) {
        if (!sameNumber(a[i], b[i])) {
          const where: Where = { input: locate(i, F.inputs, F.inNames) };
          throw new Failed(
            failure('nondeterministic', check, `running backward again with the same cotangent gave ${fmt(b[i])} instead of ${fmt(a[i])} at ${describeWhere(where)}`, {
              where,
              analytic: b[i],
              numeric: a[i],
            }),
          );
        }
      }
    }
    ctx.checks.push({ check, method: 'exact', comparisons: a.length * again.length });
  }

  const zeroCheck = (name: string, run: Runner, feeds: Tensor[], outs: readonly Tensor[], outNames: readonly string[]): void => {
    const check = extraName(name, F.label);
    ctx.stage = check;
    const r = concatData(run(feeds));
    for (let i = 0; i < r.length; i++) {
      if (r[i] !== 0) {
        const where: Where = { output: locate(i, outs, outNames) };
        throw new Failed(failure('nonzero', check, `gave ${fmt(r[i])} instead of 0 at ${describeWhere(where)}`, { where, analytic: r[i], numeric: 0 }));
      }
    }
    ctx.checks.push({ check, method: 'exact', comparisons: r.length });
  };
  if (runRev !== undefined) zeroCheck('zero cotangent', runRev, [...F.inputs, ...zerosLike(base)], F.inputs, F.inNames.map((n) => `gradient of ${n}`));
  if (runFwd !== undefined) zeroCheck('zero tangent', runFwd, [...F.inputs, ...zerosLike(F.inputs)], base, F.outNames.map((n) => `tangent of ${n}`));

  // Eagerly, not through the traced graph, so shapes may really depend on the values.
  const check = extraName('output shape', F.label);
  ctx.stage = check;
  const x = concatData(F.inputs), dir = concatData(v);
  for (const sign of [1, -1]) {
    const moved = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) moved[i] = x[i] + sign * ctx.eps * dir[i];
    const outs = F.run(splitLike(moved, F.inputs));
    const same = outs.length === base.length && outs.every((y, k) => y.dtype === base[k].dtype && y.shape.length === base[k].shape.length && y.shape.every((d, j) => d === base[k].shape[j]));
    if (!same) {
      const show = (ys: readonly Tensor[]): string => ys.map((y) => `${y.dtype}${shapeText(y.shape)}`).join(', ');
      throw new Failed(failure('shapeChanged', check, `outputs ${show(base)} became ${show(outs)} when the inputs moved by ${sign > 0 ? '+' : '−'}eps along a random direction`));
    }
  }
  ctx.checks.push({ check, method: 'exact', comparisons: 2 * base.length });
};

const chooseMethod = (ctx: Ctx, n: number, m: number): 'jacobian' | 'directions' =>
  ctx.method === 'auto' ? (n <= ctx.maxJacobianSize && m <= ctx.maxJacobianSize ? 'jacobian' : 'directions') : ctx.method;

/** Compares F's VJP and JVP with finite differences; returns its base outputs and the modes that ran. */
const firstOrder = (ctx: Ctx, F: Fn): { base: Tensor[]; modes: Mode[] } => {
  const revName = derivativeName('rev', F.label);
  const fwdName = derivativeName('fwd', F.label);
  ctx.stage = F.label || 'forward';
  const runF = compile((...xs) => F.run(xs), F.inputs);
  const watched = [...F.inputs, ...ctx.fixed];
  const before = snapshot(watched);
  const base = runF(F.inputs);
  if (ctx.extraChecks) assertUnchanged(extraName('input mutation', F.label), F.label === '' ? 'the function' : `the ${F.label}`, watched, [...F.inNames, ...ctx.fixedNames], before);
  let runRev: Runner | undefined;
  let runFwd: Runner | undefined;
  if (ctx.modes.includes('rev')) {
    ctx.stage = revName;
    runRev = compile((...a) => pullbackOf(F, a), [...F.inputs, ...base]);
  }
  if (ctx.modes.includes('fwd')) {
    ctx.stage = fwdName;
    try {
      runFwd = compile((...a) => tangentOf(F, a), [...F.inputs, ...F.inputs]);
    } catch (e) {
      if (!(e instanceof ChainruleError && e.code === 'MissingRule')) throw e;
      ctx.skipped.push(`${fwdName}: ${e.message}`);
    }
  }
  if (ctx.extraChecks) extraChecks(ctx, F, base, runF, runRev, runFwd);

  const N = F.inputs.reduce((n, x) => n + x.size, 0);
  const M = base.reduce((n, y) => n + y.size, 0);
  const x = concatData(F.inputs);
  const method = chooseMethod(ctx, N, M);
  if (method === 'jacobian') {
    ctx.stage = `${F.label || 'forward'} (finite differences)`;
    const J = new Float64Array(M * N); // row-major: J[r·N + c] = ∂out_r/∂in_c
    const e = new Float64Array(N);
    for (let c = 0; c < N; c++) {
      e[c] = 1;
      const col = centralDifference(ctx, runF, F, x, e);
      e[c] = 0;
      for (let r = 0; r < M; r++) J[r * N + c] = col[r];
    }
    if (runRev !== undefined) {
      ctx.stage = revName;
      const tr = tracker();
      const er = new Float64Array(M);
      for (let r = 0; r < M; r++) {
        er[r] = 1;
        const row = concatData(runRev([...F.inputs, ...splitLike(er, base)]));
        er[r] = 0;
        const output = locate(r, base, F.outNames);
        for (let c = 0; c < N; c++) {
          const a = row[c], n = J[r * N + c];
          compare(ctx, tr, { input: locate(c, F.inputs, F.inNames), output }, a, n, Math.max(Math.abs(a), Math.abs(n)));
        }
      }
      finish(ctx, revName, 'jacobian', tr);
    }
    if (runFwd !== undefined) {
      ctx.stage = fwdName;
      const tr = tracker();
      const ec = new Float64Array(N);
      for (let c = 0; c < N; c++) {
        ec[c] = 1;
        const col = concatData(runFwd([...F.inputs, ...splitLike(ec, F.inputs)]));
        ec[c] = 0;
        const input = locate(c, F.inputs, F.inNames);
        for (let r = 0; r < M; r++) {
          const a = col[r], n = J[r * N + c];
          compare(ctx, tr, { input, output: locate(r, base, F.outNames) }, a, n, Math.max(Math.abs(a), Math.abs(n)));
        }
      }
      finish(ctx, fwdName, 'jacobian', tr);
    }
  } else {
    const trRev = tracker(), trFwd = tracker();
    for (let k = 0; k < ctx.directions; k++) {
      ctx.stage = `${F.label || 'forward'} (finite differences)`;
      const vs = randomLike(ctx, F.inputs), us = randomLike(ctx, base);
      const v = concatData(vs), u = concatData(us);
      const Jv = centralDifference(ctx, runF, F, x, v);
      if (runRev !== undefined) {
        ctx.stage = revName;
        const g = concatData(runRev([...F.inputs, ...us]));
        const a = dot(g, v), n = dot(u, Jv);
        const scale = Math.max(Math.abs(a), Math.abs(n), norm(u) * norm(Jv));
        const before = trRev.ratio;
        compare(ctx, trRev, { direction: k }, a, n, scale);
        if (trRev.ratio > 1 && trRev.ratio > before) localize(ctx, trRev, runF, F, x, v, u, g, k);
      }
      if (runFwd !== undefined) {
        ctx.stage = fwdName;
        const tv = concatData(runFwd([...F.inputs, ...vs]));
        for (let r = 0; r < M; r++) {
          compare(ctx, trFwd, { output: locate(r, base, F.outNames), direction: k }, tv[r], Jv[r], Math.max(Math.abs(tv[r]), Math.abs(Jv[r])));
        }
      }
    }
    if (runRev !== undefined) finish(ctx, revName, 'directions', trRev);
    if (runFwd !== undefined) finish(ctx, fwdName, 'directions', trFwd);
  }
  const modes: Mode[] = [];
  if (runRev !== undefined) modes.push('rev');
  if (runFwd !== undefined) modes.push('fwd');
  return { base, modes };
};

/** Narrows a failing random direction down to the input leaf whose part of ⟨Jᵀu, v⟩ is most wrong. */
const localize = (ctx: Ctx, tr: Tracker, runF: Runner, F: Fn, x: Float64Array, v: Float64Array, u: Float64Array, g: Float64Array, k: number): void => {
  let best: Comparison | undefined;
  let offset = 0;
  F.inputs.forEach((leaf, i) => {
    const vi = new Float64Array(v.length);
    vi.set(v.subarray(offset, offset + leaf.size), offset);
    const a = dot(g, vi), n = dot(u, centralDifference(ctx, runF, F, x, vi));
    const error = Math.abs(a - n);
    if (best === undefined || !(error <= best.error)) {
      best = { where: { input: { index: i, path: F.inNames[i] }, direction: k }, analytic: a, numeric: n, error, tolerance: tr.worst!.tolerance };
    }
    offset += leaf.size;
  });
  if (best !== undefined) tr.worst = best;
};

/** The VJP or JVP of F as a function of (primals, cotangents) or (primals, tangents). */
const derive = (ctx: Ctx, F: Fn, mode: Mode, base: readonly Tensor[]): Fn => {
  const label = derivativeName(mode, F.label);
  if (mode === 'rev') {
    return {
      label,
      run: (a) => pullbackOf(F, a),
      inputs: [...F.inputs, ...randomLike(ctx, base)],
      inNames: [...F.inNames, ...F.outNames.map((n) => `cotangent of ${n}`)],
      outNames: F.inNames.map((n) => `gradient of ${n}`),
    };
  }
  return {
    label,
    run: (a) => tangentOf(F, a),
    inputs: [...F.inputs, ...randomLike(ctx, F.inputs)],
    inNames: [...F.inNames, ...F.inNames.map((n) => `tangent of ${n}`)],
    outNames: F.outNames.map((n) => `tangent of ${n}`),
  };
};

const checkOrder = (ctx: Ctx, F: Fn, order: number): void => {
  const { base, modes } = firstOrder(ctx, F);
  if (order <= 1) return;
  for (const mode of modes) checkOrder(ctx, derive(ctx, F, mode, base), order - 1);
};

const toLeafTensor = (x: unknown, dtype: DType): Tensor => (x instanceof Tensor ? x : toDtype(x, dtype));

/**
 * Checks the derivatives of `f` at `args` against central finite differences computed in
 * float64: reverse mode (VJP) and forward mode (JVP, where the ops have rules), to `order`
 * 1–3. Small inputs are compared element by element over the full Jacobian, large ones along
 * random directions through ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩. The same call checks that no input is
 * written, that backward run twice agrees, that a zero cotangent gives zero gradients and
 * that outputs keep their shapes and dtypes when the inputs move.
 *
 * @example
 * const r = checkGrads((x, w) => sum(sigmoid(matmul(x, w))), [x, w], { order: 2 })
 * if (isLeft(r)) console.log(r.left.message) // 'VJP: analytic … vs numeric … at input 1 (args[1]) element 3 …'
 */
export const checkGrads = (
  f: (...args: any[]) => unknown,
  args: readonly unknown[],
  options: CheckGradsOptions = {},
): Either<GradCheckFailure, GradCheckReport> => {
  const decoded = optionsCodec.decode(options);
  if (isLeft(decoded)) return left(failure('badOptions', 'options', formatErrors(decoded.left)));
  if (typeof f !== 'function') return left(failure('badOptions', 'options', `f: expected a function, got ${typeof f}`));
  if (!Array.isArray(args)) return left(failure('badOptions', 'options', `args: expected an array of arguments, got ${typeof args}`));
  const o = decoded.right;
  const argnums = o.argnums === undefined ? args.map((_, i) => i) : typeof o.argnums === 'number' ? [o.argnums] : [...o.argnums];
  for (const a of argnums) {
    if (a >= args.length) return left(failure('badOptions', 'options', `argnums: ${a} is out of range for ${args.length} arguments`));
  }
  let leaves: unknown[];
  let def: ReturnType<typeof flatten>[1];
  try {
    [leaves, def] = flatten(args);
  } catch (e) {
    return left(failure('badOptions', 'options', `args: ${errorText(e)}`));
  }
  const firstDtype = leaves.find((l): l is Tensor => l instanceof Tensor)?.dtype ?? 'float32';
  const native = o.precision === 'native';
  const dtype: DType = native ? firstDtype : 'float64';
  const defaults = DEFAULTS[dtype];
  // args is an array, so its structure is one child per argument: each leaf's path and owning argument.
  const perArg = def.kind === 'array' ? def.children.map((d, i) => treePaths(d, `args[${i}]`)) : [];
  const paths = perArg.flat();
  const owner = perArg.flatMap((ps, i) => ps.map(() => i));
  // Copies (casts always copy), so the caller's tensors are never handed to f.
  const values = leaves.map((l) => toDtype(l, native && l instanceof Tensor ? l.dtype : dtype));
  const wrt = values.map((_, i) => i).filter((i) => argnums.includes(owner[i]));
  const fixedIdx = values.map((_, i) => i).filter((i) => !argnums.includes(owner[i]));
  if (wrt.length === 0) return left(failure('badOptions', 'options', `argnums: the arguments [${argnums.join(', ')}] hold no tensor to differentiate`));
  const run = (xs: readonly Tensor[]): Tensor[] => {
    const all: unknown[] = values.slice();
    wrt.forEach((li, k) => (all[li] = xs[k]));
    const out = f(...unflatten<unknown[]>(def, all));
    return flatten(out)[0].map((y) => toLeafTensor(y, dtype));
  };
  const ctx: Ctx = {
    eps: o.eps ?? defaults.eps,
    atol: o.atol ?? defaults.atol,
    rtol: o.rtol ?? defaults.rtol,
    method: o.method ?? 'auto',
    maxJacobianSize: o.maxJacobianSize ?? 32,
    directions: o.directions ?? 3,
    modes: o.modes ?? ['rev', 'fwd'],
    extraChecks: o.extraChecks ?? true,
    key: key(o.seed ?? 0),
    fixed: fixedIdx.map((i) => values[i]),
    fixedNames: fixedIdx.map((i) => paths[i]),
    draws: 0,
    stage: 'forward',
    checks: [],
    skipped: [],
  };
  const order = o.order ?? 1;
  try {
    const before = snapshot(values);
    const out = f(...unflatten<unknown[]>(def, values));
    if (ctx.extraChecks) assertUnchanged('input mutation', 'the function', values, paths, before);
    const F: Fn = { label: '', run, inputs: wrt.map((i) => values[i]), inNames: wrt.map((i) => paths[i]), outNames: treePaths(flatten(out)[1], 'out') };
    checkOrder(ctx, F, order);
  } catch (e) {
    if (e instanceof Failed) return left(e.failure);
    return left(failure('threw', ctx.stage, `threw ${e instanceof Error ? e.name : 'a value'}: ${errorText(e)}`));
  }
  let worst: (Comparison & { check: string }) | undefined;
  for (const c of ctx.checks) {
    if (c.worst !== undefined && (worst === undefined || c.worst.error / Math.max(c.worst.tolerance, 1e-300) > worst.error / Math.max(worst.tolerance, 1e-300))) {
      worst = { ...c.worst, check: c.check };
    }
  }
  return right({
    checks: ctx.checks,
    skipped: ctx.skipped,
    ...(worst === undefined ? {} : { worst }),
    order,
    eps: ctx.eps,
    atol: ctx.atol,
    rtol: ctx.rtol,
  });
};

/**
 * {@link checkGrads} for tests: returns the report, or throws an Error whose message is the
 * failure's report.
 *
 * @example
 * it('sigmoid has correct second derivatives', () => {
 *   assertGrads((x) => sigmoid(x), [tensor([0.5, -1])], { order: 2 })
 * })
 */
export const assertGrads = (f: (...args: any[]) => unknown, args: readonly unknown[], options: CheckGradsOptions = {}): GradCheckReport => {
  const r = checkGrads(f, args, options);
  if (isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
