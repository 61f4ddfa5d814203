// Embedding layers: a lookup table for token ids and a learned vector per position.

import { left, right } from 'fp-ts/lib/Either.js';
import { ChainruleError, add, normal, type Tensor, shapeText } from '@chainrule/core';
import { gather } from '@chainrule/ops';
import { mustFit, type Layer } from './layer.js';
import type { EmbeddingSpec, PositionalEmbeddingSpec } from './spec.js';

/**
 * A lookup table: token ids (float tensors holding integers in [0, vocabSize)) become
 * `dim`-wide vectors, `[batch, ...ids] → [batch, ...ids, dim]`. Params `{ weight: [vocabSize, dim] }`
 * drawn from N(0, 1/dim). The gradient reaches only the rows that were looked up (summed
 * where an id repeats). The lookup is `gather` along axis 0, so an id outside
 * [−vocabSize, vocabSize) or not an integer throws, naming it (negative ids count from the end).
 *
 * @example
 * const emb = embedding(11, 32)
 * const params = emb.init(key(0), [8])          // { weight: [11, 32] }
 * emb.apply(params, tensor([[3, 1, 4, 1, 5, 9, 2, 6]])).shape // [1, 8, 32]
 */
export const embedding = (vocabSize: number, dim: number): Layer<EmbeddingSpec> => embeddingFromSpec({ type: 'embedding', vocabSize, dim });

/** @internal builds an embedding layer from its (validated) spec */
export const embeddingFromSpec = (spec: EmbeddingSpec): Layer<EmbeddingSpec> => {
  const { vocabSize, dim } = spec;
  for (const [name, v] of [['vocabSize', vocabSize], ['dim', dim]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new ChainruleError('BadArgument', `embedding: ${name} must be a positive integer, got ${v}`);
  }
  const layer: Layer<EmbeddingSpec> = {
    spec,
    outputShape: (inputShape) => right([...inputShape, dim]),
    paramShapes: (_inputShape, dtype) => ({ weight: { shape: [vocabSize, dim], dtype } }),
    init: (key, inputShape, dtype = 'float32') => {
      mustFit(layer, inputShape);
      return { weight: normal(key, [vocabSize, dim], { std: 1 / Math.sqrt(dim), dtype }) };
    },
    apply: (params, ids) => gather((params as { readonly weight: Tensor }).weight, ids, { axis: 0 }),
  };
  return layer;
};

/**
 * A learned vector per position added to a `[length, dim]` input (GPT-style positions),
 * params `{ weight: [length, dim] }` drawn from N(0, 1/dim). Put it after {@link embedding}.
 *
 * @example
 * serial([embedding(11, 32), positionalEmbedding()]) // ids [8] → [8, 32], token + position
 */
export const positionalEmbedding = (): Layer<PositionalEmbeddingSpec> => {
  const layer: Layer<PositionalEmbeddingSpec> = {
    spec: { type: 'positionalEmbedding' },
    outputShape: (inputShape) =>
      inputShape.length === 2 ? right(inputShape) : left(`needs [length, dim] per example, got shape ${shapeText(inputShape)}`),
    paramShapes: (inputShape, dtype) => ({ weight: { shape: [...inputShape], dtype } }),
    init: (key, inputShape, dtype = 'float32') => {
      const [length, dim] = mustFit(layer, inputShape);
      return { weight: normal(key, [length, dim], { std: 1 / Math.sqrt(dim), dtype }) };
    },
    apply: (params, x) => {
      const w = (params as { readonly weight: Tensor }).weight;
      if (x.shape.length !== 3 || x.shape[1] !== w.shape[0] || x.shape[2] !== w.shape[1]) {
        throw new ChainruleError('ShapeMismatch', `positionalEmbedding layer: expected a batch of shape [batch, ${w.shape.join(', ')}] (as weight), got ${shapeText(x.shape)}`);
      }
      return add(x, w);
    },
  };
  return layer;
};
