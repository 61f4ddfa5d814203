// Tests of datasets: validation, the seeded split, and batches that visit every example once per epoch.

import { describe, it, expect } from 'vitest';
import { tensor, arange, reshape } from '@chainrule/core';
import { batchCount, batches, dataset, epochOrder, gatherRows, shuffle, subset, take, trainTestSplit } from './dataset.js';

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
