// Attention layers: multi-head scaled dot-product self-attention (optionally causal) and the pre-norm transformer block.

import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { ChainruleError, add, matmul, mul, reshape, softmax, split, tensor, type DType, type PRNGKey, type Shape, type Tensor, shapeText } from '@chainrule/core';
import { dropout as dropoutOp, gelu, transpose } from '@chainrule/ops';
import { glorotUniform, zerosInit } from './init.js';
import { keyInput, mustFit, splitLayerKey, type Layer, type LayerKey } from './layer.js';
import { layerNormFromSpec } from './norm.js';
import type { ParamShapes, Params } from './params.js';
import type { MultiHeadAttentionSpec, TransformerBlockSpec } from './spec.js';

/** The params of one projection, as a dense layer's: `x·w + b`. */
interface Affine {
  readonly w: Tensor;
  readonly b: Tensor;
}

/** Params of {@link multiHeadAttention}: the query, key, value and output projections. */
interface AttentionParams {
  readonly query: Affine;
  readonly key: Affine;
  readonly value: Affine;
  readonly output: Affine;
}

const affine = (p: Affine, x: Tensor): Tensor => add(matmul(x, p.w), p.b);
const affineShapes = (inputs: number, units: number, dtype: DType): ParamShapes => ({ w: { shape: [inputs, units], dtype }, b: { shape: [units], dtype } });
const initAffine = (k: PRNGKey, inputs: number, units: number, dtype: DType): Params => ({ w: glorotUniform(k, [inputs, units], dtype), b: zerosInit(k, [units], dtype) });

const projections = ['query', 'key', 'value', 'output'] as const;

/** Checks a `[length, dim]` input with dim divisible by the heads. */
const attentionInput = (heads: number) => (inputShape: Shape): Either<string, Shape> => {
  if (inputShape.length !== 2) return left(`needs [length, dim] per example, got shape ${shapeText(inputShape)}`);
  const dim = inputShape[1];
  if (dim % heads !== 0) return left(`dim ${dim} is not divisible by ${heads} heads (input ${shapeText(inputShape)})`);
  return right(inputShape);
};

const checkHeads = (layer: string, heads: number): void => {
  if (!Number.isInteger(heads) || heads <= 0) throw new ChainruleError('BadArgument', `${layer}: heads must be a positive integer, got ${heads}`);
};

/** 0 where key position j ≤ query position i, −10⁹ after it: added to the scores, softmax then gives the future no weight. */
const causalMask = (length: number, dtype: DType): Tensor => {
  const m = new Array<number>(length * length);
  for (let i = 0; i < length; i++) for (let j = 0; j < length; j++) m[i * length + j] = j <= i ? 0 : -1e9;
  return tensor(m, { shape: [length, length], dtype });
};

/** Self-attention of a batch `[batch, length, dim]` with the given params. */
const attend = (p: AttentionParams, x: Tensor, heads: number, causal: boolean, layer: string): Tensor => {
  const dim = p.query.w.shape[0];
  if (x.shape.length !== 3 || x.shape[2] !== dim) {
    throw new ChainruleError('ShapeMismatch', `${layer} layer: expected a batch of shape [batch, length, ${dim}] (as the query weights), got ${shapeText(x.shape)}`);
  }
  const [batch, length] = x.shape;
  const dh = dim / heads;
  // [batch, length, dim] → [batch, heads, length, dh]
  const byHead = (t: Tensor): Tensor => transpose(reshape(t, { shape: [batch, length, heads, dh] }), { perm: [0, 2, 1, 3] });
  const q = byHead(affine(p.query, x)), k = byHead(affine(p.key, x)), v = byHead(affine(p.value, x));
  // scores = q·kᵀ/√dh, [batch, heads, length, length]
  const scores = mul(matmul(q, k, { transposeB: true }), 1 / Math.sqrt(dh));
  const weights = softmax(causal ? add(scores, causalMask(length, x.dtype)) : scores, { axis: -1 });
  const merged = reshape(transpose(matmul(weights, v), { perm: [0, 2, 1, 3] }), { shape: [batch, length, dim] });
  return affine(p.output, merged);
};

/**
 * Options of {@link multiHeadAttention}.
 *
 * @example
 * multiHeadAttention({ heads: 4, causal: true })
 */
export interface MultiHeadAttentionOptions {
  /** Number of heads; the input's dim must be divisible by it. */
  readonly heads: number;
  /** Position i attends only to positions ≤ i (default false). */
  readonly causal?: boolean;
}

/**
 * Multi-head self-attention (Vaswani et al.) over `[batch, length, dim]`: q, k, v are dense
 * projections of x split into `heads` heads of width dim/heads; each head computes
 * softmax(q·kᵀ/√(dim/heads))·v (with `causal`, position i sees only positions ≤ i); the heads
 * are joined and projected back to dim. Params `{ query, key, value, output }`, each a
 * dense layer's `{ w: [dim, dim], b: [dim] }` (Glorot-uniform, zero bias).
 *
 * @example
 * const mha = multiHeadAttention({ heads: 4, causal: true })
 * const params = mha.init(key(0), [8, 32])
 * mha.apply(params, x) // x: [batch, 8, 32] → [batch, 8, 32]
 */
export const multiHeadAttention = (options: MultiHeadAttentionOptions): Layer<MultiHeadAttentionSpec> =>
  attentionFromSpec({ type: 'multiHeadAttention', heads: options.heads, causal: options.causal ?? false });

