// Tests of embedding and positionalEmbedding: lookups against the table's rows, gradients against finite differences, shape errors.

import { describe, it, expect } from 'vitest';
import { grad, key, sum, tensor, uniform, type Tensor } from '@chainrule/core';
import { assertGrads } from '@chainrule/gradcheck';
import { embedding, positionalEmbedding } from './embedding.js';

describe('embedding', () => {
  const emb = embedding(5, 3);
  const p = emb.init(key(0), [4]) as { weight: Tensor };
  it('looks up one row of the table per id', () => {
    const ids = tensor([[4, 0, 2, 2], [1, 1, 3, 0]]);
    const y = emb.apply(p, ids);
    expect(y.shape).toEqual([2, 4, 3]);
    const row = (r: number): number[] => Array.from(p.weight.data.slice(r * 3, r * 3 + 3));
    expect(Array.from(y.data)).toEqual([4, 0, 2, 2, 1, 1, 3, 0].flatMap(row));
    expect(emb.outputShape([4])).toEqual({ _tag: 'Right', right: [4, 3] });
    expect(emb.paramShapes([4], 'float32')).toEqual({ weight: { shape: [5, 3], dtype: 'float32' } });
  });
  it('sends gradient only to the rows looked up, summed over repeats', () => {
    const g = grad((q: { weight: Tensor }) => sum(emb.apply(q, tensor([[2, 2, 0]]))))(p) as { weight: Tensor };
    expect(Array.from(g.weight.data)).toEqual([1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0]);
  });
  it('has the gradient finite differences give (float64)', () => {
    const w = uniform(key(1), [5, 3], { dtype: 'float64' });
    const ids = tensor([[1, 4], [0, 1]], { dtype: 'float64' });
    assertGrads((weight) => emb.apply({ weight }, ids), [w]);
  });
  it('names itself on bad sizes and the op on ids out of range', () => {
    expect(() => embedding(0, 3)).toThrow(/embedding: vocabSize must be a positive integer, got 0/);
    expect(() => embedding(5, 2.5)).toThrow(/embedding: dim must be a positive integer, got 2.5/);
    expect(() => emb.apply(p, tensor([[5]]))).toThrow(/index 5 at position 0 is not an integer in \[-5, 5\) \(op ops.gather/);
  });
});

describe('positionalEmbedding', () => {
  const pos = positionalEmbedding();
  it('adds one learned vector per position', () => {
    const p = pos.init(key(0), [2, 3]) as { weight: Tensor };
    const x = uniform(key(1), [2, 2, 3]);
    const y = pos.apply(p, x);
    for (let i = 0; i < 12; i++) expect(y.data[i]).toBeCloseTo(x.data[i] + p.weight.data[i % 6], 6);
  });
  it('has the gradient finite differences give (float64)', () => {
    const w = uniform(key(2), [2, 3], { dtype: 'float64' }), x = uniform(key(3), [2, 2, 3], { dtype: 'float64' });
    assertGrads((weight, xs) => pos.apply({ weight }, xs), [w, x]);
  });
  it('names itself and the shapes when they do not fit', () => {
    expect(pos.outputShape([6])).toEqual({ _tag: 'Left', left: 'needs [length, dim] per example, got shape [6]' });
    expect(() => pos.init(key(0), [6])).toThrow(/positionalEmbedding layer: needs \[length, dim\]/);
    const p = pos.init(key(0), [2, 3]);
    expect(() => pos.apply(p, uniform(key(1), [1, 3, 3]))).toThrow(/positionalEmbedding layer: expected a batch of shape \[batch, 2, 3\] \(as weight\), got \[1, 3, 3\]/);
  });
});
