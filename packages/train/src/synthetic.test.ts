// Tests of the generated datasets: the geometry each one promises, balance, and seeding.

import { describe, it, expect } from 'vitest';
import { circles, moons, spirals, xor } from './synthetic.js';
import type { Dataset } from './dataset.js';

const rows = (ds: Dataset): [number, number, number][] => Array.from({ length: ds.size }, (_, i) => [ds.x.data[2 * i], ds.x.data[2 * i + 1], ds.y.data[i]]);
const counts = (ds: Dataset): number[] => {
  const c = new Array<number>(ds.numClasses).fill(0);
  for (const v of ds.y.data) c[v]++;
  return c;
};

describe('xor', () => {
  it('labels each corner with x₁ xor x₂', () => {
    for (const [a, b, y] of rows(xor())) expect(y).toBe(a !== b ? 1 : 0);
  });
});

describe('spirals', () => {
  it('puts k balanced arms on the spiral r = i/n, angle 2π(turns·r + c/k) when noise is 0', () => {
    const ds = spirals({ perClass: 50, classes: 3, turns: 1.5, noise: 0, seed: 0 });
    expect(ds.size).toBe(150);
    expect(counts(ds)).toEqual([50, 50, 50]);
    for (const [x, y, c] of rows(ds)) {
      const r = Math.hypot(x, y);
      const want = 2 * Math.PI * (1.5 * r + c / 3);
      const diff = Math.atan2(y, x) - want;
      expect(Math.abs(Math.atan2(Math.sin(diff), Math.cos(diff)))).toBeLessThan(1e-4);
      expect(r).toBeLessThanOrEqual(1);
    }
  });
  it('is the same for the same seed and noisy differently for another', () => {
    const a = spirals({ seed: 1 }), b = spirals({ seed: 1 }), c = spirals({ seed: 2 });
    expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data));
    expect(Array.from(a.x.data)).not.toEqual(Array.from(c.x.data));
    expect(() => spirals({ classes: 1 })).toThrow(/classes must be an integer ≥ 2/);
  });
});

describe('moons', () => {
  it('puts class 0 on the upper unit half circle and class 1 on the shifted lower one', () => {
    const ds = moons({ size: 100, noise: 0, seed: 3 });
    expect(counts(ds)).toEqual([50, 50]);
    for (const [x, y, c] of rows(ds)) {
      if (c === 0) {
        expect(Math.hypot(x, y)).toBeCloseTo(1, 5);
        expect(y).toBeGreaterThanOrEqual(-1e-6);
      } else {
        expect(Math.hypot(x - 1, y - 0.5)).toBeCloseTo(1, 5);
        expect(y).toBeLessThanOrEqual(0.5 + 1e-6);
      }
    }
  });
});

describe('circles', () => {
  it('puts class 0 on the unit circle and class 1 on radius factor', () => {
    const ds = circles({ size: 60, noise: 0, factor: 0.3, seed: 4 });
    for (const [x, y, c] of rows(ds)) expect(Math.hypot(x, y)).toBeCloseTo(c === 0 ? 1 : 0.3, 5);
    expect(() => circles({ factor: 1 })).toThrow(/factor must be in \(0, 1\)/);
  });
  it('adds noise of about the requested spread', () => {
    const ds = circles({ size: 2000, noise: 0.1, seed: 5 });
    const dev = rows(ds).map(([x, y, c]) => Math.hypot(x, y) - (c === 0 ? 1 : 0.5));
    const rms = Math.sqrt(dev.reduce((s, d) => s + d * d, 0) / dev.length);
    expect(rms).toBeGreaterThan(0.08);
    expect(rms).toBeLessThan(0.12);
  });
});
