// The layer constructors as one namespace (`layers.conv2d(8, 3)`), for code that also imports the ops of the same names.

export { dense, flatten, activation } from './layer.js';
export { conv2d, maxPool2d, avgPool2d } from './conv.js';
export { layerNorm, batchNorm } from './norm.js';
export { embedding, positionalEmbedding } from './embedding.js';
export { dropout } from './dropout.js';
export { serial, residual, timeDistributed } from './compose.js';
export { multiHeadAttention, transformerBlock } from './attention.js';
