// checkOpPlugin: the conformance kit an op author runs in one vitest call.

import fc from 'fast-check';
import type { Either } from 'fp-ts/lib/Either.js';
import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import {
  ChainruleError, Registry, Tensor, tensor, cast, decodeGraph, encodeGraph, evaluate, formatErrors, jvp, key, foldIn, normal, sizeOf, trace, vjp,
  type DType, type Domain, type Op, type Shape, type Conformance, type ConformanceCase, type ConformanceRange, shapeText } from '@chainrule/core';
import { checkGrads, type CheckGradsOptions, type Comparison, type GradCheckFailure } from './check-grads.js';
import { broadcastShapes as broadcastShapesArb, matmulShapes, regions, regionsHit, shape as shapeArb, tensorArb, valueRange, type ValueRange } from './arb.js';
import { describeTensor, firstChange, positionOf, sameNumber, snapshot } from './flat.js';

/**
 * How one input of a conformance case is made: what a plugin may declare
 * (`ConformanceInput`: a shape, a shape with its own value range, a fixed tensor), or,
 * in a test, any arbitrary of tensors or a shape drawn by an arbitrary.
 */
export type InputSpec = Shape | Tensor | fc.Arbitrary<Tensor> | (Omit<ConformanceRange, 'shape'> & { readonly shape: Shape | fc.Arbitrary<Shape> });

/**
 * One family of inputs and attrs to check an op on: a case a plugin declares
 * ({@link ConformanceCase}), or in a test one with arbitraries for its inputs, its shapes
 * (`shapes`, e.g. `arb.broadcastShapes()`) or its attrs.
 */
export interface OpCase extends Omit<ConformanceCase, 'inputs' | 'attrs'> {
  readonly inputs?: readonly InputSpec[];
  readonly shapes?: fc.Arbitrary<readonly Shape[]>;
  readonly attrs?: object | fc.Arbitrary<object>;
}

/** Options of {@link checkOpPlugin}. */
export interface CheckOpPluginOptions {
  /** The cases to draw from. Unary ops default to random shapes; other ops need cases (or `arbitrary`). */
  readonly cases?: readonly OpCase[];
  /** Full control: an arbitrary of inputs, attrs and which inputs to differentiate. */
  readonly arbitrary?: fc.Arbitrary<{ readonly inputs: readonly Tensor[]; readonly attrs?: object; readonly wrt?: readonly number[] }>;
  /** Attrs the op must reject by throwing a ChainruleError. */
  readonly badAttrs?: readonly unknown[];
  /** Registry for the JSON round trip (default: one holding just this op). */
  readonly registry?: Registry;
  /** How many random cases (default 20), shared out over the cases: each case runs at least once. */
  readonly numRuns?: number;
  /** fast-check seed (default 42). */
  readonly seed?: number;
  /** Derivative order (default 2 for smooth ops, 1 for ops declared `smooth: false`). */
  readonly order?: 1 | 2 | 3;
  /** Finite-difference settings passed to {@link checkGrads}. */
  readonly grad?: Pick<CheckGradsOptions, 'eps' | 'atol' | 'rtol' | 'method' | 'maxJacobianSize' | 'directions'>;
  /** Shapes for the default unary case (default rank ≤ 3, dims ≤ 3). */
  readonly shape?: { readonly maxRank?: number; readonly maxDim?: number };
}

/** One drawn case: the inputs (float64), attrs and which inputs are differentiated. */
export interface OpSample {
  readonly label: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: object;
  readonly wrt: readonly number[];
  /** The value range each input was drawn from, where the kit drew it (for the region check). */
  readonly ranges?: readonly (ValueRange | undefined)[];
}

/** Which checks the runs of one case exercised. */
export interface OpCaseReport {
  readonly label: string;
  /** How many of the random runs drew this case. */
  readonly runs: number;
  /** Every check that ran and passed on at least one run of the case. */
  readonly checks: readonly string[];
  readonly skipped: readonly string[];
}

