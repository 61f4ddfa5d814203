// Public API of @chainrule/nn: layers and models as pure (init, apply) pairs, initialisers, JSON specs.

export { type Params, type ParamShapes, type ParamShape, countParams, countParamShapes, checkParams, paramNames } from './params.js';
export {
  glorotUniform, glorotNormal, heNormal, heUniform, zerosInit, initializers, initializerNameCodec, fans,
  type Initializer, type InitializerName,
} from './init.js';
export {
  activationNameCodec, layerSpecCodec, modelSpecCodec,
  type ActivationName, type LayerSpec, type ModelSpec, type DenseSpec, type Conv2dSpec, type Pool2dSpec, type FlattenSpec, type ActivationSpec,
  type LayerNormSpec, type BatchNormSpec, type EmbeddingSpec, type PositionalEmbeddingSpec, type DropoutSpec,
  type SerialSpec, type ResidualSpec, type TimeDistributedSpec, type MultiHeadAttentionSpec, type TransformerBlockSpec,
} from './spec.js';
export {
  dense, flatten, activation, callLayer, initLayerState, splitLayerKey, keyInput,
  type Layer, type DenseOptions, type State, type CallOptions, type CallResult, type LayerKey,
} from './layer.js';
export { layerNorm, batchNorm, type LayerNormOptions, type BatchNormOptions } from './norm.js';
export { embedding, positionalEmbedding } from './embedding.js';
export { dropout } from './dropout.js';
export { serial, residual, timeDistributed } from './compose.js';
export { multiHeadAttention, transformerBlock, type MultiHeadAttentionOptions, type TransformerBlockOptions } from './attention.js';
export { conv2d, maxPool2d, avgPool2d, type Conv2dOptions, type Pool2dOptions } from './conv.js';
export * as layers from './layers.js';
export {
  sequential, mlp, cnn, buildModel, layerFromSpec, modelCodec, checkModelParams,
  type Model, type SequentialOptions, type MlpOptions, type CnnOptions,
} from './model.js';
