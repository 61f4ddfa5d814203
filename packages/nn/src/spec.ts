// The JSON forms of layers and models, with io-ts codecs: what a checkpoint stores and the CLI rebuilds.

import * as t from 'io-ts';
import { MAX_DEPTH, dtypeCodec, type DType, positiveInt } from '@chainrule/core';
import { initializerNameCodec, type InitializerName } from './init.js';

const pair = t.tuple([positiveInt, positiveInt]);

/**
 * Codec of an activation name.
 *
 * @example
 * activationNameCodec.decode('relu') // right('relu')
 */
export const activationNameCodec = t.keyof(
  { linear: null, sigmoid: null, relu: null, tanh: null, leakyRelu: null, elu: null, gelu: null, silu: null, softplus: null, softmax: null, logSoftmax: null },
  'ActivationName',
);

/** The name of a built-in activation. */
export type ActivationName = t.TypeOf<typeof activationNameCodec>;

/** A dense layer: `x·w + b` over the last axis. */
export interface DenseSpec {
  readonly type: 'dense';
  readonly units: number;
  readonly useBias: boolean;
  readonly kernelInit: InitializerName;
}

/** A 2-D convolution, NHWC input and HWIO filter. */
export interface Conv2dSpec {
  readonly type: 'conv2d';
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'same' | 'valid';
  readonly useBias: boolean;
  readonly kernelInit: InitializerName;
}

/** Max or average pooling over windows of the two spatial axes. */
export interface Pool2dSpec {
  readonly type: 'maxPool2d' | 'avgPool2d';
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'same' | 'valid';
}

/** Flattens every axis after the batch axis into one. */
export interface FlattenSpec {
  readonly type: 'flatten';
}

/** An elementwise (or, for softmax, per-row) activation. */
export interface ActivationSpec {
  readonly type: 'activation';
  readonly activation: ActivationName;
}

/**
 * Layer normalisation over the last axis, with a learned scale `gamma` and shift `beta`.
 *
 * @example
 * { type: 'layerNorm', epsilon: 1e-5 }
 */
export interface LayerNormSpec {
  readonly type: 'layerNorm';
  readonly epsilon: number;
}

/**
 * Batch normalisation per channel (the last axis), with running statistics kept as state.
 *
 * @example
 * { type: 'batchNorm', momentum: 0.9, epsilon: 1e-5 }
 */
export interface BatchNormSpec {
  readonly type: 'batchNorm';
  /** Weight of the old running statistics in each update, in [0, 1). */
  readonly momentum: number;
  readonly epsilon: number;
}

/**
 * A lookup table of `dim`-wide vectors for token ids in [0, vocabSize).
 *
 * @example
 * { type: 'embedding', vocabSize: 11, dim: 32 }
 */
export interface EmbeddingSpec {
  readonly type: 'embedding';
  readonly vocabSize: number;
  readonly dim: number;
}

/**
 * A learned vector per position, added to a `[length, dim]` input.
 *
 * @example
 * { type: 'positionalEmbedding' }
 */
export interface PositionalEmbeddingSpec {
  readonly type: 'positionalEmbedding';
}

/**
 * Inverted dropout in train mode (keyed), the identity in eval mode.
 *
 * @example
 * { type: 'dropout', rate: 0.1 }
 */
export interface DropoutSpec {
  readonly type: 'dropout';
  readonly rate: number;
}

/**
 * Layers applied one after another, as one layer.
 *
 * @example
 * { type: 'serial', layers: [{ type: 'layerNorm', epsilon: 1e-5 }, { type: 'dropout', rate: 0.1 }] }
 */
export interface SerialSpec {
  readonly type: 'serial';
  readonly layers: readonly LayerSpec[];
}

/**
 * `x + layer(x)`.
 *
 * @example
 * { type: 'residual', layer: { type: 'multiHeadAttention', heads: 2, causal: true } }
 */
export interface ResidualSpec {
  readonly type: 'residual';
  readonly layer: LayerSpec;
}

/**
 * A layer applied to each position of a `[length, ...]` input separately.
 *
 * @example
 * { type: 'timeDistributed', layer: { type: 'dense', units: 11, useBias: true, kernelInit: 'glorotUniform' } }
 */
export interface TimeDistributedSpec {
  readonly type: 'timeDistributed';
  readonly layer: LayerSpec;
}

/**
 * Multi-head scaled dot-product self-attention over a `[length, dim]` input.
 *
 * @example
 * { type: 'multiHeadAttention', heads: 4, causal: false }
 */
export interface MultiHeadAttentionSpec {
  readonly type: 'multiHeadAttention';
  readonly heads: number;
  /** Whether position i may attend only to positions ≤ i. */
  readonly causal: boolean;
}

/**
 * A pre-norm transformer block: `x + MHA(LN(x))`, then `x + MLP(LN(x))`.
 *
 * @example
 * { type: 'transformerBlock', heads: 2, mlpDim: 128, causal: true, dropout: 0, epsilon: 1e-5 }
 */
export interface TransformerBlockSpec {
  readonly type: 'transformerBlock';
  readonly heads: number;
  /** Width of the MLP's hidden layer. */
  readonly mlpDim: number;
  readonly causal: boolean;
  /** Dropout rate after the attention and after the MLP (0: none). */
  readonly dropout: number;
  readonly epsilon: number;
}