/** The report of a conforming op. */
export interface OpCheckReport {
  readonly op: string;
  /** Runs made in all: numRuns shared out over the cases, at least one each. */
  readonly numRuns: number;
  /** The checks that ran (inference, VJP, JVP of VJP, JSON round trip, purity, bad attrs, …). */
  readonly checks: readonly string[];
  readonly skipped: readonly string[];
  /** Per case (by label): how often it was drawn and the checks it exercised. */
  readonly cases: readonly OpCaseReport[];
  /** The gradient comparison closest to its tolerance over all runs. */
  readonly worst?: Comparison & { readonly check: string };
}

/** Why an op does not conform: which check, the shrunk counterexample, and the check's own report. */
export interface OpCheckFailure {
  readonly _tag: 'OpCheckFailure';
  readonly op: string;
  readonly check: string;
  /** The shrunk counterexample, as text (absent for failures not tied to one case). */
  readonly counterexample?: string;
  readonly sample?: OpSample;
  /** The gradient check's failure, for VJP/JVP problems. */
  readonly gradFailure?: GradCheckFailure;
  readonly seed?: number;
  readonly numShrinks?: number;
  readonly message: string;
}

interface SampleFailure {
  readonly check: string;
  readonly message: string;
  readonly gradFailure?: GradCheckFailure;
}

interface SampleReport {
  readonly checks: string[];
  readonly skipped: string[];
  readonly worst?: Comparison & { readonly check: string };
}

const describeSample = (s: OpSample): string =>
  `${s.label}: inputs [${s.inputs.map(describeTensor).join('; ')}], attrs ${JSON.stringify(s.attrs)}${s.wrt.length === s.inputs.length ? '' : `, differentiating inputs [${s.wrt.join(', ')}]`}`;

/** A sample with float64 inputs (fixed tensors included, so dtypes agree) that prints itself in counterexamples. */
const makeSample = (s: OpSample): OpSample => {
  const sample = { ...s, inputs: s.inputs.map((x) => (x.dtype === 'float64' ? x : cast(x, { dtype: 'float64' }))) };
  const text = describeSample(sample);
  return Object.assign(sample, { toString: () => text, [fc.toStringMethod]: () => text });
};

const isTensorArbitrary = (x: unknown): x is fc.Arbitrary<Tensor> => x instanceof fc.Arbitrary;

type Drawn = { readonly t: Tensor; readonly fixed: boolean; readonly range?: ValueRange };

const inputArbitrary = (spec: InputSpec, domain: Domain | undefined, where: string): fc.Arbitrary<Drawn> => {
  if (spec instanceof Tensor) return fc.constant({ t: spec, fixed: true });
  if (isTensorArbitrary(spec)) return spec.map((t) => ({ t, fixed: false }));
  // Drawn values cover every region of a piecewise op: both sides of each avoided point.
  if (Array.isArray(spec)) {
    const range = valueRange(domain, where);
    return tensorArb({ shape: spec as Shape, ...range, cover: true }).map((t) => ({ t, fixed: false, range }));
  }
  const s = spec as Exclude<InputSpec, Shape | Tensor | fc.Arbitrary<Tensor>>;
  const range = valueRange({ ...domain, ...s }, where);
  return tensorArb({ shape: s.shape, ...range, cover: true }).map((t) => ({ t, fixed: s.fixed === true, range }));
};

