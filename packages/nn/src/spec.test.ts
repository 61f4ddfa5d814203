// Tests of the JSON specs of the normalisation, embedding, dropout, composite and attention layers: round trips, nesting and errors naming the field.

import { describe, it, expect } from 'vitest';
import { isLeft } from 'fp-ts/lib/Either.js';
import { formatErrors, key, tensor, uniform, type Tensor } from '@chainrule/core';
import { activation, callLayer, dense, initLayerState, type Layer } from './layer.js';
import { batchNorm, layerNorm } from './norm.js';
import { embedding, positionalEmbedding } from './embedding.js';
import { dropout } from './dropout.js';
import { residual, serial, timeDistributed } from './compose.js';
import { multiHeadAttention, transformerBlock } from './attention.js';
import { buildModel, layerFromSpec, sequential } from './model.js';
import { layerSpecCodec } from './spec.js';

const roundTrip = (layer: Layer): Layer => {
  const decoded = layerSpecCodec.decode(JSON.parse(JSON.stringify(layer.spec)));
  if (isLeft(decoded)) throw new Error(formatErrors(decoded.left));
  return layerFromSpec(decoded.right);
};

const cases: readonly { name: string; layer: Layer; inputShape: number[]; input: () => Tensor }[] = [
  { name: 'layerNorm', layer: layerNorm({ epsilon: 1e-3 }), inputShape: [3, 4], input: () => uniform(key(1), [2, 3, 4]) },
  { name: 'batchNorm', layer: batchNorm({ momentum: 0.8, epsilon: 1e-4 }), inputShape: [4], input: () => uniform(key(1), [5, 4]) },
  { name: 'embedding', layer: embedding(7, 4), inputShape: [3], input: () => tensor([[0, 6, 2], [1, 1, 5]]) },
  { name: 'positionalEmbedding', layer: positionalEmbedding(), inputShape: [3, 4], input: () => uniform(key(1), [2, 3, 4]) },
  { name: 'dropout', layer: dropout(0.3), inputShape: [6], input: () => uniform(key(1), [4, 6]) },
  { name: 'serial', layer: serial([dense(5), batchNorm(), activation('relu'), dropout(0.2)]), inputShape: [3], input: () => uniform(key(1), [4, 3]) },
  { name: 'residual', layer: residual(serial([layerNorm(), multiHeadAttention({ heads: 2, causal: true })])), inputShape: [3, 4], input: () => uniform(key(1), [2, 3, 4]) },
  { name: 'timeDistributed', layer: timeDistributed(dense(3, { useBias: false })), inputShape: [3, 4], input: () => uniform(key(1), [2, 3, 4]) },
  { name: 'multiHeadAttention', layer: multiHeadAttention({ heads: 2 }), inputShape: [3, 4], input: () => uniform(key(1), [2, 3, 4]) },
  { name: 'transformerBlock', layer: transformerBlock({ heads: 2, mlpDim: 6, causal: true, dropout: 0.1, epsilon: 1e-6 }), inputShape: [3, 4], input: () => uniform(key(1), [2, 3, 4]) },
];

describe('layer specs', () => {
  for (const { name, layer, inputShape, input } of cases) {
    it(`${name}: JSON spec → codec → layerFromSpec gives the same layer`, () => {
      const rebuilt = roundTrip(layer);
      expect(rebuilt.spec).toEqual(layer.spec);
      const params = layer.init(key(3), inputShape);
      const state = initLayerState(layer, inputShape);
      expect(initLayerState(rebuilt, inputShape)).toEqual(state);
      for (const training of [false, true]) {
        const options = { training, key: key(4) };
        const a = callLayer(layer, params, state, input(), options), b = callLayer(rebuilt, params, state, input(), options);
        expect(Array.from(b.y.data)).toEqual(Array.from(a.y.data));
      }
    });
  }
  it('a transformer model rebuilds from its JSON spec and calls the same', () => {
    const model = sequential({
      inputShape: [5],
      layers: [embedding(11, 8), positionalEmbedding(), transformerBlock({ heads: 2, mlpDim: 16, causal: true }), layerNorm(), timeDistributed(dense(11))],
    });
    const rebuilt = buildModel(JSON.parse(JSON.stringify(model.spec)));
    if (isLeft(rebuilt)) throw new Error(rebuilt.left);
    expect(rebuilt.right.spec).toEqual(model.spec);
    expect(rebuilt.right.outputShape).toEqual([5, 11]);
    const params = model.init(key(0)), ids = tensor([[1, 2, 3, 4, 10]]);
    expect(Array.from(rebuilt.right.apply(params, ids).data)).toEqual(Array.from(model.apply(params, ids).data));
    expect(model.call(params, model.initState(), ids).y.shape).toEqual([1, 5, 11]);
  });
  it('names the wrong field, also inside nested specs', () => {
    const bad = (u: unknown): string => {
      const r = layerSpecCodec.decode(u);
      return isLeft(r) ? formatErrors(r.left) : 'accepted';
    };
    expect(bad({ type: 'layerNorm', epsilon: 0 })).toMatch(/epsilon: expected positive number, got 0/);
    expect(bad({ type: 'batchNorm', momentum: 1, epsilon: 1e-5 })).toMatch(/momentum: expected number in \[0, 1\), got 1/);
    expect(bad({ type: 'embedding', vocabSize: 10, dim: -1 })).toMatch(/dim: expected positive integer, got -1/);
    expect(bad({ type: 'dropout', rate: 'half' })).toMatch(/rate/);
    expect(bad({ type: 'multiHeadAttention', heads: 2 })).toMatch(/causal/);
    expect(bad({ type: 'transformerBlock', heads: 2, mlpDim: 0, causal: false, dropout: 0, epsilon: 1e-5 })).toMatch(/mlpDim: expected positive integer, got 0/);
    expect(bad({ type: 'serial', layers: [{ type: 'flatten' }, { type: 'residual', layer: { type: 'dropout', rate: 2 } }] })).toMatch(/layers\[1\]\.layer\.rate: expected number in \[0, 1\), got 2/);
    expect(bad({ type: 'residual', layer: { type: 'lstm' } })).toMatch(/layer\.type: expected one of/);
  });
  it('refuses specs nested too deeply, with a Left and no stack overflow', () => {
    let spec: unknown = { type: 'flatten' };
    for (let i = 0; i < 100_000; i++) spec = { type: 'residual', layer: spec };
    const r = layerSpecCodec.decode(spec);
    expect(isLeft(r)).toBe(true);
    expect(isLeft(r) && formatErrors(r.left)).toMatch(/nested more than 64 deep/);
  });
  it('a model spec names the layer whose shapes do not fit', () => {
    const r = buildModel({ inputShape: [4, 6], dtype: 'float32', layers: [{ type: 'multiHeadAttention', heads: 4, causal: false }] });
    expect(isLeft(r) && r.left).toMatch(/layers\[0\] \(multiHeadAttention\): dim 6 is not divisible by 4 heads/);
  });
});