/** @internal builds a multi-head attention layer from its (validated) spec */
export const attentionFromSpec = (spec: MultiHeadAttentionSpec): Layer<MultiHeadAttentionSpec> => {
  const { heads, causal } = spec;
  checkHeads('multiHeadAttention', heads);
  const layer: Layer<MultiHeadAttentionSpec> = {
    spec,
    outputShape: attentionInput(heads),
    paramShapes: (inputShape, dtype) => Object.fromEntries(projections.map((n) => [n, affineShapes(inputShape[1], inputShape[1], dtype)])),
    init: (k, inputShape, dtype = 'float32') => {
      const dim = mustFit(layer, inputShape)[1];
      const keys = split(k, projections.length);
      return Object.fromEntries(projections.map((n, i) => [n, initAffine(keys[i], dim, dim, dtype)]));
    },
    apply: (params, x) => attend(params as unknown as AttentionParams, x, heads, causal, 'multiHeadAttention'),
  };
  return layer;
};

/**
 * Options of {@link transformerBlock}.
 *
 * @example
 * transformerBlock({ heads: 4, mlpDim: 128, causal: true, dropout: 0.1 })
 */
export interface TransformerBlockOptions {
  readonly heads: number;
  /** Width of the MLP's hidden layer (4·dim is usual). */
  readonly mlpDim: number;
  /** Causal self-attention (default false). */
  readonly causal?: boolean;
  /** Dropout rate after the attention and after the MLP in train mode (default 0). */
  readonly dropout?: number;
  /** The layer norms' epsilon (default 1e-5). */
  readonly epsilon?: number;
}

/** Params of {@link transformerBlock}. */
interface BlockParams {
  readonly norm1: Params;
  readonly attention: AttentionParams;
  readonly norm2: Params;
  readonly mlp: { readonly hidden: Affine; readonly output: Affine };
}

/**
 * A pre-norm transformer block over `[batch, length, dim]`:
 * `h = x + Dropout(MHA(LN₁(x)))`, then `y = h + Dropout(W₂·gelu(W₁·LN₂(h)))`. Params
 * `{ norm1: { gamma, beta }, attention: { query, key, value, output }, norm2, mlp: { hidden,
 * output } }`; no state. Dropout acts only in train mode with a key (see {@link callLayer});
 * `apply` is eval mode.
 *
 * @example
 * const block = transformerBlock({ heads: 4, mlpDim: 64, causal: true, dropout: 0.1 })
 * const params = block.init(key(0), [8, 32])
 * block.apply(params, x)                                             // eval
 * callLayer(block, params, {}, x, { training: true, key: key(1) }).y // train, with dropout
 */
export const transformerBlock = (options: TransformerBlockOptions): Layer<TransformerBlockSpec> =>
  transformerBlockFromSpec({
    type: 'transformerBlock',
    heads: options.heads,
    mlpDim: options.mlpDim,
    causal: options.causal ?? false,
    dropout: options.dropout ?? 0,
    epsilon: options.epsilon ?? 1e-5,
  });

/** @internal builds a transformer block from its (validated) spec */
export const transformerBlockFromSpec = (spec: TransformerBlockSpec): Layer<TransformerBlockSpec> => {
  const { heads, causal, dropout: rate } = spec;
  checkHeads('transformerBlock', heads);
  if (!Number.isInteger(spec.mlpDim) || spec.mlpDim <= 0) throw new ChainruleError('BadArgument', `transformerBlock: mlpDim must be a positive integer, got ${spec.mlpDim}`);
  if (!(Number.isFinite(rate) && rate >= 0 && rate < 1)) throw new ChainruleError('BadArgument', `transformerBlock: dropout must be in [0, 1), got ${rate}`);
  const norm = layerNormFromSpec({ type: 'layerNorm', epsilon: spec.epsilon });
  const attention = attentionFromSpec({ type: 'multiHeadAttention', heads, causal });
  const run = (params: Params, x: Tensor, k: LayerKey | undefined): Tensor => {
    const p = params as unknown as BlockParams;
    const [k1, k2] = splitLayerKey(k, 2);
    const drop = (t: Tensor, dk: LayerKey | undefined): Tensor => (dk === undefined || rate === 0 ? t : dropoutOp(t, keyInput(dk), { rate }));
    const h = add(x, drop(attend(p.attention, norm.apply(p.norm1, x), heads, causal, 'transformerBlock'), k1));
    return add(h, drop(affine(p.mlp.output, gelu(affine(p.mlp.hidden, norm.apply(p.norm2, h)))), k2));
  };
  const layer: Layer<TransformerBlockSpec> = {
    spec,
    outputShape: attentionInput(heads),
    paramShapes: (inputShape, dtype) => {
      const dim = inputShape[1], hidden = spec.mlpDim;
      return {
        norm1: norm.paramShapes(inputShape, dtype),
        attention: attention.paramShapes(inputShape, dtype),
        norm2: norm.paramShapes(inputShape, dtype),
        mlp: { hidden: affineShapes(dim, hidden, dtype), output: affineShapes(hidden, dim, dtype) },
      };
    },
    init: (k, inputShape, dtype = 'float32') => {
      const dim = mustFit(layer, inputShape)[1], hidden = spec.mlpDim;
      const [ka, kh, ko] = split(k, 3);
      return {
        norm1: norm.init(ka, inputShape, dtype),
        attention: attention.init(ka, inputShape, dtype),
        norm2: norm.init(ka, inputShape, dtype),
        mlp: { hidden: initAffine(kh, dim, hidden, dtype), output: initAffine(ko, hidden, dim, dtype) },
      };
    },
    apply: (params, x) => run(params, x, undefined),
    call: (params, state, x, options) => {
      if (options.training === true && rate > 0 && options.key === undefined) {
        throw new ChainruleError('BadArgument', `transformerBlock layer: train mode with dropout ${rate} needs a PRNG key (callLayer(layer, params, state, x, { training: true, key }))`);
      }
      return { y: run(params, x, options.training === true ? options.key : undefined), state };
    },
  };
  return layer;
};