const caseArbitrary = (op: Op<any>, c: OpCase, index: number): fc.Arbitrary<OpSample> => {
  const label = c.label ?? `case ${index}`;
  const where = (k: number): string => `${op.name} ${label} input ${k}`;
  let inputs: fc.Arbitrary<Drawn[]>;
  const shapes = c.shapes ?? (c.broadcast === true ? broadcastShapesArb({ maxRank: 3, maxDim: 3, count: arityOf(op) }) : undefined);
  if (shapes !== undefined) {
    inputs = shapes.chain((ss) => fc.tuple(...ss.map((s, k) => inputArbitrary([...s], op.domains?.[k], where(k)))));
  } else if (c.inputs !== undefined) {
    inputs = fc.tuple(...c.inputs.map((s, k) => inputArbitrary(s, op.domains?.[k], where(k))));
  } else {
    throw new ChainruleError('BadArgument', `checkOpPlugin(${op.name}): ${label} needs inputs or shapes`);
  }
  const attrs: fc.Arbitrary<object> = c.attrs instanceof fc.Arbitrary ? c.attrs : fc.constant(c.attrs ?? {});
  return fc.tuple(inputs, attrs).map(([drawn, a]) => {
    const ins = c.distinct === undefined ? drawn : spreadApart(drawn, c.distinct);
    return makeSample({
      label,
      inputs: ins.map((x) => x.t),
      attrs: a,
      wrt: c.wrt !== undefined ? [...c.wrt] : ins.map((x, k) => (x.fixed ? -1 : k)).filter((k) => k >= 0),
      // Values spread apart for ties no longer come from the drawn ranges.
      ranges: c.distinct === undefined ? drawn.map((x) => x.range) : undefined,
    });
  });
};

const arityOf = (op: Op<any>): number => (op.arity === 'variadic' ? 2 : op.arity);

/**
 * The drawn inputs with their non-fixed values replaced by an evenly spaced grid in the same
 * order: every pair of values at least `spacing` apart, so no ties (the kinks of max, min,
 * maxPool and maximum) while the ordering stays random.
 */
const spreadApart = (ins: readonly { t: Tensor; fixed: boolean }[], spacing: number): { t: Tensor; fixed: boolean }[] => {
  const all: { v: number; k: number; i: number }[] = [];
  ins.forEach((x, k) => {
    if (!x.fixed) x.t.data.forEach((v, i) => all.push({ v, k, i }));
  });
  all.sort((a, b) => a.v - b.v || a.k - b.k || a.i - b.i);
  const vals = ins.map((x) => Float64Array.from(x.t.data));
  all.forEach((e, rank) => (vals[e.k][e.i] = (rank - (all.length - 1) / 2) * spacing));
  return ins.map((x, k) => (x.fixed ? x : { t: tensor(vals[k], { shape: [...x.t.shape], dtype: 'float64' }), fixed: false }));
};

/**
 * The cases a `broadcast` case stands for: `true` gives random broadcast shapes plus one case
 * per operand with that operand always broadcast; `'batch'` one case per operand of a batched
 * matmul with that operand's batch axes broadcast.
 */
const expandBroadcast = (op: Op<any>, c: OpCase, index: number): OpCase[] => {
  const label = c.label ?? `case ${index}`;
  const { broadcast, ...rest } = c;
  if (broadcast === 'batch') return ([0, 1] as const).map((k) => ({ ...rest, shapes: matmulShapes({ broadcast: k }), label: `${label}: batch axes of operand ${k} broadcast` }));
  if (broadcast !== true || c.shapes !== undefined) return [{ ...c, label }];
  const n = arityOf(op);
  return [
    { ...c, label },
    ...Array.from({ length: n }, (_, k) => ({ ...rest, shapes: broadcastShapesArb({ count: n, maxRank: 3, maxDim: 3, broadcast: k }), label: `${label}: operand ${k} broadcast` })),
  ];
};

/** @internal The samples a run of the kit draws from, one arbitrary per case (every case runs). */
export const caseSamples = (op: Op<any>, o: CheckOpPluginOptions): Either<string, fc.Arbitrary<OpSample>[]> => {
  if (o.arbitrary !== undefined) {
    return right([
      o.arbitrary.map((s) =>
        makeSample({ label: 'arbitrary', inputs: [...s.inputs], attrs: s.attrs ?? {}, wrt: s.wrt !== undefined ? [...s.wrt] : s.inputs.map((_, k) => k) }),
      ),
    ]);
  }
  const cases = (o.cases ?? (op.arity === 1 ? [{ inputs: [{ shape: shapeArb({ maxRank: o.shape?.maxRank ?? 3, maxDim: o.shape?.maxDim ?? 3 }) }], label: 'default unary case' }] : [])).flatMap(
    (c, i) => expandBroadcast(op, c, i),
  );
  if (cases.length === 0) {
    return left(`no conformance case for ${op.name}: it takes ${op.arity === 'variadic' ? 'a variable number of' : op.arity} inputs, so give options.cases (input shapes and attrs) or options.arbitrary`);
  }
  return right(cases.map((c, i) => caseArbitrary(op, c, i)));
};

