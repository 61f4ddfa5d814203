// Tests of mnistFromRaw on small synthetic digit files: layout, labels, scaling and validation.

import { describe, it, expect } from 'vitest';
import { mnistFromRaw, MNIST_PIXELS } from './mnist.js';

const file = (images: number, value: (i: number) => number) => ({ data: Array.from({ length: images * MNIST_PIXELS }, (_, i) => value(i)) });

describe('mnistFromRaw', () => {
  it('stacks the ten files in digit order, labels by file, keeps [0, 1] data', () => {
    const files = Array.from({ length: 10 }, (_, d) => file(d % 3 === 0 ? 2 : 1, () => d / 10));
    const ds = mnistFromRaw(files);
    expect(ds.size).toBe(14);
    expect(Array.from(ds.y.data)).toEqual([0, 0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9]);
    expect(ds.x.data[3 * MNIST_PIXELS + 5]).toBeCloseTo(0.2, 6);
    expect(ds.numClasses).toBe(10);
  });
  it('scales 0–255 grey levels to [0, 1]', () => {
    const ds = mnistFromRaw(Array.from({ length: 10 }, () => file(1, (i) => (i === 0 ? 255 : 51))));
    expect(ds.x.data[0]).toBe(1);
    expect(ds.x.data[1]).toBeCloseTo(0.2, 6);
  });
  it('accepts typed arrays, as a fetch of binary data would give', () => {
    expect(mnistFromRaw(Array.from({ length: 10 }, () => ({ data: new Float32Array(MNIST_PIXELS) }))).size).toBe(10);
  });
  it('says what is wrong with bad files', () => {
    expect(() => mnistFromRaw([])).toThrow(/expected the 10 digit files \(0…9\), got 0/);
    const files = Array.from({ length: 10 }, () => file(1, () => 0));
    expect(() => mnistFromRaw(files.map((f, d) => (d === 4 ? { data: f.data.slice(1) } : f)))).toThrow(/file 4 has 783 values, not a multiple of 784/);
    expect(() => mnistFromRaw(files.map((f, d) => (d === 2 ? { data: f.data.map((v, i) => (i === 7 ? NaN : v)) } : f)))).toThrow(/file 2, value 7 is NaN/);
  });
});
