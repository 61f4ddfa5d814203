// Tests of the initialisers: fans, ranges, spread, and that a key decides everything.

import { describe, it, expect } from 'vitest';
import { key, split } from '@chainrule/core';
import { fans, glorotNormal, glorotUniform, heNormal, heUniform, initializers, zerosInit } from './init.js';

const stats = (d: ArrayLike<number>): { mean: number; std: number; min: number; max: number } => {
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    s += d[i];
    s2 += d[i] * d[i];
    min = Math.min(min, d[i]);
    max = Math.max(max, d[i]);
  }
  const mean = s / d.length;
  return { mean, std: Math.sqrt(s2 / d.length - mean * mean), min, max };
};

describe('fans', () => {
  it('reads [in, out] for dense kernels and multiplies the receptive field for conv filters', () => {
    expect(fans([784, 128])).toEqual({ fanIn: 784, fanOut: 128 });
    expect(fans([3, 3, 8, 16])).toEqual({ fanIn: 72, fanOut: 144 });
    expect(fans([5])).toEqual({ fanIn: 5, fanOut: 5 });
  });
});

describe('initialisers', () => {
  const shape = [200, 300];
  it('glorotUniform stays inside ±√(6/(in+out)) with the variance of that uniform', () => {
    const a = Math.sqrt(6 / 500);
    const s = stats(glorotUniform(key(1), shape).data);
    expect(s.min).toBeGreaterThanOrEqual(-a);
    expect(s.max).toBeLessThan(a);
    expect(s.max).toBeGreaterThan(0.98 * a);
    expect(Math.abs(s.mean)).toBeLessThan(0.01 * a);
    expect(s.std).toBeCloseTo(a / Math.sqrt(3), 3);
  });
  it('heUniform stays inside ±√(6/in)', () => {
    const a = Math.sqrt(6 / 200);
    const s = stats(heUniform(key(2), shape).data);
    expect(s.min).toBeGreaterThanOrEqual(-a);
    expect(s.max).toBeLessThan(a);
    expect(s.std).toBeCloseTo(a / Math.sqrt(3), 2);
  });
  it('heNormal has std √(2/in) and glorotNormal √(2/(in+out)), mean ≈ 0', () => {
    const he = stats(heNormal(key(3), shape).data);
    expect(he.std / Math.sqrt(2 / 200)).toBeCloseTo(1, 1);
    expect(Math.abs(he.mean)).toBeLessThan(0.01 * he.std * 10);
    const gl = stats(glorotNormal(key(4), shape).data);
    expect(gl.std / Math.sqrt(2 / 500)).toBeCloseTo(1, 1);
  });
  it('the same key gives the same numbers, another key other numbers', () => {
    const [k1, k2] = split(key(7), 2);
    for (const init of [glorotUniform, glorotNormal, heNormal, heUniform]) {
      expect(Array.from(init(k1, [4, 5]).data)).toEqual(Array.from(init(k1, [4, 5]).data));
      expect(Array.from(init(k1, [4, 5]).data)).not.toEqual(Array.from(init(k2, [4, 5]).data));
    }
  });
  it('respects the dtype, and zeros are zeros', () => {
    expect(heNormal(key(0), [2, 2], 'float64').dtype).toBe('float64');
    expect(Array.from(zerosInit(key(0), [3]).data)).toEqual([0, 0, 0]);
    expect(Object.keys(initializers).sort()).toEqual(['glorotNormal', 'glorotUniform', 'heNormal', 'heUniform', 'zeros']);
  });
  it('rejects a shape without fan-in', () => {
    expect(() => glorotUniform(key(0), [0, 3])).toThrow(/no fan-in/);
  });
});