/** @internal The samples of all cases as one arbitrary (checkBackend draws from it). */
export const samplesOf = (op: Op<any>, o: CheckOpPluginOptions): Either<string, fc.Arbitrary<OpSample>> => {
  const all = caseSamples(op, o);
  return isLeft(all) ? all : right(fc.oneof(...all.right));
};

const castAll = (xs: readonly Tensor[], dtype: DType): Tensor[] => xs.map((x) => cast(x, { dtype }));

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Shape inference against the forward kernel, in both dtypes. */
const checkInference = (op: Op<any>, s: OpSample, attrs: unknown): SampleFailure | undefined => {
  for (const dtype of ['float32', 'float64'] as const) {
    const ins = castAll(s.inputs, dtype);
    const inferred = op.infer(ins, attrs);
    if (isLeft(inferred)) return { check: 'inference', message: `infer rejected the case's ${dtype} inputs: ${inferred.left.message}` };
    const out = inferred.right;
    const size = sizeOf(out.shape);
    const data = op.forward(ins, attrs, out);
    const want = out.dtype === 'float64' ? Float64Array : Float32Array;
    if (!(data instanceof want)) {
      return { check: 'inference', message: `forward returned ${data?.constructor?.name ?? typeof data} for a ${out.dtype} output of shape ${shapeText(out.shape)} (expected ${want.name})` };
    }
    if (data.length !== size) {
      return { check: 'inference', message: `forward returned ${data.length} values but infer says ${dtype}${shapeText(out.shape)} (${size} values)` };
    }
    const shared = ins.findIndex((x) => x.data === data);
    if (shared >= 0 && op.aliases !== true) {
      return { check: 'aliasing', message: `forward returned input ${shared}'s own buffer; an op may do that only when it declares \`aliases: true\` (otherwise return a fresh array)` };
    }
    const g = trace((...xs: Tensor[]) => op(...xs, s.attrs), ...ins);
    const node = g.nodes[g.outputs[0]];
    if (node.dtype !== out.dtype || node.shape.length !== out.shape.length || node.shape.some((d, i) => d !== out.shape[i])) {
      return { check: 'inference', message: `traced node is ${node.dtype}${shapeText(node.shape)} but infer says ${out.dtype}${shapeText(out.shape)}` };
    }
  }
  return undefined;
};

