// The kit catches bugs: deliberately wrong plugins are each reported with a shrunk counterexample.

import { describe, expect, it } from 'vitest';
import { isRight, type Either } from 'fp-ts/lib/Either.js';
import { arb, checkOpPlugin, assertOpPlugin, type OpCheckFailure, type OpCheckReport } from '../src/index.js';
import { addNoUnbroadcast, addSumsEverything, sigmoidMissingFactor, squareMutatingVjp } from './buggy-plugins.js';

const failureOf = (r: Either<OpCheckFailure, OpCheckReport>): OpCheckFailure => {
  if (isRight(r)) throw new Error(`the buggy plugin passed: ${r.right.checks.join(', ')}`);
  return r.left;
};

const σ = (v: number): number => 1 / (1 + Math.exp(-v));
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

describe('deliberately wrong plugins', () => {
  it('a sigmoid whose VJP forgets the (1 − σ) factor', () => {
    const f = failureOf(checkOpPlugin(sigmoidMissingFactor));
    expect(f).toMatchObject({ op: 'buggy.sigmoid', check: 'VJP', gradFailure: { kind: 'mismatch', check: 'VJP' } });
    expect(f.numShrinks).toBeGreaterThan(0);
    expect(f.message).toMatch(/failed the VJP check\n {2}shrunk counterexample \(seed 42, \d+ shrinks\): .*\n {2}VJP: analytic .* vs numeric/);
    // Every input fails, so shrinking reaches a single element.
    const x = f.sample!.inputs[0];
    expect(x.size).toBe(1);
    const v = x.data[0];
    expect(f.counterexample).toContain(`float64[${x.shape.join(', ')}]`);
    // The rule gives σ(v); finite differences give σ(v)(1 − σ(v)).
    expect(f.gradFailure!.analytic!).toBeCloseTo(σ(v), 6);
    expect(f.gradFailure!.numeric!).toBeCloseTo(σ(v) * (1 - σ(v)), 6);
  });

  it('a broadcasting add whose VJP does not unbroadcast', () => {
    const f = failureOf(checkOpPlugin(addNoUnbroadcast, { cases: [{ shapes: arb.broadcastShapes() }] }));
    expect(f.check).toBe('VJP');
    expect(f.message).toContain('a broadcasting op must unbroadcast its cotangent');
    expect(f.message).toContain('shrunk counterexample');
    // The counterexample broadcasts (shapes differ) and is minimal: one element at most per input.
    const [a, b] = f.sample!.inputs.map((x) => x.shape);
    expect(a.join() === b.join()).toBe(false);
    expect(size(a) + size(b)).toBeLessThanOrEqual(2);
  });

  it('a broadcasting add whose VJP sums over the wrong axes (right shapes, wrong values)', () => {
    const f = failureOf(checkOpPlugin(addSumsEverything, { cases: [{ shapes: arb.broadcastShapes() }] }));
    expect(f).toMatchObject({ check: 'VJP', gradFailure: { kind: 'mismatch' } });
    // It fails only when some output element does not come from every input element: the
    // shrunk case has an output of two elements, and the wrong rule gives 1 where ∂ is 0.
    expect(f.gradFailure!.analytic).toBeCloseTo(1, 9);
    expect(f.gradFailure!.numeric).toBeCloseTo(0, 6);
    expect(f.sample!.inputs.some((x) => x.size === 2)).toBe(true);
  });

  it('a VJP that writes into its input', () => {
    const f = failureOf(checkOpPlugin(squareMutatingVjp));
    expect(f.check).toBe('purity');
    expect(f.message).toMatch(/the VJP wrote into input 0 at element 0: was (\S+), now (\S+)/);
    const [, was, now] = /was (\S+), now (\S+)/.exec(f.message)!;
    expect(Number(now)).toBe(2 * Number(was));
    expect(f.sample!.inputs[0].size).toBe(1);
    expect(f.message).toContain('shrunk counterexample');
  });

  it('assertOpPlugin throws the same report', () => {
    expect(() => assertOpPlugin(sigmoidMissingFactor, { numRuns: 5 })).toThrow(/checkOpPlugin\(buggy\.sigmoid\) failed the VJP check\n {2}shrunk counterexample/);
  });
});
