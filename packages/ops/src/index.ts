// Public API of @chainrule/ops: the standard op library, one family per module.

export * from './unary.js';
export * from './trig.js';
export * from './scan.js';
export * from './sort.js';
export * from './einsum.js';
export * from './binary.js';
export * from './reduce.js';
export * from './shape.js';
export * from './linalg.js';
export * from './nn.js';
export * from './loss.js';
export { standardOps, standardRegistry } from './registry.js';
export { samePadding, convOutputSize } from './kernels/conv.js';
