// The kit catches bugs: deliberately wrong plugins are each reported with a shrunk counterexample.

import { describe, expect, it } from 'vitest';
import { isRight, type Either } from 'fp-ts/lib/Either.js';
import { broadcastShapes } from '@chainrule/core';
import { arb, checkOpPlugin, assertOpPlugin, type OpCheckFailure, type OpCheckReport } from '../src/index.js';
import {
  addNoUnbroadcast, addSumsEverything, addUnbroadcastsFirstOnly, clampForgotten, mulJvpNeedsBoth, sigmoidMissingFactor, squareMutatingVjp, transposeWrongInverse,
} from './buggy-plugins.js';

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

describe('wrong rules that only the kit’s targeted cases reach', () => {
  it('a JVP that mishandles a symbolic-zero tangent: caught by the one-tangent-at-a-time check', () => {
    const f = failureOf(checkOpPlugin(mulJvpNeedsBoth, { cases: [{ inputs: [[2, 3], [2, 3]] }], numRuns: 3 }));
    expect(f.check).toMatch(/^JVP with only input [01]'s tangent$/);
    expect(f.message).toContain("the other inputs' tangents are symbolic zeros");
  });

  it('a VJP that unbroadcasts one operand only: passes when only the first is broadcast, fails on a broadcast case', () => {
    const onlyFirst = checkOpPlugin(addUnbroadcastsFirstOnly, { cases: [{ inputs: [[2, 1], [2, 3]] }, { inputs: [[3], [2, 3]] }], numRuns: 10 });
    expect(isRight(onlyFirst)).toBe(true);
    const f = failureOf(checkOpPlugin(addUnbroadcastsFirstOnly, { cases: [{ broadcast: true, label: 'b' }], numRuns: 10 }));
    expect(f.check).toBe('VJP');
    expect(f.counterexample).toMatch(/^b(: operand [01] broadcast)?:/);
    // In the shrunk case the second operand is broadcast: its shape is not the output's.
    const [a, b] = f.sample!.inputs;
    const out = broadcastShapes(a.shape, b.shape);
    expect(out._tag === 'Right' && out.right.join()).not.toBe(b.shape.join());
  });

  it('a transpose VJP that uses perm for its inverse: passes on self-inverse perms, fails on a 3-cycle', () => {
    const selfInverse = checkOpPlugin(transposeWrongInverse, { cases: [{ inputs: [[2, 3]] }, { inputs: [[2, 3, 2]], attrs: { perm: [0, 2, 1] } }], numRuns: 6 });
    expect(isRight(selfInverse)).toBe(true);
    const f = failureOf(checkOpPlugin(transposeWrongInverse, { cases: [{ inputs: [[2, 3, 4]], attrs: { perm: [1, 2, 0] } }], numRuns: 3 }));
    expect(f.check).toBe('VJP');
  });

  it('a clamp whose VJP is wrong only in a narrow region: caught on the first run, whatever the seed', () => {
    // The wrong region is 6 % of the range; drawn values always include one from it.
    for (let seed = 1; seed <= 8; seed++) {
      const f = failureOf(checkOpPlugin(clampForgotten, { cases: [{ inputs: [[2]] }], numRuns: 1, seed }));
      expect(f.check).toBe('VJP');
    }
  });
});
