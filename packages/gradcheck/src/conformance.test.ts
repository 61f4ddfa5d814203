// Tests of checkOpPlugin itself: what a conforming op reports, and each check failing for the reason it names.

import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { right, isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import { Registry, add, allocate, defineOp, inferSame, mul, noAttrs, tensor, type Op } from '@chainrule/core';
import { assertOpPlugin, checkOpPlugin, type OpCheckFailure, type OpCheckReport } from './conformance.js';

const failureOf = (r: Either<OpCheckFailure, OpCheckReport>): OpCheckFailure => {
  if (isRight(r)) throw new Error(`expected a failure, got a report with checks ${r.right.checks.join(', ')}`);
  return r.left;
};

const finite = t.refinement(t.number, Number.isFinite, 'finite number');

/** k·x³ with hand-written rules: a small op that should pass every check. */
const cube: Op<{ k?: number }> = defineOp({
  name: 'test.cube',
  attrs: t.partial({ k: finite }),
  arity: 1,
  infer: inferSame,
  forward: ([x], { k = 1 }, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = k * d[i] * d[i] * d[i];
    return o;
  },
  // ∂(k·x³) = g·3k·x²
  vjp: ({ inputs: [x], cotangent: g, attrs: { k = 1 } }) => [mul(g, mul(mul(x, x), 3 * k))],
  jvp: ({ inputs: [x], tangents: [tx], attrs: { k = 1 } }) => (tx === null ? null : mul(tx, mul(mul(x, x), 3 * k))),
});

/** Copies one kernel into variants with a single field changed. */
const variant = <A>(op: Op<A>, name: string, patch: Partial<Parameters<typeof defineOp<A>>[0]>): Op<A> =>
  defineOp<A>({
    name,
    attrs: op.attrs,
    arity: op.arity,
    infer: op.infer,
    forward: op.forward,
    vjp: op.vjp,
    ...(op.jvp === undefined ? {} : { jvp: op.jvp }),
    ...patch,
  });

describe('checkOpPlugin on a conforming op', () => {
  it('runs every check and reports them', () => {
    const r = checkOpPlugin(cube, { badAttrs: [{ k: 'three' }, { k: Infinity }], numRuns: 10 });
    expect(isRight(r)).toBe(true);
    const report = (r as { right: OpCheckReport }).right;
    for (const c of ['inference', 'purity', 'VJP', 'JVP', 'VJP of VJP', 'JVP of JVP', 'JSON round trip', 'bad attrs']) expect(report.checks).toContain(c);
    expect(report).toMatchObject({ op: 'test.cube', numRuns: 10, skipped: [] });
    expect(report.worst!.error).toBeLessThanOrEqual(report.worst!.tolerance);
  });

  it('takes attrs and shapes from cases, with an assert form', () => {
    expect(assertOpPlugin(cube, { cases: [{ inputs: [[2, 3]], attrs: { k: -2 } }], numRuns: 5 }).checks).toContain('VJP');
  });

  it('checks only first order for an op declared not smooth, and says so', () => {
    const kinked = variant(cube, 'test.cubeKinked', { smooth: false });
    const r = checkOpPlugin(kinked, { numRuns: 5 });
    expect(r).toEqual(right(expect.objectContaining({ skipped: expect.arrayContaining(['second order: the op is declared not smooth']) })));
    expect(isRight(r) && r.right.checks.includes('VJP of VJP')).toBe(false);
  });
});

describe('checkOpPlugin reports what each case exercised', () => {
  it('lists per case its runs and checks, every case run at least once', () => {
    const r = assertOpPlugin(mul, { cases: [{ inputs: [[2, 3], [2, 3]], label: 'same shapes' }, { broadcast: true, label: 'b' }], numRuns: 4 });
    expect(r.cases.map((c) => c.label)).toEqual(['same shapes', 'b', 'b: operand 0 broadcast', 'b: operand 1 broadcast']);
    for (const c of r.cases) {
      expect(c.runs).toBe(1);
      expect(c.checks).toEqual(expect.arrayContaining(['inference', 'purity', 'VJP', 'JVP', "JVP with only input 0's tangent", "JVP with only input 1's tangent", 'JSON round trip']));
    }
    expect(r.numRuns).toBe(4);
  });

  it('says an input reached every region between its avoided points', () => {
    const kinked = variant(cube, 'test.cubeWithKinks', { smooth: false, domains: [{ min: -2, max: 2, avoid: [-1, 1] }] });
    const r = assertOpPlugin(kinked, { cases: [{ inputs: [[4]], label: 'four' }, { inputs: [[2]], label: 'two' }], numRuns: 4 });
    const four = r.cases.find((c) => c.label === 'four')!;
    expect(four.checks).toContain('input 0 in every region (3, split at -1, 1)');
    // Two elements cannot fill three regions: said, not hidden.
    const two = r.cases.find((c) => c.label === 'two')!;
    expect(two.skipped.some((x) => /input 0 reached [12] of 3 regions \(too few elements\)/.test(x))).toBe(true);
  });
});

describe('checkOpPlugin failures', () => {
  it('demands a case for an op that is not unary', () => {
    const two = variant(cube, 'test.two', { arity: 2 });
    const f = failureOf(checkOpPlugin(two));
    expect(f.check).toBe('cases');
    expect(f.message).toContain('no conformance case for test.two');
  });

  it('reports bad attrs that are accepted', () => {
    const f = failureOf(checkOpPlugin(cube, { badAttrs: [{ k: 2 }], numRuns: 3 }));
    expect(f).toMatchObject({ check: 'bad attrs' });
    expect(f.message).toContain('attrs {"k":2} were accepted');
  });

  it('reports a kernel that returns the wrong number of values, with a shrunk counterexample', () => {
    const short = variant(cube, 'test.shortKernel', {
      forward: ([x], _, out) => allocate(out.dtype, Math.max(0, x.size - 1)),
    });
    const f = failureOf(checkOpPlugin(short, { numRuns: 10 }));
    expect(f.check).toBe('inference');
    expect(f.message).toMatch(/forward returned \d+ values but infer says float32\[/);
    // Any input of one element or more fails; the minimal one has exactly one.
    expect(f.sample!.inputs[0].size).toBe(1);
    expect(f.message).toContain('shrunk counterexample');
  });

  it('reports a kernel that ignores the dtype', () => {
    const wide = variant(cube, 'test.alwaysFloat64', { forward: ([x]) => Float64Array.from(x.data) });
    expect(failureOf(checkOpPlugin(wide, { numRuns: 5 })).message).toContain('forward returned Float64Array for a float32 output');
  });

  it('reports attrs that do not survive JSON', () => {
    // Encodes k as a string that its own decoder refuses.
    const lossy = new t.Type<number, string, unknown>('lossy', (u): u is number => typeof u === 'number', (u, c) => (typeof u === 'number' ? t.success(u) : t.failure(u, c)), (n) => String(n));
    const op = variant(cube as Op<{ k?: number }>, 'test.lossyAttrs', { attrs: t.partial({ k: lossy }) });
    const f = failureOf(checkOpPlugin(op, { cases: [{ inputs: [[2]], attrs: { k: 2 } }], numRuns: 3 }));
    expect(f.check).toBe('JSON round trip');
    expect(f.message).toContain('decodeGraph rejected the encoded graph');
  });

  it('reports a registry that does not hold the op', () => {
    const f = failureOf(checkOpPlugin(cube, { registry: Registry.empty(), numRuns: 3 }));
    expect(f.check).toBe('JSON round trip');
    expect(f.message).toContain("unknown op 'test.cube'");
  });

  it('reports a case whose attrs do not decode', () => {
    const f = failureOf(checkOpPlugin(cube, { cases: [{ inputs: [[2]], attrs: { k: 'x' } }], numRuns: 3 }));
    expect(f.check).toBe('case');
    expect(f.message).toContain('k: expected finite number');
  });

  it('names the check for a wrong VJP of a binary op drawn from the cases', () => {
    const badMul = defineOp<{}>({
      name: 'test.badMul',
      attrs: noAttrs,
      arity: 2,
      infer: add.infer,
      forward: mul.forward,
      // Wrong: swaps the factors.
      vjp: ({ inputs: [a, b], cotangent: g }) => [mul(g, a), mul(g, b)],
    });
    const f = failureOf(checkOpPlugin(badMul, { cases: [{ inputs: [[2], [2]] }], numRuns: 10 }));
    expect(f).toMatchObject({ check: 'VJP', gradFailure: { kind: 'mismatch' } });
    const [a, b] = f.sample!.inputs.map((x) => Array.from(x.data));
    const { input, output } = f.gradFailure!.where!;
    // ∂(a·b)/∂a = b and ∂/∂b = a; the wrong rule gives the other factor.
    const i = output!.element!;
    const [want, got] = input!.index === 0 ? [b[i], a[i]] : [a[i], b[i]];
    expect(f.gradFailure!.numeric!).toBeCloseTo(input!.element === i ? want : 0, 6);
    expect(f.gradFailure!.analytic!).toBeCloseTo(input!.element === i ? got : 0, 6);
    expect(isLeft(checkOpPlugin(badMul, { cases: [{ inputs: [[2], tensor([1, 1], { dtype: 'float64' })] }], numRuns: 5 }))).toBe(true);
  });
});

describe('the kernel-layer checks', () => {
  /** The identity that hands back its input's own buffer. */
  const identityForward = ([x]: readonly import('@chainrule/core').Tensor[]) => x.data;
  const rules = { attrs: noAttrs, arity: 1, infer: inferSame, forward: identityForward, vjp: ({ cotangent }: { cotangent: import('@chainrule/core').Tensor }) => [cotangent] } as const;

  it('catches a forward that returns its input buffer without declaring aliases', () => {
    const sneaky = defineOp({ name: 'test.sneakyIdentity', ...rules });
    const f = failureOf(checkOpPlugin(sneaky, { numRuns: 3 }));
    expect(f.check).toBe('aliasing');
    expect(f.message).toMatch(/input 0's own buffer.*aliases: true/);
  });

  it('accepts the same forward once the op declares aliases: true', () => {
    const honest = defineOp({ name: 'test.honestIdentity', aliases: true, ...rules });
    expect(isRight(checkOpPlugin(honest, { numRuns: 3 }))).toBe(true);
  });

  it('runs the cases a plugin declares when the caller gives none', () => {
    const pairOp = defineOp({
      name: 'test.addDeclared',
      attrs: noAttrs,
      arity: 2,
      kind: 'broadcast',
      infer: add.infer,
      forward: add.forward,
      vjp: add.vjp,
      conformance: { cases: [{ inputs: [[2, 3], [3]], label: 'declared bias case' }] },
    });
    const r = checkOpPlugin(pairOp, { numRuns: 3 });
    expect(isRight(r)).toBe(true);
    const noCases = defineOp({ name: 'test.addUndeclared', attrs: noAttrs, arity: 2, infer: add.infer, forward: add.forward, vjp: add.vjp });
    expect(failureOf(checkOpPlugin(noCases, { numRuns: 3 })).message).toMatch(/no conformance case for test.addUndeclared/);
  });

  it('draws distinct values for a case that asks for them', () => {
    const seen: number[][] = [];
    const spy = defineOp({
      name: 'test.maxSpy',
      attrs: noAttrs,
      arity: 2,
      infer: add.infer,
      forward: (ins, attrs, out) => {
        seen.push([...ins[0].data, ...ins[1].data]);
        return add.forward(ins, attrs, out);
      },
      vjp: add.vjp,
      conformance: { cases: [{ inputs: [[2, 3], [2, 3]], distinct: 0.25 }] },
    });
    expect(isRight(checkOpPlugin(spy, { numRuns: 3 }))).toBe(true);
    for (const vals of seen.slice(0, 3)) {
      const sorted = [...vals].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(0.25 - 1e-6);
    }
  });
});
