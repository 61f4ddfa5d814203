// Kernel internals for backend and plugin authors (`@chainrule/core/kernels`): typed-array loops and their layout helpers.

export { matmulInto, matmul2d } from './matmul.js';
export { expandTo, operand } from './operand.js';
export { broadcastIndex, stridedOffsets } from '../shape.js';
export { reduceIndex, contiguousBlocks } from '../ops/reduce.js';
export { crossEntropyRows } from '../ops/softmax.js';
