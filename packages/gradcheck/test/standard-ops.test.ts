// Every op of the standard library passes checkOpPlugin; an op without a case entry that is not unary fails loudly.

import { describe, expect, it } from 'vitest';
import { isLeft } from 'fp-ts/lib/Either.js';
import { standardOps, standardRegistry } from '@chainrule/ops';
import { checkOpPlugin, type CheckOpPluginOptions } from '../src/index.js';
import { opCases } from './op-cases.js';

const registry = standardRegistry();

describe('the standard library conforms', () => {
  it('has a case entry only for ops that exist (no stale names)', () => {
    const names = new Set(standardOps.map((op) => op.name));
    expect(Object.keys(opCases).filter((n) => !names.has(n))).toEqual([]);
  });

  for (const op of standardOps) {
    it(op.name, () => {
      const entry = opCases[op.name];
      const runs: readonly CheckOpPluginOptions[] = entry === undefined ? [{}] : Array.isArray(entry) ? entry : [entry as CheckOpPluginOptions];
      for (const options of runs) {
        // Without an entry a non-unary op fails here with "no conformance case for <op>".
        // The cases stay away from kinks, where piecewise-smooth ops have second derivatives
        // too, so every op is checked to second order (the kit's default for them is first).
        const r = checkOpPlugin(op, { numRuns: 8, registry, order: 2, ...options });
        if (isLeft(r)) throw new Error(r.left.message);
        expect(r.right.checks).toContain('JSON round trip');
        if (op.differentiable !== false) expect(r.right.checks).toEqual(expect.arrayContaining(['VJP', 'VJP of VJP']));
      }
    });
  }
});