/** The JSON form of any layer, tagged by `type`, with every default filled in. */
export type LayerSpec =
  | DenseSpec | Conv2dSpec | Pool2dSpec | FlattenSpec | ActivationSpec
  | LayerNormSpec | BatchNormSpec | EmbeddingSpec | PositionalEmbeddingSpec | DropoutSpec
  | SerialSpec | ResidualSpec | TimeDistributedSpec | MultiHeadAttentionSpec | TransformerBlockSpec;

/** The JSON form of a model: a per-example input shape, a dtype and its layers in order. */
export interface ModelSpec {
  readonly inputShape: readonly number[];
  readonly dtype: DType;
  readonly layers: readonly LayerSpec[];
}

const paddingCodec = t.keyof({ same: null, valid: null }, 'Padding');

const denseCodec = t.type({ type: t.literal('dense'), units: positiveInt, useBias: t.boolean, kernelInit: initializerNameCodec });
const conv2dCodec = t.type({
  type: t.literal('conv2d'),
  filters: positiveInt,
  kernelSize: pair,
  strides: pair,
  padding: paddingCodec,
  useBias: t.boolean,
  kernelInit: initializerNameCodec,
});
const pool2dCodec = t.type({ type: t.keyof({ maxPool2d: null, avgPool2d: null }), poolSize: pair, strides: pair, padding: paddingCodec });
const flattenCodec = t.type({ type: t.literal('flatten') });
const activationCodec = t.type({ type: t.literal('activation'), activation: activationNameCodec });

const positive = t.refinement(t.number, (n) => Number.isFinite(n) && n > 0, 'positive number');
const unitInterval = t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0 && n < 1, 'number in [0, 1)');
// Composite layers nest specs; the recursion is resolved when a nested spec is decoded.
const nested: t.Type<LayerSpec, LayerSpec, unknown> = t.recursion('LayerSpec', () => layerSpecCodec);
const layerNormCodec = t.type({ type: t.literal('layerNorm'), epsilon: positive });
const batchNormCodec = t.type({ type: t.literal('batchNorm'), momentum: unitInterval, epsilon: positive });
const embeddingCodec = t.type({ type: t.literal('embedding'), vocabSize: positiveInt, dim: positiveInt });
const positionalEmbeddingCodec = t.type({ type: t.literal('positionalEmbedding') });
const dropoutCodec = t.type({ type: t.literal('dropout'), rate: unitInterval });
const serialCodec = t.type({ type: t.literal('serial'), layers: t.readonlyArray(nested) });
const residualCodec = t.type({ type: t.literal('residual'), layer: nested });
const timeDistributedCodec = t.type({ type: t.literal('timeDistributed'), layer: nested });
const attentionCodec = t.type({ type: t.literal('multiHeadAttention'), heads: positiveInt, causal: t.boolean });
const transformerBlockCodec = t.type({
  type: t.literal('transformerBlock'),
  heads: positiveInt,
  mlpDim: positiveInt,
  causal: t.boolean,
  dropout: unitInterval,
  epsilon: positive,
});

/** How deeply composite specs may nest (each level adds two context entries): core's MAX_DEPTH; deeper JSON is a Left, never a stack overflow. */
const maxNesting = MAX_DEPTH;

const layerCodecs: Record<LayerSpec['type'], t.Mixed> = {
  dense: denseCodec,
  conv2d: conv2dCodec,
  maxPool2d: pool2dCodec,
  avgPool2d: pool2dCodec,
  flatten: flattenCodec,
  activation: activationCodec,
  layerNorm: layerNormCodec,
  batchNorm: batchNormCodec,
  embedding: embeddingCodec,
  positionalEmbedding: positionalEmbeddingCodec,
  dropout: dropoutCodec,
  serial: serialCodec,
  residual: residualCodec,
  timeDistributed: timeDistributedCodec,
  multiHeadAttention: attentionCodec,
  transformerBlock: transformerBlockCodec,
};

/**
 * Codec of a {@link LayerSpec}. It picks the codec by `type` first, so a Left names the one
 * field that is wrong ('units: expected positive integer, got -3') rather than every union arm.
 *
 * @example
 * layerSpecCodec.decode({ type: 'dense', units: 10, useBias: true, kernelInit: 'glorotUniform' })
 */
export const layerSpecCodec = new t.Type<LayerSpec, LayerSpec, unknown>(
  'LayerSpec',
  (u): u is LayerSpec => layerSpecCodec.validate(u, [])._tag === 'Right',
  (u, c) => {
    if (c.length > 2 * maxNesting) return t.failure(u, c, `layers nested more than ${maxNesting} deep`);
    const type = typeof u === 'object' && u !== null ? (u as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(layerCodecs, type)) {
      return t.failure(type, [...c, { key: 'type', type: t.string, actual: type }], `expected one of ${Object.keys(layerCodecs).join(', ')}`);
    }
    return layerCodecs[type as LayerSpec['type']].validate(u, c) as t.Validation<LayerSpec>;
  },
  (spec) => spec,
);

/**
 * Codec of a {@link ModelSpec}.
 *
 * @example
 * modelSpecCodec.decode(JSON.parse(text)) // right(spec) or left(errors)
 */
export const modelSpecCodec: t.Type<ModelSpec, ModelSpec, unknown> = t.type(
  { inputShape: t.readonlyArray(positiveInt), dtype: dtypeCodec, layers: t.readonlyArray(layerSpecCodec) },
  'ModelSpec',
) as unknown as t.Type<ModelSpec, ModelSpec, unknown>;
