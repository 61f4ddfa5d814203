// The Layer contract (a pure init/apply pair with a JSON spec) and the shape-only layers: dense, flatten, activation.

import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import { ChainruleError, Tensor, split, type DType, type PRNGKey, type Shape, shapeText } from '@chainrule/core';
import { keyTensor, splitKey as splitKeyOp } from '@chainrule/ops';
import { add, elu, gelu, leakyRelu, logSoftmax, matmul, relu, reshape, sigmoid, silu, softmax, softplus, tanh } from './ops.js';
import { initializers, zerosInit, type InitializerName } from './init.js';
import type { ParamShapes, Params } from './params.js';
import type { ActivationName, ActivationSpec, DenseSpec, FlattenSpec, LayerSpec } from './spec.js';

/**
 * A layer: a pure pair of functions plus its JSON description. Shapes passed to
 * `outputShape`, `paramShapes` and `init` are per example (no batch axis); `apply` takes a
 * batch `[batch, ...inputShape]`.
 *
 * @example
 * const layer = dense(10)
 * const params = layer.init(key(0), [784])      // { w: [784, 10], b: [10] }
 * const y = layer.apply(params, x)               // x: [32, 784] → y: [32, 10]
 */
export interface Layer<S extends LayerSpec = LayerSpec> {
  readonly spec: S;
  /** The per-example output shape for a per-example input shape, or why it does not fit. */
  readonly outputShape: (inputShape: Shape) => Either<string, Shape>;
  /** The structure, shapes and dtypes of the params `init` would draw. */
  readonly paramShapes: (inputShape: Shape, dtype: DType) => ParamShapes;
  /** Draws the params from a key. */
  readonly init: (key: PRNGKey, inputShape: Shape, dtype?: DType) => Params;
  /** The layer's output for a batch. Pure: built from ops, so it traces and differentiates. */
  readonly apply: (params: Params, x: Tensor) => Tensor;
  /** The initial state of a layer that keeps one (batchNorm's running statistics); absent: no state (`{}`). */
  readonly initState?: (inputShape: Shape, dtype: DType) => State;
  /**
   * The full call of a layer with state or a train mode: params, state, a batch and the
   * mode in, the output and the next state out. Absent: `apply`, state unchanged.
   */
  readonly call?: (params: Params, state: State, x: Tensor, options: CallOptions) => CallResult;
}

/**
 * A layer's state: a pytree of tensors like {@link Params} (`{}` when there is none). It is
 * not trained by gradients; a call returns the next state and the caller keeps it.
 *
 * @example
 * const s: State = { mean: zeros([8]), variance: ones([8]) } // batchNorm(8 channels)
 */
export type State = Params;

/**
 * The mode of a {@link callLayer}: train or eval, and the randomness train mode may need.
 *
 * @example
 * const options: CallOptions = { training: true, key: foldIn(key(0), step) }
 */
export interface CallOptions {
  /** Train mode (default false: eval). batchNorm uses batch statistics and updates its running ones; dropout drops. */
  readonly training?: boolean;
  /**
   * PRNG key of the call; dropout in train mode needs one. Composite layers split it among
   * their parts. A key tensor (`keyTensor(k)`) works too, and is what a jitted step should take
   * as an argument: the split happens inside the graph (ops.splitKey), so each call's key
   * draws fresh masks without retracing, equal to the eager ones.
   */
  readonly key?: LayerKey;
}

/** A PRNG key, or a key tensor of shape [2] (see `keyTensor`). */
export type LayerKey = PRNGKey | Tensor;

/**
 * The key tensor of a layer key, for ops that take their key as an input (dropout).
 *
 * @example
 * keyInput(key(3)) // keyTensor(key(3))
 */
export const keyInput = (k: LayerKey): Tensor => (k instanceof Tensor ? k : keyTensor(k));

/**
 * What {@link callLayer} returns: the output and the layer's next state.
 *
 * @example
 * const { y, state: next }: CallResult = callLayer(layer, params, state, x, { training: true })
 */
export interface CallResult {
  readonly y: Tensor;
  readonly state: State;
}

/**
 * The initial state of a layer for a per-example input shape: `{}` for layers without state.
 *
 * @example
 * initLayerState(batchNorm(), [4])  // { mean: zeros([4]), variance: ones([4]) }
 * initLayerState(dense(3), [4])     // {}
 */
export const initLayerState = (layer: Layer, inputShape: Shape, dtype: DType = 'float32'): State =>
  layer.initState === undefined ? {} : layer.initState(inputShape, dtype);

/**
 * Calls a layer with its state and mode: `layer.call` where it has one, else `apply` with
 * the state passed through. Pure, so it traces and differentiates (the state may be
 * returned as `grad`'s aux).
 *
 * @example
 * const bn = batchNorm()
 * const { y, state } = callLayer(bn, params, initLayerState(bn, [4]), x, { training: true })
 * callLayer(dropout(0.1), {}, {}, x, { training: true, key: key(1) }).y
 */
export const callLayer = (layer: Layer, params: Params, state: State, x: Tensor, options: CallOptions = {}): CallResult =>
  layer.call === undefined ? { y: layer.apply(params, x), state } : layer.call(params, state, x, options);

/**
 * Splits an optional key into n keys (undefined stays undefined), for composite layers; a key
 * tensor is split inside the graph, into the same keys `split` gives.
 *
 * @example
 * splitLayerKey(key(0), 2) // split(key(0), 2)
 */
