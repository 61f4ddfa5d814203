// checkBackend: every op's conformance cases run on a backend and compared with the reference kernel, both dtypes, odd shapes included.

import fc from 'fast-check';
import type { Either } from 'fp-ts/lib/Either.js';
import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import { cast, kernelFor, opKind, runKernel, type Backend, type DType, type Op, type Registry, type Tensor, errorText } from '@chainrule/core';
import { declaredRuns, samplesOf, type OpCase, type OpSample } from './conformance.js';
import { describeTensor, sameNumber } from './flat.js';

/** Options of {@link checkBackend}. */
export interface CheckBackendOptions {
  /** Random cases per op and conformance entry (default 6). */
  readonly numRuns?: number;
  /** fast-check seed (default 7). */
  readonly seed?: number;
  /** Check only these ops (default: every op in the registry). */
  readonly ops?: readonly string[];
  /** Allowed error per dtype: |kernel − reference| ≤ atol + rtol·|reference| (float64 1e-12 relative; float32 1e-5 + 1e-4 relative). */
  readonly tolerance?: Partial<Record<DType, { readonly atol: number; readonly rtol: number }>>;
}

/** How one op fared on the backend. */
export interface BackendOpReport {
  readonly op: string;
  /** Whether the backend (or the plugin, for this backend) has a kernel of its own; otherwise the reference ran on both sides. */
  readonly ownKernel: boolean;
  readonly samples: number;
  /** The largest error relative to its tolerance (0 when every value matched exactly). */
  readonly worstRatio: number;
}

/** The report of a backend whose kernels all agree with the reference. */
export interface BackendCheckReport {
  readonly backend: string;
  readonly ops: readonly BackendOpReport[];
}

/** The first disagreement: op, case, dtype, where, and both values. */
export interface BackendMismatch {
  readonly _tag: 'BackendMismatch';
  readonly backend: string;
  readonly op: string;
  readonly case: string;
  readonly dtype: DType;
  readonly index: number;
  readonly expected: number;
  readonly actual: number;
  readonly message: string;
}

const defaultTolerance: Record<DType, { atol: number; rtol: number }> = {
  float64: { atol: 1e-12, rtol: 1e-12 },
  float32: { atol: 1e-5, rtol: 1e-4 },
};

// Sizes a SIMD kernel gets wrong first: 1, primes, and counts that are not multiples of 2, 4 or 8.
const oddDim = fc.constantFrom(1, 2, 3, 5, 7, 11, 13, 17);
const oddShape = fc.array(oddDim, { minLength: 0, maxLength: 3 });

/** Extra cases with odd sizes for the op kinds whose kernels loop over elements. */
const oddCases = (op: Op<any>): readonly OpCase[] => {
  const kind = opKind(op);
  if (kind === 'elementwise' && op.arity === 1) return [{ shapes: oddShape.map((s) => [s]), label: 'odd sizes' }];
  if (kind === 'broadcast' && op.arity === 2) {
    return [
      { shapes: oddShape.map((s) => [s, s]), label: 'odd sizes, same shape' },
      { shapes: oddShape.chain((s) => fc.constantFrom<readonly (readonly number[])[]>([s, s.slice(1)], [s, []], [s.map(() => 1), s])), label: 'odd sizes, broadcast' },
    ];
  }
  return [];
};

const errorRatio = (expected: number, actual: number, tol: { atol: number; rtol: number }): number => {
  if (sameNumber(expected, actual)) return 0;
  if (Number.isNaN(expected) || Number.isNaN(actual) || !Number.isFinite(expected) || !Number.isFinite(actual)) return Infinity;
  return Math.abs(expected - actual) / (tol.atol + tol.rtol * Math.abs(expected));
};

/**
 * Runs every op's conformance cases (and odd-sized extras for elementwise and broadcasting
 * ops) on `backend` and on the reference kernel (the plugin's `forward`), in float32 and
 * float64, and compares them element by element. Every backend must pass it.
 *
 * @example
 * const r = checkBackend(jsBackend, standardRegistry())
 * if (isLeft(r)) throw new Error(r.left.message)
 */
export const checkBackend = (backend: Backend, registry: Registry, options: CheckBackendOptions = {}): Either<BackendMismatch, BackendCheckReport> => {
  const tolerance = { ...defaultTolerance, ...options.tolerance };
  const wanted = options.ops === undefined ? undefined : new Set(options.ops);
  const reports: BackendOpReport[] = [];
  for (const op of registry.list()) {
    if (wanted !== undefined && !wanted.has(op.name)) continue;
    if (op.arity === 0) continue;
    let worstRatio = 0, count = 0;
    const runs = declaredRuns(op).map((r) => ({ ...r, cases: [...(r.cases ?? (op.arity === 1 ? [{ shapes: oddShape.map((s) => [s]), label: 'random shapes' }] : [])), ...oddCases(op)] }));
    for (const run of runs) {
      const samples = samplesOf(op, run);
      if (isLeft(samples)) continue;
      const drawn = fc.sample(samples.right, { numRuns: options.numRuns ?? 6, seed: options.seed ?? 7 });
      for (const s of drawn) {
        for (const dtype of ['float64', 'float32'] as const) {
          const r = compareOne(op, s, dtype, backend, tolerance[dtype]);
          if (isLeft(r)) return r;
          worstRatio = Math.max(worstRatio, r.right);
          count++;
        }
      }
    }
    reports.push({ op: op.name, ownKernel: kernelFor(op, backend) !== undefined, samples: count, worstRatio });
  }
  return right({ backend: backend.name, ops: reports });
};

const compareOne = (op: Op<any>, s: OpSample, dtype: DType, backend: Backend, tol: { atol: number; rtol: number }): Either<BackendMismatch, number> => {
  const ins: Tensor[] = s.inputs.map((x) => (x.dtype === dtype ? x : cast(x, { dtype })));
  const decoded = op.attrs.decode(s.attrs);
  if (isLeft(decoded)) return right(0);
  const out = op.infer(ins, decoded.right);
  if (isLeft(out)) return right(0);
  const where = `${s.label}: inputs [${ins.map(describeTensor).join('; ')}], attrs ${JSON.stringify(s.attrs)}`;
  const fail = (index: number, expected: number, actual: number, why: string): Either<BackendMismatch, number> =>
    left({
      _tag: 'BackendMismatch', backend: backend.name, op: op.name, case: where, dtype, index, expected, actual,
      message: `backend ${backend.name}: ${op.name} ${why} (${dtype}, ${where})`,
    });
  let want, got;
  try {
    want = op.forward(ins, decoded.right, out.right);
  } catch {
    return right(0); // the reference refuses these inputs (e.g. indices out of range): nothing to compare
  }
  try {
    got = runKernel(op, ins, decoded.right, out.right, backend);
  } catch (e) {
    return fail(-1, NaN, NaN, `threw ${errorText(e)} where the reference kernel did not`);
  }
  if (got.length !== want.length || (got instanceof Float64Array) !== (want instanceof Float64Array)) {
    return fail(-1, want.length, got.length, `returned ${got.length} ${got.constructor.name} values where the reference returns ${want.length} ${want.constructor.name}`);
  }
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const ratio = errorRatio(want[i], got[i], tol);
    if (ratio > 1) return fail(i, want[i], got[i], `element ${i} is ${got[i]} where the reference gives ${want[i]}`);
    worst = Math.max(worst, ratio);
  }
  return right(worst);
};
