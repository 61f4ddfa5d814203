// Tests of checkGrads: correct functions pass at every order, and each kind of wrong rule is reported where it is.

import { describe, expect, it } from 'vitest';
import { isLeft, isRight, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import {
  add, allocate, defineOp, exp, inferSame, log, matmul, mul, noAttrs, sigmoid, stopGradient, sub, sum, tensor, type Tensor,
} from '@chainrule/core';
import { assertGrads, checkGrads, type GradCheckFailure, type GradCheckReport } from './check-grads.js';

const σ = (v: number): number => 1 / (1 + Math.exp(-v));

const failureOf = (r: Either<GradCheckFailure, GradCheckReport>): GradCheckFailure => {
  if (isRight(r)) throw new Error(`expected a failure, got a report with checks ${r.right.checks.map((c) => c.check).join(', ')}`);
  return r.left;
};

const reportOf = (r: Either<GradCheckFailure, GradCheckReport>): GradCheckReport => {
  if (isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

/** An elementwise op from a kernel and rules, for building deliberately wrong plugins. */
const elementwise = (
  name: string,
  kernel: (v: number) => number,
  rules: Pick<Parameters<typeof defineOp<{}>>[0], 'vjp' | 'jvp' | 'smooth'>,
) =>
  defineOp<{}>({
    name,
    attrs: noAttrs,
    arity: 1,
    infer: inferSame,
    forward: ([x], _, out) => {
      const d = x.data, o = allocate(out.dtype, d.length);
      for (let i = 0; i < d.length; i++) o[i] = kernel(d[i]);
      return o;
    },
    ...rules,
  });

const goodSigmoidRule = (s: Tensor, g: Tensor): Tensor => mul(g, mul(s, sub(1, s)));

describe('checkGrads on correct functions', () => {
  it('passes a pytree-argument network at order 2 and names every check', () => {
    const params = { w: tensor([[0.5, -1], [0.25, 2], [1, -0.5]]), b: tensor([0.1, -0.2]) };
    const x = tensor([[1, 2, -1], [0.5, -0.5, 0.25]]);
    const f = (p: typeof params, xs: Tensor) => sum(sigmoid(add(matmul(xs, p.w), p.b)));
    const r = reportOf(checkGrads(f, [params, x], { order: 2 }));
    const names = r.checks.map((c) => c.check);
    for (const n of ['VJP', 'JVP', 'VJP of VJP', 'JVP of VJP', 'VJP of JVP', 'JVP of JVP', 'input mutation', 'backward twice', 'zero cotangent', 'output shape']) {
      expect(names).toContain(n);
    }
    expect(r.skipped).toEqual([]);
    const vjpCheck = r.checks.find((c) => c.check === 'VJP')!;
    // 2 (b) + 6 (w) + 6 (x) inputs, one scalar output: the full Jacobian has 14 entries.
    expect(vjpCheck).toMatchObject({ method: 'jacobian', comparisons: 14 });
    expect(r.worst!.error).toBeLessThanOrEqual(r.worst!.tolerance);
  });

  it('checks order 3 of a function with non-trivial higher derivatives', () => {
    const r = reportOf(checkGrads((x: Tensor) => sum(log(add(exp(x), 1))), [tensor([0.3, -1.2, 2])], { order: 3 }));
    expect(r.checks.map((c) => c.check)).toContain('VJP of JVP of VJP');
    expect(r.order).toBe(3);
  });

  it('uses random directions for large inputs and still passes', () => {
    const x = tensor(Array.from({ length: 60 }, (_, i) => Math.sin(i)), { shape: [6, 10] });
    const r = reportOf(checkGrads((a: Tensor) => sigmoid(mul(a, a)), [x]));
    expect(r.checks.find((c) => c.check === 'VJP')!.method).toBe('directions');
    expect(r.checks.find((c) => c.check === 'JVP')!.method).toBe('directions');
  });

  it('differentiates only argnums and leaves the other arguments alone', () => {
    const a = tensor([1, 2]), b = tensor([3, 4]);
    const r = reportOf(checkGrads((x: Tensor, y: Tensor) => mul(x, y), [a, b], { argnums: 1 }));
    // Output 2 elements × input 2 elements (b only).
    expect(r.checks.find((c) => c.check === 'VJP')!.comparisons).toBe(4);
    expect(Array.from(a.data)).toEqual([1, 2]);
  });

  it('defaults eps and tolerances by dtype', () => {
    const x = tensor([0.5, 1]);
    expect(reportOf(checkGrads(sigmoid, [x]))).toMatchObject({ eps: 1e-5, atol: 1e-5, rtol: 1e-4 });
    expect(reportOf(checkGrads(sigmoid, [x], { precision: 'native' }))).toMatchObject({ eps: 1e-3, atol: 1e-2, rtol: 1e-2 });
  });
});

describe('checkGrads finds wrong rules', () => {
  it('reports a VJP that forgets a factor, with the values and where', () => {
    const bad = elementwise('test.sigmoidNoOneMinus', σ, {
      vjp: ({ output: s, cotangent: g }) => [mul(g, s)],
      jvp: ({ output: s, tangents: [tx] }) => (tx === null ? null : goodSigmoidRule(s, tx)),
    });
    const f = failureOf(checkGrads((x: Tensor) => bad(x), [tensor([0.5, -1])]));
    expect(f).toMatchObject({ kind: 'mismatch', check: 'VJP' });
    const i = f.where!.input!.element!;
    const v = [0.5, -1][i];
    // The wrong rule gives σ(v); the true derivative is σ(v)(1 − σ(v)).
    expect(f.analytic!).toBeCloseTo(σ(v), 6);
    expect(f.numeric!).toBeCloseTo(σ(v) * (1 - σ(v)), 6);
    expect(f.message).toMatch(/^VJP: analytic .* vs numeric .* at input 0 \(args\[0\]\) element \d/);
  });

  it('reports a wrong JVP separately from a right VJP', () => {
    const bad = elementwise('test.expWrongJvp', Math.exp, {
      vjp: ({ output, cotangent: g }) => [mul(g, output)],
      jvp: ({ output, tangents: [tx] }) => (tx === null ? null : mul(tx, mul(output, 2))),
    });
    expect(failureOf(checkGrads((x: Tensor) => bad(x), [tensor([0.1])]))).toMatchObject({ kind: 'mismatch', check: 'JVP' });
    expect(isRight(checkGrads((x: Tensor) => bad(x), [tensor([0.1])], { modes: ['rev'] }))).toBe(true);
  });

  it('finds a VJP that is right at first order but not differentiable through (VJP of VJP)', () => {
    const bad = elementwise('test.sigmoidFrozenVjp', σ, {
      vjp: ({ output: s, cotangent: g }) => [mul(g, stopGradient(mul(s, sub(1, s))))],
      jvp: ({ output: s, tangents: [tx] }) => (tx === null ? null : goodSigmoidRule(s, tx)),
    });
    const x = [tensor([0.7, -0.3])];
    expect(isRight(checkGrads((a: Tensor) => bad(a), x))).toBe(true);
    expect(failureOf(checkGrads((a: Tensor) => bad(a), x, { order: 2 }))).toMatchObject({ kind: 'mismatch', check: 'VJP of VJP' });
  });

  it('finds a JVP that is not differentiable through (VJP of JVP)', () => {
    const bad = elementwise('test.sigmoidFrozenJvp', σ, {
      vjp: ({ output: s, cotangent: g }) => [goodSigmoidRule(s, g)],
      jvp: ({ output: s, tangents: [tx] }) => (tx === null ? null : mul(tx, stopGradient(mul(s, sub(1, s))))),
    });
    const f = failureOf(checkGrads((a: Tensor) => bad(a), [tensor([0.7, -0.3])], { order: 2 }));
    expect(f).toMatchObject({ kind: 'mismatch', check: 'VJP of JVP' });
  });

  it('localises a failing random direction to the argument at fault', () => {
    const bad = elementwise('test.sigmoidNoOneMinus2', σ, { vjp: ({ output: s, cotangent: g }) => [mul(g, s)] });
    const a = tensor(Array.from({ length: 40 }, (_, i) => Math.cos(i)), { shape: [40] });
    const b = tensor(Array.from({ length: 40 }, (_, i) => Math.sin(i)), { shape: [40] });
    const f = failureOf(checkGrads((x: Tensor, y: Tensor) => add(sigmoid(x), bad(y)), [a, b], { modes: ['rev'] }));
    expect(f).toMatchObject({ kind: 'mismatch', check: 'VJP', where: { input: { index: 1, path: 'args[1]' } } });
    expect(f.where!.direction).toBeTypeOf('number');
  });

  it('names pytree leaves by path, counting only the differentiated arguments', () => {
    const bad = elementwise('test.sigmoidNoOneMinus3', σ, { vjp: ({ output: s, cotangent: g }) => [mul(g, s)] });
    const params = { w: tensor([0.4, -0.8]), b: tensor([0.3]) };
    // x is held fixed (argnums 0); the leaves of params come in sorted-key order: b, then w.
    const f = (p: typeof params, x: Tensor) => [sum(mul(p.b, x)), bad(p.w)];
    const r = failureOf(checkGrads(f, [params, tensor([2, 3])], { argnums: 0, modes: ['rev'], method: 'jacobian' }));
    expect(r).toMatchObject({ kind: 'mismatch', check: 'VJP', where: { input: { index: 1, path: 'args[0].w' }, output: { index: 1, path: 'out[1]' } } });
  });

  it('skips forward mode where an op has no JVP rule', () => {
    const noJvp = elementwise('test.sigmoidNoJvp', σ, { vjp: ({ output: s, cotangent: g }) => [goodSigmoidRule(s, g)] });
    const r = reportOf(checkGrads((x: Tensor) => noJvp(x), [tensor([0.2])], { order: 2 }));
    expect(r.skipped.some((s) => s.startsWith('JVP: MissingRule'))).toBe(true);
    expect(r.checks.map((c) => c.check)).toContain('VJP of VJP');
  });
});

describe('checkGrads extra checks', () => {
  it('reports a forward kernel that writes into its input', () => {
    const inPlace = defineOp<{}>({
      name: 'test.squareInPlace',
      attrs: noAttrs,
      arity: 1,
      infer: inferSame,
      forward: ([x]) => {
        const d = x.data;
        for (let i = 0; i < d.length; i++) d[i] = d[i] * d[i];
        return d;
      },
      vjp: ({ inputs: [x], cotangent: g }) => [mul(g, mul(x, 2))],
    });
    const x = tensor([3, 0.5]);
    const f = failureOf(checkGrads((a: Tensor) => inPlace(a), [x]));
    expect(f).toMatchObject({ kind: 'mutated', check: 'input mutation', analytic: 9, numeric: 3 });
    expect(f.message).toContain('the function wrote into input 0 (args[0]) element 0');
    expect(Array.from(x.data)).toEqual([3, 0.5]); // the caller's tensor is never handed over
  });

  it('reports a VJP whose result changes from one backward pass to the next', () => {
    let calls = 0;
    const drifting = elementwise('test.driftingVjp', Math.exp, {
      vjp: ({ output, cotangent: g }) => [mul(g, mul(output, 1 + calls++))],
    });
    expect(failureOf(checkGrads((x: Tensor) => drifting(x), [tensor([0.1])]))).toMatchObject({ kind: 'nondeterministic', check: 'backward twice' });
  });

  it('reports gradients from a zero cotangent', () => {
    const leaky = elementwise('test.leakyVjp', Math.exp, { vjp: ({ output, cotangent: g }) => [add(mul(g, output), 1e-3)] });
    const f = failureOf(checkGrads((x: Tensor) => leaky(x), [tensor([0.1, 0.2])]));
    expect(f).toMatchObject({ kind: 'nonzero', check: 'zero cotangent' });
    expect(f.analytic).toBeCloseTo(1e-3, 9);
  });

  it('reports outputs whose shape depends on the values', () => {
    // Traced it sums; run eagerly it keeps x unless x[0] > 0.5, so a perturbation changes the shape.
    const f = (x: Tensor): Tensor => (x.isTracer || x.data[0] > 0.5 ? sum(x) : x);
    expect(failureOf(checkGrads(f, [tensor([0.5, 1])]))).toMatchObject({ kind: 'shapeChanged', check: 'output shape' });
  });

  it('rejects bad options with the field named', () => {
    expect(failureOf(checkGrads(sigmoid, [tensor([1])], { order: 4 as 1 }))).toMatchObject({ kind: 'badOptions', message: expect.stringContaining('order') });
    expect(failureOf(checkGrads(sigmoid, [tensor([1])], { eps: -1 }))).toMatchObject({ message: expect.stringContaining('eps: expected a positive number') });
    expect(failureOf(checkGrads(sigmoid, [tensor([1])], { argnums: 3 }))).toMatchObject({ message: expect.stringContaining('argnums: 3 is out of range') });
  });

  it('reports a function that throws, naming the stage', () => {
    const f = failureOf(checkGrads((x: Tensor) => matmul(x, x), [tensor([1, 2])]));
    expect(f).toMatchObject({ kind: 'threw', check: 'forward' });
    expect(f.message).toContain('rank ≥ 2');
  });
});

describe('assertGrads', () => {
  it('returns the report when the check passes', () => {
    expect(assertGrads((x: Tensor) => exp(x), [tensor([0.5])]).checks.length).toBeGreaterThan(0);
  });

  it('throws the failure message otherwise', () => {
    const bad = defineOp<{ k: number }>({
      name: 'test.scaleWrong',
      attrs: t.type({ k: t.number }),
      arity: 1,
      infer: inferSame,
      forward: ([x], { k }, out) => {
        const o = allocate(out.dtype, x.size);
        for (let i = 0; i < o.length; i++) o[i] = k * x.data[i];
        return o;
      },
      vjp: ({ cotangent: g }) => [g],
    });
    expect(() => assertGrads((x: Tensor) => bad(x, { k: 3 }), [tensor([1, 2])])).toThrow(/^VJP: analytic 1 vs numeric 3/);
  });
});