export const splitLayerKey = (k: LayerKey | undefined, n: number): readonly (LayerKey | undefined)[] => {
  const count = Math.max(1, n);
  if (k === undefined) return Array.from({ length: n }, () => undefined);
  if (k instanceof Tensor) return Array.from({ length: count }, (_, index) => splitKeyOp(k, { index }));
  return split(k, count);
};

/** The per-layer entries of a composite's params or state; throws naming the composite (`where`) otherwise. */
export const entriesOf = (where: string, what: string, value: unknown, n: number): readonly Params[] => {
  if (!Array.isArray(value) || value.length !== n) {
    throw new ChainruleError('BadArgument', `${where}: ${what} must be an array of ${n} entries (one per layer), got ${Array.isArray(value) ? value.length : typeof value}`);
  }
  return value as readonly Params[];
};

/** Text of a shape for messages: `[2, 3]`. */

/** Throws the programmer error for a shape that does not fit a layer. */
export const mustFit = (layer: Layer, inputShape: Shape): Shape => {
  const out = layer.outputShape(inputShape);
  if (out._tag === 'Left') throw new ChainruleError('ShapeMismatch', `${layer.spec.type} layer: ${out.left}`);
  return out.right;
};

/** Options of {@link dense}. */
export interface DenseOptions {
  /** Whether to add a bias (default true). */
  readonly useBias?: boolean;
  /** How to draw the kernel (default 'glorotUniform'); the bias starts at zero. */
  readonly kernelInit?: InitializerName;
}

/**
 * A fully connected layer: `y = x·w + b`, params `{ w: [in, units], b: [units] }`. Needs a
 * flat input per example (put `flatten()` after convolutions).
 *
 * @example
 * dense(128, { kernelInit: 'heNormal' })
 */
export const dense = (units: number, options: DenseOptions = {}): Layer<DenseSpec> =>
  denseFromSpec({ type: 'dense', units, useBias: options.useBias ?? true, kernelInit: options.kernelInit ?? 'glorotUniform' });

/** @internal builds a dense layer from its (validated) spec */
export const denseFromSpec = (spec: DenseSpec): Layer<DenseSpec> => {
  if (!Number.isInteger(spec.units) || spec.units <= 0) throw new ChainruleError('BadArgument', `dense: units must be a positive integer, got ${spec.units}`);
  const { units, useBias } = spec;
  const shapes = (inputShape: Shape, dtype: DType): ParamShapes =>
    useBias ? { w: { shape: [inputShape[0], units], dtype }, b: { shape: [units], dtype } } : { w: { shape: [inputShape[0], units], dtype } };
  const layer: Layer<DenseSpec> = {
    spec,
    outputShape: (inputShape) =>
      inputShape.length === 1 ? right([units]) : left(`needs a flat input per example, got shape ${shapeText(inputShape)} (add flatten())`),
    paramShapes: shapes,
    init: (key, inputShape, dtype = 'float32') => {
      mustFit(layer, inputShape);
      const [kw, kb] = split(key, 2);
      const w = initializers[spec.kernelInit](kw, [inputShape[0], units], dtype);
      const p: Params = useBias ? { w, b: zerosInit(kb, [units], dtype) } : { w };
      return p;
    },
    apply: (params, x) => {
      const p = params as { readonly w: Tensor; readonly b?: Tensor };
      const y = matmul(x, p.w);
      return p.b === undefined ? y : add(y, p.b);
    },
  };
  return layer;
};

/**
 * Flattens each example to one axis: `[batch, h, w, c] → [batch, h·w·c]`. No params.
 *
 * @example
 * flatten().outputShape([7, 7, 16]) // right([784])
 */
export const flatten = (): Layer<FlattenSpec> => {
  const layer: Layer<FlattenSpec> = {
    spec: { type: 'flatten' },
    outputShape: (inputShape) => right([inputShape.reduce((a, b) => a * b, 1)]),
    paramShapes: () => ({}),
    init: () => ({}),
    apply: (_params, x) => reshape(x, { shape: [x.shape[0], x.size / Math.max(1, x.shape[0])] }),
  };
  return layer;
};

const activationFns: Record<ActivationName, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  sigmoid: (x) => sigmoid(x),
  relu: (x) => relu(x),
  tanh: (x) => tanh(x),
  leakyRelu: (x) => leakyRelu(x, { alpha: 0.2 }),
  elu: (x) => elu(x, { alpha: 1 }),
  gelu: (x) => gelu(x),
  silu: (x) => silu(x),
  softplus: (x) => softplus(x),
  softmax: (x) => softmax(x, { axis: -1 }),
  logSoftmax: (x) => logSoftmax(x, { axis: -1 }),
};

/**
 * An activation as a layer: elementwise (sigmoid, relu, tanh, leakyRelu with α = 0.2, elu
 * with α = 1, gelu, silu, softplus, linear) or over the last axis (softmax, logSoftmax). No
 * params.
 *
 * @example
 * sequential({ inputShape: [2], layers: [dense(8), activation('tanh'), dense(2)] })
 */
export const activation = (name: ActivationName): Layer<ActivationSpec> => {
  // own keys only: a name such as 'toString' must not find Object.prototype's
  const fn = Object.hasOwn(activationFns, name) ? activationFns[name] : undefined;
  if (fn === undefined) throw new ChainruleError('BadArgument', `activation: unknown activation '${String(name)}' (expected one of ${Object.keys(activationFns).join(', ')})`);
  return {
    spec: { type: 'activation', activation: name },
    outputShape: (inputShape) => right(inputShape),
    paramShapes: () => ({}),
    init: () => ({}),
    apply: (_params, x) => fn(x),
  };
};
