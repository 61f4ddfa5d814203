// The per-op elementwise loops: the same values whether the scalar function is pasted in (standalone) or passed in (it reads other variables).

import { describe, expect, it } from 'vitest';
import { unaryLoop, binaryLoop } from './loops.js';

const SCALE = 3;
function named(v: number): number {
  return v - 1;
}

describe('unaryLoop and binaryLoop', () => {
  const x = new Float64Array([-2, -0.5, 0, 1.5, 4]);
  const apply = (f: (v: number, a: { alpha: number }) => number, attrs = { alpha: 0.25 }) => Array.from(unaryLoop(f)(x, new Float64Array(x.length), attrs));

  it('computes fn on every element for standalone arrows, closures over module variables, named functions and builtins', () => {
    expect(apply((v) => v * v)).toEqual([...x].map((v) => v * v));
    expect(apply((v) => v * SCALE)).toEqual([...x].map((v) => v * 3));
    expect(apply((v, { alpha }) => (v > 0 ? v : alpha * v))).toEqual([...x].map((v) => (v > 0 ? v : 0.25 * v)));
    expect(apply(named)).toEqual([...x].map((v) => v - 1));
    expect(apply(Math.abs)).toEqual([...x].map(Math.abs));
    expect(apply((v) => Math.max(v, 0) + Number.EPSILON * 0)).toEqual([...x].map((v) => Math.max(v, 0)));
  });

  it('walks operands by their steps: 1 for laid-out data, 0 for a single value', () => {
    const a = new Float32Array([1, 2, 3]), s = new Float32Array([10]);
    expect(Array.from(binaryLoop((p, q) => p - q)(a, 1, s, 0, new Float32Array(3), {}))).toEqual([-9, -8, -7]);
    expect(Array.from(binaryLoop((p, q) => p * q * SCALE)(s, 0, a, 1, new Float32Array(3), {}))).toEqual([30, 60, 90]);
  });
});
