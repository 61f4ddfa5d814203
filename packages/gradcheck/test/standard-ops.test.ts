// Every op of the standard library passes checkOpPlugin on the cases its plugin declares, and declares a kind.

import { describe, expect, it } from 'vitest';
import { isLeft } from 'fp-ts/lib/Either.js';
import { opKinds } from '@chainrule/core';
import { standardOps, standardRegistry } from '@chainrule/ops';
import { checkOpPlugin, declaredRuns } from '../src/index.js';

const registry = standardRegistry();

describe('the standard library conforms', () => {
  it('declares a kind for every op (a compiler and vmap read it)', () => {
    expect(standardOps.filter((op) => op.kind === undefined || !opKinds.includes(op.kind)).map((op) => op.name)).toEqual([]);
  });

  it('declares conformance cases for every op that is not unary (the kit cannot guess inputs)', () => {
    expect(standardOps.filter((op) => op.arity !== 1 && op.conformance === undefined).map((op) => op.name)).toEqual([]);
  });

  for (const op of standardOps) {
    it(op.name, () => {
      // The cases stay away from kinks, where piecewise-smooth ops have second derivatives
      // too, so every op is checked to second order (the kit's default for them is first).
      const r = checkOpPlugin(op, { numRuns: 8, registry, order: 2 });
      if (isLeft(r)) throw new Error(r.left.message);
      expect(r.right.checks).toContain('JSON round trip');
      if (op.differentiable !== false) expect(r.right.checks).toEqual(expect.arrayContaining(['VJP', 'VJP of VJP']));
      expect(declaredRuns(op).length).toBeGreaterThan(0);
    });
  }
});