/** Inputs, cotangents and tangents are never written by the forward kernel, the VJP or the JVP (float32). */
const checkPurity = (op: Op<any>, s: OpSample, seed: number): SampleFailure | undefined => {
  const ins = castAll(s.inputs, 'float32');
  const f = (...xs: Tensor[]): Tensor => op(...xs, s.attrs);
  const k = key(seed);
  const snap = snapshot(ins);
  const changed = (who: string, extra: readonly Tensor[] = [], extraSnap: readonly Float64Array[] = []): SampleFailure | undefined => {
    const all = [...ins, ...extra];
    const c = firstChange(all, [...snap, ...extraSnap]);
    if (c === undefined) return undefined;
    const name = c.tensor < ins.length ? `input ${c.tensor}` : `its ${who === 'the VJP' ? 'cotangent' : 'tangent'}`;
    const at = positionOf(c.index, all[c.tensor].shape);
    return { check: 'purity', message: `${who} wrote into ${name} at element ${c.index}${at.length ? ` [${at.join(', ')}]` : ''}: was ${c.before}, now ${c.after} (float32 inputs)` };
  };
  // A throw is blamed on the stage that threw, not on purity.
  const attempt = <T>(check: string, run: () => T): T | SampleFailure => {
    try {
      return run();
    } catch (e) {
      return { check, message: `threw ${errorText(e)}` };
    }
  };
  const isFailure = (x: unknown): x is SampleFailure => typeof x === 'object' && x !== null && 'check' in x && 'message' in x;
  const y = attempt('forward', () => f(...ins));
  if (isFailure(y)) return y;
  const afterForward = changed('the forward kernel');
  if (afterForward !== undefined) return afterForward;
  if (op.differentiable === false) return undefined;
  const ct = normal(foldIn(k, 1), y.shape, { dtype: y.dtype });
  const ctSnap = snapshot([ct]);
  const pulled = attempt('VJP', () => vjp(f, ...ins)[1](ct));
  if (isFailure(pulled)) return pulled;
  const afterVjp = changed('the VJP', [ct], ctSnap);
  if (afterVjp !== undefined) return afterVjp;
  if (op.jvp !== undefined) {
    const tans = ins.map((x, i) => normal(foldIn(k, 2 + i), x.shape, { dtype: x.dtype }));
    const tanSnap = snapshot(tans);
    const pushed = attempt('JVP', () => jvp(f, ins, tans));
    if (isFailure(pushed)) return pushed;
    return changed('the JVP', tans, tanSnap);
  }
  return undefined;
};

/** A graph holding the op survives JSON: decodes against the registry, re-encodes identically, computes the same. */
const checkRoundTrip = (op: Op<any>, s: OpSample, registry: Registry): SampleFailure | undefined => {
  const g = trace((...xs: Tensor[]) => op(...xs, s.attrs), ...s.inputs);
  const json = JSON.stringify(encodeGraph(g));
  const decoded = decodeGraph(json, registry);
  if (isLeft(decoded)) return { check: 'JSON round trip', message: `decodeGraph rejected the encoded graph: ${decoded.left.message}\n  JSON: ${json.slice(0, 400)}` };
  const again = JSON.stringify(encodeGraph(decoded.right));
  if (again !== json) return { check: 'JSON round trip', message: `re-encoding the decoded graph changed it:\n  before: ${json.slice(0, 300)}\n  after:  ${again.slice(0, 300)}` };
  const a = evaluate(g, [...s.inputs]), b = evaluate(decoded.right, [...s.inputs]);
  for (let k = 0; k < a.length; k++) {
    const x = a[k].data, y = b[k].data;
    for (let i = 0; i < x.length; i++) {
      if (!sameNumber(x[i], y[i])) return { check: 'JSON round trip', message: `the decoded graph computes ${y[i]} instead of ${x[i]} at output ${k} element ${i}` };
    }
  }
  return undefined;
};

