// Tests of datasets: validation, the seeded split, and batches that visit every example once per epoch.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { tensor, arange, reshape } from '@chainrule/core';
import { batchCount, batches, dataset, epochOrder, gatherRows, shuffle, subset, take, trainTestSplit, validationSplit } from './dataset.js';

const numbered = (n: number) => dataset(reshape(arange(0, n * 2), { shape: [n, 2] }), tensor(Array.from({ length: n }, (_, i) => i % 3)), { name: 'numbered' });
const rowIds = (x: { data: ArrayLike<number>; shape: readonly number[] }): number[] => Array.from({ length: x.shape[0] }, (_, i) => x.data[i * 2] / 2);

describe('dataset', () => {
  it('derives size, feature shape and classes', () => {
    const ds = numbered(10);
    expect(ds.size).toBe(10);
    expect(ds.featureShape).toEqual([2]);
    expect(ds.numClasses).toBe(3);
  });
  it('rejects labels that do not fit', () => {
    expect(() => dataset(tensor([[1], [2]]), tensor([0]))).toThrow(/x has 2 examples but y has 1/);
    expect(() => dataset(tensor([[1], [2]]), tensor([0, 1.5]))).toThrow(/y\[1\] = 1.5 is not a class index/);
    expect(() => dataset(tensor([[1], [2]]), tensor([0, 4]), { numClasses: 3 })).toThrow(/label 4 is out of range for 3 classes/);
  });
  it('subset, take and gatherRows copy the chosen rows in order', () => {
    const ds = numbered(6);
    expect(rowIds(subset(ds, [4, 1, 4]).x)).toEqual([4, 1, 4]);
    expect(Array.from(subset(ds, [4, 1]).y.data)).toEqual([1, 1]);
    expect(rowIds(take(ds, 2).x)).toEqual([0, 1]);
    expect(gatherRows(ds.x, [5], 'float64').dtype).toBe('float64');
    expect(() => gatherRows(ds.x, [6])).toThrow(/index 6 is out of range/);
    expect(rowIds(gatherRows(ds.x, [5, 4, 3, 2], 'float32', 2))).toEqual([3, 2]); // from 2 to the end
  });
  it('shuffle is a seeded permutation', () => {
    const ds = numbered(20);
    const a = rowIds(shuffle(ds, 3).x);
    expect(a).toEqual(rowIds(shuffle(ds, 3).x));
    expect(a).not.toEqual(rowIds(shuffle(ds, 4).x));
    expect([...a].sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('trainTestSplit', () => {
  const ds = numbered(50);
  it('gives disjoint parts of the requested sizes, the same for the same seed', () => {
    const { train, test } = trainTestSplit(ds, { testSize: 10, seed: 1 });
    const tr = rowIds(train.x), te = rowIds(test.x);
    expect(tr.length).toBe(40);
    expect(te.length).toBe(10);
    expect(new Set([...tr, ...te]).size).toBe(50);
    expect(rowIds(trainTestSplit(ds, { testSize: 10, seed: 1 }).test.x)).toEqual(te);
    expect(rowIds(trainTestSplit(ds, { testSize: 10, seed: 2 }).test.x)).not.toEqual(te);
    expect(train.name).toBe('numbered/train');
  });
  it('can leave examples out, and refuses to invent them', () => {
    expect(trainTestSplit(ds, { testSize: 5, trainSize: 20, seed: 0 }).train.size).toBe(20);
    expect(() => trainTestSplit(ds, { testSize: 30, trainSize: 30, seed: 0 })).toThrow(/exceed the 50/);
  });
});

describe('batches', () => {
  const ds = numbered(23);
  it('visit each example at most once per epoch, in a seeded order that changes with the epoch', () => {
    const e0 = batches(ds, { batchSize: 5, seed: 7, epoch: 0 });
    expect(e0.length).toBe(4);
    expect(batchCount(23, 5)).toBe(4);
    expect(batchCount(23, 5, false)).toBe(5);
    const seen = e0.flatMap((b) => rowIds(b.x));
    expect(new Set(seen).size).toBe(20);
    expect(seen).toEqual(e0.flatMap((b) => Array.from(b.indices)));
    expect(Array.from(epochOrder(7, 0, 23)).slice(0, 20)).toEqual(seen);
    const again = batches(ds, { batchSize: 5, seed: 7, epoch: 0 }).flatMap((b) => rowIds(b.x));
    expect(again).toEqual(seen);
    const e1 = batches(ds, { batchSize: 5, seed: 7, epoch: 1 }).flatMap((b) => rowIds(b.x));
    expect(e1).not.toEqual(seen);
  });
  it('keeps the last partial batch with dropLast: false, and labels follow their examples', () => {
    const all = batches(ds, { batchSize: 5, seed: 1, dropLast: false });
    expect(all.map((b) => b.x.shape[0])).toEqual([5, 5, 5, 5, 3]);
    for (const b of all) expect(Array.from(b.y.data)).toEqual(rowIds(b.x).map((i) => i % 3));
  });
  it('rejects a bad batch size', () => {
    expect(() => batches(ds, { batchSize: 0, seed: 0 })).toThrow(/batchSize must be a positive integer/);
  });
});

describe('validationSplit', () => {
  it('holds out a disjoint, seeded part of the training set and never touches the test set', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 300 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, fraction, seed) => {
        const all = numbered(n);
        const { train, test } = trainTestSplit(all, { testSize: Math.floor(n / 4), seed });
        const { train: fit, validation } = validationSplit(train, { fraction, seed });
        const [f, v, t] = [rowIds(fit.x), rowIds(validation.x), rowIds(test.x)];
        const held = Math.min(train.size - 1, Math.max(1, Math.round(train.size * fraction)));
        expect(v).toHaveLength(held);
        expect(f).toHaveLength(train.size - held);
        // disjoint three ways, and training + validation is exactly the training set
        expect(new Set([...f, ...v, ...t]).size).toBe(f.length + v.length + t.length);
        expect([...f, ...v].sort((a, b) => a - b)).toEqual(rowIds(train.x).sort((a, b) => a - b));
        // both parts keep the original order (ascending row ids of a train set in its own order)
        const position = new Map(rowIds(train.x).map((id, i) => [id, i]));
        for (const part of [f, v]) expect(part.map((id) => position.get(id)!)).toEqual(part.map((id) => position.get(id)!).sort((a, b) => a - b));
        // labels travel with their rows
        expect(Array.from(validation.y.data)).toEqual(v.map((id) => id % 3));
        // same seed, same split
        expect(rowIds(validationSplit(train, { fraction, seed }).validation.x)).toEqual(v);
      }),
      { numRuns: 200 },
    );
  });

  it('depends on the seed, and rejects fractions outside (0, 1) and sets too small to split', () => {
    const ds = numbered(100);
    expect(rowIds(validationSplit(ds, { fraction: 0.2, seed: 1 }).validation.x)).not.toEqual(rowIds(validationSplit(ds, { fraction: 0.2, seed: 2 }).validation.x));
    expect(validationSplit(ds, { fraction: 0.001, seed: 0 }).validation.size).toBe(1);
    expect(validationSplit(ds, { fraction: 0.999, seed: 0 }).train.size).toBe(1);
    for (const fraction of [0, 1, -0.5, NaN, 2]) expect(() => validationSplit(ds, { fraction, seed: 0 })).toThrow(/fraction must be a number in \(0, 1\)/);
    expect(() => validationSplit(numbered(1), { fraction: 0.5, seed: 0 })).toThrow(/needs at least 2/);
  });
});

