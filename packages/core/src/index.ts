// Public API of @chainrule/core: tensors, graphs, op plugins, registries, transforms, PRNG.

export { ChainruleError, decodeFailure, type ErrorCode, type ErrorContext, type ShapeError, type DecodeFailure } from './errors.js';
export { sizeOf, stridesOf, shapesEqual, broadcastShapes, normalizeAxes, broadcastIndex, stridedOffsets, isShape, type Shape } from './shape.js';
export {
  Tensor, tensor, fromData, full, zeros, ones, arange, linspace, eye, toNested, isTensor, allocate,
  type DType, type FloatArray, type Aval, type NestedArray, type TensorOptions,
} from './tensor.js';
export { formatErrors, dtypeCodec, shapeCodec, tensorFromJson, type TensorJson } from './codec.js';
export {
  defineOp, isOp, noGradient, input, constant,
  type Op, type OpSpec, type OpCall, type TensorLike, type VjpArgs, type JvpArgs, type Domain,
} from './op.js';
export { Registry, type RegistryError } from './registry.js';
export { encodeGraph, decodeGraph, opCounts, type Graph, type Node, type GraphJson } from './graph.js';
export { flatten, unflatten, treeMap, treeLeaves, treeKey, treePaths, type PyTree, type TreeDef } from './pytree.js';
export { evaluate, interpreter, type Executor } from './interpreter.js';
export { trace, grad, valueAndGrad, vjp, jvp, jit, abstract, avalOf, type GradOptions, type JitOptions, type Jitted } from './transforms.js';
export { key, split, foldIn, uniform, normal, permutation, uniformArray, threefry2x32, type PRNGKey, type UniformOptions, type NormalOptions } from './prng.js';
export { matmulInto, matmul2d } from './kernels/matmul.js';
export { add, sub, mul, div } from './ops/binary.js';
export { neg, exp, log, sigmoid, cast, stopGradient } from './ops/unary.js';
export { sum, reduceAttrs, reducedShape, inferReduce, reduceIndex, contiguousBlocks, type ReduceAttrs } from './ops/reduce.js';
export { reshape, broadcastTo } from './ops/shape.js';
export { matmul, type MatmulAttrs } from './ops/matmul.js';
export { softmax, logSoftmax, oneHot, softmaxCrossEntropy, type AxisAttrs } from './ops/softmax.js';
export { unbroadcast, expandTo, operand, inferBroadcast, inferSame, broadcastTangent, noAttrs } from './ops/broadcast.js';
export { coreOps, coreRegistry } from './core-registry.js';