const checkSample = (op: Op<any>, s: OpSample, o: CheckOpPluginOptions, registry: Registry): Either<SampleFailure, SampleReport> => {
  const decoded = op.attrs.decode(s.attrs);
  if (isLeft(decoded)) return left({ check: 'case', message: `the case's attrs do not decode: ${formatErrors(decoded.left)}` });
  const checks: string[] = [];
  const skipped: string[] = [];
  let worst: (Comparison & { check: string }) | undefined;
  const stage = (name: string, run: () => SampleFailure | undefined): SampleFailure | undefined => {
    try {
      const r = run();
      if (r === undefined) checks.push(name);
      return r;
    } catch (e) {
      return { check: name, message: `threw ${errorText(e)}` };
    }
  };
  const inference = stage('inference', () => checkInference(op, s, decoded.right));
  if (inference) return left(inference);
  const purity = stage('purity', () => checkPurity(op, s, o.seed ?? 42));
  if (purity) return left(purity);
  if (op.differentiable === false) skipped.push('gradients: the op is declared not differentiable');
  else if (s.wrt.length === 0) skipped.push('gradients: the case differentiates no input');
  else {
    const order = o.order ?? (op.smooth === false ? 1 : 2);
    if (op.smooth === false && o.order === undefined) skipped.push('second order: the op is declared not smooth');
    if (op.jvp === undefined) skipped.push('JVP: the op has no jvp rule');
    // Inputs not differentiated stay fixed, in float64 like the rest so dtypes agree.
    const fixed = castAll(s.inputs, 'float64');
    const f = (...xs: Tensor[]): Tensor => {
      const all = fixed.slice();
      s.wrt.forEach((i, k) => (all[i] = xs[k]));
      return op(...all, s.attrs);
    };
    const r = checkGrads(f, s.wrt.map((i) => s.inputs[i]), { ...o.grad, order, modes: op.jvp === undefined ? ['rev'] : ['rev', 'fwd'], seed: o.seed ?? 42 });
    if (isLeft(r)) return left({ check: r.left.check, message: r.left.message, gradFailure: r.left });
    for (const c of r.right.checks) checks.push(c.check);
    for (const sk of r.right.skipped) skipped.push(sk);
    worst = r.right.worst;
    // Forward mode with one input's tangent at a time: the rule sees the others as symbolic zeros (null).
    if (op.jvp !== undefined && s.wrt.length > 1) {
      for (const i of s.wrt) {
        const alone = (x: Tensor): Tensor => {
          const all = fixed.slice();
          all[i] = x;
          return op(...all, s.attrs);
        };
        const name = `JVP with only input ${i}'s tangent`;
        const ri = checkGrads(alone, [s.inputs[i]], { ...o.grad, order: 1, modes: ['fwd'], extraChecks: false, seed: o.seed ?? 42 });
        if (isLeft(ri)) return left({ check: name, message: `${name} (the other inputs' tangents are symbolic zeros): ${ri.left.message}`, gradFailure: ri.left });
        checks.push(name);
        if (ri.right.worst !== undefined && (worst === undefined || ri.right.worst.error / ri.right.worst.tolerance > worst.error / worst.tolerance)) worst = { ...ri.right.worst, check: name };
      }
    }
  }
  // Piecewise ops: say whether the values reached every region between the avoided points.
  s.ranges?.forEach((range, k) => {
    if (range === undefined || !s.wrt.includes(k)) return;
    const total = regions(range).length;
    if (total < 2) return;
    const hit = regionsHit(s.inputs[k], range);
    if (hit === total) checks.push(`input ${k} in every region (${total}, split at ${range.avoid.join(', ')})`);
    else skipped.push(`input ${k} reached ${hit} of ${total} regions (too few elements)`);
  });
  const roundTrip = stage('JSON round trip', () => checkRoundTrip(op, s, registry));
  if (roundTrip) return left(roundTrip);
  return right({ checks, skipped, ...(worst === undefined ? {} : { worst }) });
};

const checkBadAttrs = (op: Op<any>, sample: OpSample, bad: readonly unknown[]): SampleFailure | undefined => {
  for (const attrs of bad) {
    try {
      op(...sample.inputs, attrs as object);
    } catch (e) {
      if (e instanceof ChainruleError) continue;
      return { check: 'bad attrs', message: `attrs ${JSON.stringify(attrs)} threw ${errorText(e)} instead of a ChainruleError` };
    }
    return { check: 'bad attrs', message: `attrs ${JSON.stringify(attrs)} were accepted; they should throw a ChainruleError (inputs ${sample.inputs.map(describeTensor).join('; ')})` };
  }
  return undefined;
};

const opFailure = (op: Op<any>, f: SampleFailure, extra: Partial<OpCheckFailure> = {}): OpCheckFailure => {
  const ce = extra.counterexample === undefined ? '' : `\n  shrunk counterexample (seed ${extra.seed}, ${extra.numShrinks} shrinks): ${extra.counterexample}`;
  return {
    _tag: 'OpCheckFailure',
    op: op.name,
    check: f.check,
    ...(f.gradFailure === undefined ? {} : { gradFailure: f.gradFailure }),
    ...extra,
    message: `checkOpPlugin(${op.name}) failed the ${f.check} check${ce}\n  ${f.message}`,
  };
};

