// Property: on random op graphs from the standard registry, reverse mode, forward mode and finite differences agree.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isLeft } from 'fp-ts/lib/Either.js';
import { standardRegistry } from '@chainrule/ops';
import { arb, checkGrads, type RandomGraph } from '../src/index.js';
import { sigmoidMissingFactor } from './buggy-plugins.js';

const agree = (order: 1 | 2) => (g: RandomGraph): void => {
  const r = checkGrads(g.f, [...g.inputs], { order, modes: ['rev', 'fwd'], seed: 1 });
  if (isLeft(r)) throw new Error(`${r.left.message}\ngraph:\n${g.description}`);
  // Both modes ran: no op of the graph lacks a JVP rule.
  expect(r.right.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['VJP', 'JVP']));
};

describe('random graphs from the standard registry', () => {
  const registry = standardRegistry();

  it('reverse mode, forward mode and finite differences agree (up to 12 nodes)', () => {
    const names = new Set<string>();
    fc.assert(
      fc.property(arb.graph(registry, { maxNodes: 12 }), (g) => {
        g.steps.forEach((s) => names.add(s.op.name));
        agree(1)(g);
      }),
      { numRuns: 60, seed: 20261127 },
    );
    // The graphs really mix the library: a good share of its differentiable ops appear.
    expect(names.size).toBeGreaterThan(25);
  });

  it('so do their second derivatives (up to 8 nodes)', () => {
    fc.assert(fc.property(arb.graph(registry, { maxNodes: 8 }), agree(2)), { numRuns: 25, seed: 7 });
  });

  it('the same property fails, with a shrunk graph, once a wrong op is in the registry', () => {
    const withBug = registry.with(sigmoidMissingFactor);
    if (isLeft(withBug)) throw new Error(withBug.left.message);
    const details = fc.check(fc.property(arb.graph(withBug.right, { maxNodes: 12 }), agree(1)), { numRuns: 200, seed: 3 });
    expect(details.failed).toBe(true);
    const g = details.counterexample![0];
    expect(g.steps.some((s) => s.op.name === 'buggy.sigmoid')).toBe(true);
    // Shrinking removes what is not needed: few nodes remain.
    expect(g.steps.length).toBeLessThanOrEqual(3);
    expect((details.errorInstance as Error).message).toMatch(/^VJP: analytic/);
  });
});
