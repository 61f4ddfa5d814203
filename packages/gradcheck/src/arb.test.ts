// Tests of the arbitraries: bounds, broadcasting, margins around avoided points, and random graphs that respect domains.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import { broadcastShapes as broadcastOf, coreRegistry, ChainruleError, type Tensor } from '@chainrule/core';
import { arb } from './arbitraries.js';
import { keepAway, regions, regionsHit, valueRange } from './arb.js';

/** NumPy broadcasting written out directly, as the reference. */
const numpyBroadcast = (a: readonly number[], b: readonly number[]): number[] | undefined => {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
};

describe('arb.shape', () => {
  it('stays within the rank and dimension bounds', () => {
    fc.assert(
      fc.property(arb.shape({ minRank: 1, maxRank: 3, minDim: 2, maxDim: 5 }), (s) => {
        expect(s.length).toBeGreaterThanOrEqual(1);
        expect(s.length).toBeLessThanOrEqual(3);
        for (const d of s) expect(d >= 2 && d <= 5 && Number.isInteger(d)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects inverted bounds with the field named', () => {
    expect(() => arb.shape({ minRank: 3, maxRank: 1 })).toThrow(/arb\.shape: minRank 3 is above maxRank 1/);
    expect(() => arb.shape({ maxDim: -1 })).toThrow(ChainruleError);
  });
});

describe('arb.broadcastShapes', () => {
  it('gives shapes that broadcast under NumPy rules, as core computes them', () => {
    fc.assert(
      fc.property(arb.broadcastShapes({ maxRank: 4, maxDim: 4, count: 3 }), ([a, b, c]) => {
        const ab = numpyBroadcast(a, b);
        expect(ab).toBeDefined();
        expect(numpyBroadcast(ab!, c)).toBeDefined();
        const core = broadcastOf(a, b);
        expect(isRight(core) && core.right).toEqual(ab);
      }),
      { numRuns: 100 },
    );
  });

  it('covers rank differences and size-1 dimensions against larger ones', () => {
    const pairs = fc.sample(arb.broadcastShapes({ maxRank: 3, maxDim: 3 }), { numRuns: 200, seed: 7 });
    expect(pairs.some(([a, b]) => a.length !== b.length)).toBe(true);
    const oneVsMore = ([a, b]: number[][]): boolean => {
      const r = Math.min(a.length, b.length);
      for (let i = 1; i <= r; i++) {
        const x = a[a.length - i], y = b[b.length - i];
        if ((x === 1 && y > 1) || (y === 1 && x > 1)) return true;
      }
      return false;
    };
    expect(pairs.some(oneVsMore)).toBe(true);
    expect(pairs.some(([a, b]) => a.length === b.length && a.every((d, i) => d === b[i]))).toBe(true);
  });
});

describe('one operand always broadcast', () => {
  /** The reference broadcast of many shapes, by NumPy's rule. */
  const resultOf = (shapes: number[][]): number[] => shapes.reduce((acc, s) => numpyBroadcast(acc, s)!, [] as number[]);
  /** Whether `s` is expanded to `out`: fewer axes, or a 1 where out is longer. */
  const expanded = (s: number[], out: number[]): boolean => s.length < out.length || s.some((d, i) => d === 1 && out[out.length - s.length + i] > 1);

  it('broadcastShapes({ broadcast: k }) always expands operand k and still broadcasts', () => {
    for (const k of [0, 1, 2]) {
      fc.assert(
        fc.property(arb.broadcastShapes({ maxRank: 3, maxDim: 3, count: 3, broadcast: k }), (shapes) => {
          const out = resultOf(shapes);
          expect(expanded(shapes[k], out)).toBe(true);
        }),
        { numRuns: 200 },
      );
    }
    expect(() => arb.broadcastShapes({ broadcast: 2 })).toThrow(/operand 2 does not exist among 2/);
    expect(() => arb.broadcastShapes({ broadcast: 0, maxDim: 1 })).toThrow(/maxDim ≥ 2/);
  });

  it('matmulShapes({ broadcast: k }) gives matmul-compatible pairs with operand k batch-broadcast', () => {
    for (const k of [0, 1] as const) {
      fc.assert(
        fc.property(arb.matmulShapes({ broadcast: k }), ([a, b]) => {
          expect(a[a.length - 1]).toBe(b[b.length - 2]);
          const ba = a.slice(0, -2), bb = b.slice(0, -2);
          const batch = numpyBroadcast(ba, bb)!;
          expect(expanded([ba, bb][k], batch)).toBe(true);
        }),
        { numRuns: 100 },
      );
    }
  });
});

describe('regions and cover', () => {
  it('regions are the intervals between avoided points, shrunk by the margin', () => {
    expect(regions(valueRange({ min: -1, max: 2, avoid: [0, 1] }))).toEqual([
      { min: -1, max: -0.1, avoid: [], margin: 0 },
      { min: 0.1, max: 0.9, avoid: [], margin: 0 },
      { min: 1.1, max: 2, avoid: [], margin: 0 },
    ]);
    expect(regions(valueRange({ min: 0, max: 1, avoid: [5] }))).toEqual([{ min: 0, max: 1, avoid: [], margin: 0 }]);
  });

  it('cover puts a value in every region whenever there are enough elements', () => {
    const r = valueRange({ min: -4, max: 4, avoid: [-3.5, 3.5] });
    fc.assert(
      fc.property(arb.tensor({ shape: arb.shape({ minRank: 1, maxRank: 2, minDim: 3 }), ...r, cover: true }), (x) => {
        expect(regionsHit(x, r)).toBe(3);
        for (const v of x.data) expect(Math.abs(Math.abs(v) - 3.5)).toBeGreaterThanOrEqual(0.1 - 1e-12);
      }),
      { numRuns: 100 },
    );
  });
});

describe('arb.tensor', () => {
  it('keeps values in range and a margin away from avoided points', () => {
    fc.assert(
      fc.property(arb.tensor({ shape: arb.shape({ maxRank: 2 }), min: -1, max: 3, avoid: [0, 1], margin: 0.2, dtype: 'float32' }), (x: Tensor) => {
        expect(x.dtype).toBe('float32');
        for (const v of x.data) {
          expect(v).toBeGreaterThanOrEqual(-1);
          expect(v).toBeLessThanOrEqual(3);
          expect(Math.abs(v) >= 0.2 - 1e-7 && Math.abs(v - 1) >= 0.2 - 1e-7).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('fills a fixed shape and spreads values over the range', () => {
    const [x] = fc.sample(arb.tensor({ shape: [4, 25], min: 0.1, max: 10 }), { numRuns: 1, seed: 3 });
    expect(x.shape).toEqual([4, 25]);
    const vs = Array.from(x.data);
    // Uniform over [0.1, 10]: a hundred draws land on both sides of the middle.
    expect(vs.filter((v) => v > 5).length).toBeGreaterThan(20);
    expect(vs.filter((v) => v < 5).length).toBeGreaterThan(20);
  });

  it('pushes a value on the far side when the near side leaves the range', () => {
    const r = valueRange({ min: -1, max: 0.05, avoid: [0], margin: 0.1 });
    expect(keepAway(0.01, r)).toBe(-0.1);
    expect(keepAway(-0.5, r)).toBe(-0.5);
  });

  it('rejects a bad range', () => {
    expect(() => arb.tensor({ min: 2, max: 1 })).toThrow(/arb\.tensor: min 2 must be a finite number below max 1/);
  });
});

describe('arb.graph', () => {
  const registry = coreRegistry();

  it('builds runnable graphs that apply each op only inside its domain', () => {
    fc.assert(
      fc.property(arb.graph(registry, { maxNodes: 12 }), (g) => {
        expect(g.steps.length).toBeLessThanOrEqual(12);
        // Replay step by step and check every op input against the op's declared domain.
        const vals: Tensor[] = [...g.inputs];
        for (const s of g.steps) {
          const ins = s.inputs.map((i) => vals[i]);
          ins.forEach((x, k) => {
            const d = s.op.domains?.[k];
            if (d === undefined) return;
            for (const v of x.data) {
              if (d.min !== undefined) expect(v).toBeGreaterThanOrEqual(d.min);
              if (d.max !== undefined) expect(v).toBeLessThanOrEqual(d.max);
              for (const a of d.avoid ?? []) expect(Math.abs(v - a)).toBeGreaterThanOrEqual(0.1);
            }
          });
          expect(s.op.differentiable).not.toBe(false);
          vals.push(s.op(...ins, s.attrs as object));
        }
        const outs = g.f(...g.inputs);
        expect(outs.length).toBe(g.outputs.length);
        for (const y of outs) for (const v of y.data) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('has fan-out, feeds log only positive values, and reaches a dozen nodes', () => {
    const gs = fc.sample(arb.graph(registry), { numRuns: 150, seed: 11 });
    expect(gs.some((g) => g.uses.some((u) => u >= 2))).toBe(true);
    expect(gs.some((g) => g.steps.length >= 10)).toBe(true);
    const logs = gs.flatMap((g) => {
      const vals: Tensor[] = [...g.inputs];
      const seen: Tensor[] = [];
      for (const s of g.steps) {
        const ins = s.inputs.map((i) => vals[i]);
        if (s.op.name === 'core.log') seen.push(ins[0]);
        vals.push(s.op(...ins, s.attrs as object));
      }
      return seen;
    });
    expect(logs.length).toBeGreaterThan(5);
    for (const x of logs) for (const v of x.data) expect(v).toBeGreaterThan(0);
  });

  it('shows the graph in counterexamples', () => {
    const [g] = fc.sample(arb.graph(registry), { numRuns: 1, seed: 5 });
    expect(fc.stringify(g)).toMatch(/^x0 = float64\[.*\]/);
    expect(fc.stringify(g)).toContain('outputs:');
  });

  it('rejects bad sizes with the option named, and allows rank 0', () => {
    expect(() => arb.graph(registry, { maxNodes: 0 })).toThrow(/arb\.graph\.maxNodes: expected an integer ≥ 1, got 0/);
    expect(() => arb.graph(registry, { maxRank: -1 })).toThrow(/arb\.graph\.maxRank: expected an integer ≥ 0, got -1/);
    expect(() => arb.graph(registry, { maxDim: 1.5 })).toThrow(ChainruleError);
    const [g] = fc.sample(arb.graph(registry, { maxRank: 0 }), { numRuns: 1, seed: 1 });
    for (const x of g.inputs) expect(x.shape).toEqual([]);
  });

  it('leaves out ops whose attrs do not decode and honours a filter', () => {
    const gs = fc.sample(arb.graph(registry, { filter: (op) => op.name !== 'core.exp' }), { numRuns: 50, seed: 2 });
    const names = new Set(gs.flatMap((g) => g.steps.map((s) => s.op.name)));
    for (const n of ['core.exp', 'core.cast', 'core.reshape', 'core.oneHot', 'core.stopGradient']) expect(names.has(n)).toBe(false);
    expect(names.has('core.mul')).toBe(true);
  });
});