/**
 * The conformance kit for an op plugin, for one call in a vitest file. Over random cases it
 * checks: shape inference against the forward kernel (both dtypes), purity (no input,
 * cotangent or tangent is written), the VJP (and JVP) against finite differences with
 * {@link checkGrads} — second order too unless the op is declared `smooth: false` — the JVP
 * once more per input with only that input's tangent (the others symbolic zeros), and a
 * JSON round trip of a graph holding the op. Inputs drawn from a domain with avoided points
 * hold values in every region between them (both sides of a kink, inside and outside a
 * clamp); a `broadcast` case adds a case per operand with that operand broadcast. Once, that
 * every `badAttrs` example throws a ChainruleError. The report lists, per case, the checks
 * it exercised. A failure names the check and carries fast-check's shrunk counterexample.
 *
 * @example
 * it('swish conforms', () => {
 *   const r = checkOpPlugin(swish, { badAttrs: [{ beta: 'big' }] })
 *   expect(r).toEqual(right(expect.anything()))
 * })
 * checkOpPlugin(add, { cases: [{ broadcast: true }] })     // random, then operand 0 broadcast, then operand 1
 * checkOpPlugin(matmul, { cases: [{ inputs: [[2, 3], [3, 4]] }, { broadcast: 'batch' }] })
 * checkOpPlugin(gather, { cases: [{ inputs: [[4, 2], tensor([0, 3, 1])], attrs: { axis: 0 } }] })
 */
export const checkOpPlugin = (op: Op<any>, options: CheckOpPluginOptions = {}): Either<OpCheckFailure, OpCheckReport> => {
  const runs = declaredRuns(op, options);
  const reports: OpCheckReport[] = [];
  for (const run of runs) {
    const r = checkOne(op, run);
    if (isLeft(r)) return r;
    reports.push(r.right);
  }
  if (reports.length === 1) return right(reports[0]);
  const worst = reports.reduce<OpCheckReport['worst']>((w, r) => (r.worst !== undefined && (w === undefined || r.worst.error / r.worst.tolerance > w.error / w.tolerance) ? r.worst : w), undefined);
  return right({
    op: op.name,
    numRuns: reports.reduce((n, r) => n + r.numRuns, 0),
    checks: [...new Set(reports.flatMap((r) => r.checks))],
    skipped: [...new Set(reports.flatMap((r) => r.skipped))],
    cases: reports.flatMap((r) => r.cases),
    ...(worst === undefined ? {} : { worst }),
  });
};

/**
 * The kit's runs for an op: the caller's cases when it gives any, else one run per entry the
 * plugin declares in `conformance` (the caller's other options applied to each).
 *
 * @example
 * declaredRuns(add, {}) // [{ cases: [{ broadcast: true, … }] }]
 */
export const declaredRuns = (op: Op<any>, options: CheckOpPluginOptions = {}): readonly CheckOpPluginOptions[] => {
  if (options.cases !== undefined || options.arbitrary !== undefined || op.conformance === undefined) return [options];
  const declared = Array.isArray(op.conformance) ? op.conformance : [op.conformance as Conformance];
  return declared.map((c) => ({
    ...options,
    ...(c.cases === undefined ? {} : { cases: c.cases }),
    // What the plugin declares for itself wins over the caller's general defaults.
    ...(c.badAttrs === undefined ? {} : { badAttrs: c.badAttrs }),
    ...(c.numRuns === undefined ? {} : { numRuns: c.numRuns }),
    ...(c.grad === undefined ? {} : { grad: { ...c.grad, ...options.grad } }),
  }));
};

