// Public API of @chainrule/core: tensors, graphs, op plugins, registries, transforms, PRNG.

export { ChainruleError, decodeFailure, preview, clipText, suggest, errorText, type ErrorCode, type ErrorContext, type ShapeError, type DecodeFailure } from './errors.js';
export { sizeOf, stridesOf, shapesEqual, broadcastShapes, normalizeAxes, isShape, shapeText, avalText, type Shape } from './shape.js';
export {
  Tensor, tensor, fromData, full, zeros, ones, arange, linspace, eye, toNested, isTensor, allocate,
  type DType, type FloatArray, type Aval, type NestedArray, type TensorOptions,
} from './tensor.js';
export { MAX_ELEMENTS, MAX_DEPTH, shapeProblem, checkShape, checkUntrusted } from './limits.js';
export { formatErrors, dtypeCodec, shapeCodec, tensorFromJson, type TensorJson } from './codec.js';
export {
  defineOp, isOp, opKind, opKinds, noGradient, input, constant,
  type BatchArgs, type Op, type OpSpec, type ScalarFn, type OpCall, type OpKind, type TensorLike, type VjpArgs, type JvpArgs, type Domain,
} from './op.js';
export {
  jsBackend, getBackend, setBackend, withBackend, resolveBackend, chooseBackend, kernelFor, runKernel,
  type Backend, type Kernel, type KernelAvals, type KernelSource,
} from './backend.js';
export { Registry, type RegistryError } from './registry.js';
export type { Conformance, ConformanceCase, ConformanceInput, ConformanceRange } from './cases.js';
export { encodeGraph, decodeGraph, opCounts, type Graph, type Node, type GraphJson } from './graph.js';
export { flatten, unflatten, treeMap, treeLeaves, treeKey, treePaths, type PyTree, type TreeDef } from './pytree.js';
export { evaluate, interpreter, getExecutor, setExecutor, type Executor, type CompileOptions } from './interpreter.js';
export { trace, grad, valueAndGrad, vjp, jvp, jit, abstract, avalOf, type GradOptions, type JitOptions, type Jitted } from './transforms.js';
export { vmap, loopBatch, type VmapOptions, type AxisSpec } from './vmap.js';
export { peakLiveBytes } from './memory.js';
export { jacfwd, jacrev, hessian, type JacobianOptions } from './jacobian.js';
export { customVjp, customJvp, checkpoint, type CustomOptions } from './custom.js';
export { batchAsRows, withBatch, alignBatch, mergeBatch, splitBatch, batchAxis, batchReduceAttrs, derivedBatchRule } from './batching.js';
export { key, split, foldIn, uniform, normal, permutation, uniformArray, threefry2x32, type PRNGKey, type UniformOptions, type NormalOptions } from './prng.js';
export { binaryOp, scaleBy, add, sub, mul, div, type BinarySpec, type Partial } from './ops/binary.js';
export { unaryOp, neg, exp, log, sigmoid, cast, stopGradient, type UnarySpec } from './ops/unary.js';
export { sum, reduceConformance, reduceAttrs, reducedShape, inferReduce, type ReduceAttrs } from './ops/reduce.js';
export { reshape, broadcastTo, moveAxis, type MoveAxisAttrs } from './ops/shape.js';
export { matmul, type MatmulAttrs } from './ops/matmul.js';
export { softmax, logSoftmax, oneHot, softmaxCrossEntropy, type AxisAttrs } from './ops/softmax.js';
export { inferBroadcast, inferSame, noAttrs } from './ops/infer.js';
export { unbroadcast, broadcastTangent } from './ops/shape.js';
export { coreOps, coreRegistry } from './core-registry.js';
export { withDefaults, finite, positiveInt, nonNegativeInt, type Defaulted, type DefaultsType } from './attrs.js';
export { setDebugNans, debugNans, withDebugNans, type NodeOrigin } from './debug-nans.js';