const checkOne = (op: Op<any>, options: CheckOpPluginOptions): Either<OpCheckFailure, OpCheckReport> => {
  const noCase = (message: string): Either<OpCheckFailure, OpCheckReport> => left(opFailure(op, { check: 'cases', message }));
  let samples: Either<string, fc.Arbitrary<OpSample>[]>;
  try {
    samples = caseSamples(op, options);
  } catch (e) {
    return noCase(errorText(e));
  }
  if (isLeft(samples)) return noCase(samples.left);
  let registry = options.registry;
  if (registry === undefined) {
    const r = Registry.empty().with(op);
    if (isLeft(r)) return noCase(r.left.message);
    registry = r.right;
  }
  const numRuns = options.numRuns ?? 20;
  const seed = options.seed ?? 42;
  if (!(Number.isInteger(numRuns) && numRuns > 0)) return noCase(`options.numRuns: expected a positive integer, got ${numRuns}`);
  if (!Number.isInteger(seed)) return noCase(`options.seed: expected an integer, got ${seed}`);
  const checks = new Set<string>();
  const skipped = new Set<string>();
  const perCase = new Map<string, { runs: number; checks: Set<string>; skipped: Set<string> }>();
  let worst: (Comparison & { check: string }) | undefined;
  const reg = registry;
  // The runs are shared out over the cases, each case getting at least one.
  const perCaseRuns = Math.max(1, Math.ceil(numRuns / samples.right.length));
  for (const arbitrary of samples.right) {
    const details = fc.check(
      fc.property(arbitrary, (s) => {
        const r = checkSample(op, s, options, reg);
        if (isLeft(r)) throw new Error(r.left.message);
        const c = perCase.get(s.label) ?? { runs: 0, checks: new Set<string>(), skipped: new Set<string>() };
        perCase.set(s.label, c);
        c.runs++;
        r.right.checks.forEach((x) => (checks.add(x), c.checks.add(x)));
        r.right.skipped.forEach((x) => (skipped.add(x), c.skipped.add(x)));
        const w = r.right.worst;
        if (w !== undefined && (worst === undefined || w.error / w.tolerance > worst.error / worst.tolerance)) worst = w;
      }),
      { numRuns: perCaseRuns, seed },
    );
    if (details.failed) {
      const extra = { seed: details.seed, numShrinks: details.numShrinks };
      if (details.counterexample === null) {
        return left(opFailure(op, { check: 'cases', message: details.interrupted ? 'the run was interrupted' : 'no valid case could be generated' }, extra));
      }
      const sample = details.counterexample[0];
      // The checks are deterministic: rerun the shrunk case to get its structured failure.
      const again = checkSample(op, sample, options, reg);
      const f: SampleFailure = isLeft(again) ? again.left : { check: 'unknown', message: errorText(details.errorInstance) };
      return left(opFailure(op, f, { ...extra, counterexample: describeSample(sample), sample }));
    }
  }
  if (options.badAttrs !== undefined && options.badAttrs.length > 0) {
    const [first] = fc.sample(samples.right[0], { seed, numRuns: 1 });
    const bad = checkBadAttrs(op, first, options.badAttrs);
    if (bad !== undefined) return left(opFailure(op, bad));
    checks.add('bad attrs');
  }
  const cases = [...perCase].map(([label, c]) => ({ label, runs: c.runs, checks: [...c.checks], skipped: [...c.skipped] }));
  const runs = cases.reduce((n, c) => n + c.runs, 0);
  return right({ op: op.name, numRuns: runs, checks: [...checks], skipped: [...skipped], cases, ...(worst === undefined ? {} : { worst }) });
};

/**
 * {@link checkOpPlugin} for tests: returns the report or throws an Error with the failure's
 * message (check, shrunk counterexample, values).
 *
 * @example
 * it('swish conforms', () => { assertOpPlugin(swish, { badAttrs: [{ beta: 'big' }] }) })
 */
export const assertOpPlugin = (op: Op<any>, options: CheckOpPluginOptions = {}): OpCheckReport => {
  const r = checkOpPlugin(op, options);
  if (isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
