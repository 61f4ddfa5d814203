// Composite layers: serial (layers one after another), residual (x + f(x)) and timeDistributed (a layer per position).

import { left, right, isLeft, type Either } from 'fp-ts/lib/Either.js';
import { ChainruleError, add, reshape, shapesEqual, split, type Shape, type Tensor, shapeText } from '@chainrule/core';
import { callLayer, entriesOf, initLayerState, mustFit, splitLayerKey, type CallOptions, type CallResult, type Layer, type State } from './layer.js';
import type { Params } from './params.js';
import type { ResidualSpec, SerialSpec, TimeDistributedSpec } from './spec.js';

/** Per-example shapes through the layers, input first, or the first layer that does not fit. */
export const chainShapes = (inputShape: Shape, layers: readonly Layer[]): Either<string, Shape[]> => {
  const shapes: Shape[] = [inputShape];
  for (let i = 0; i < layers.length; i++) {
    const out = layers[i].outputShape(shapes[i]);
    if (isLeft(out)) return left(`layers[${i}] (${layers[i].spec.type}): ${out.left}`);
    shapes.push(out.right);
  }
  return right(shapes);
};

/**
 * Calls layers one after another, each with its own entry of `params` and `state` and its
 * own key split from `options.key`; returns the last output and the array of next states.
 * `where` names the caller in errors.
 *
 * @internal shared by serial and the model
 */
export const callInOrder = (where: string, layers: readonly Layer[], params: Params, state: State, x: Tensor, options: CallOptions): CallResult => {
  const ps = entriesOf(where, 'params', params, layers.length), ss = entriesOf(where, 'state', state, layers.length);
  const keys = splitLayerKey(options.key, layers.length);
  let y = x;
  const next: State[] = [];
  for (let i = 0; i < layers.length; i++) {
    const r = callLayer(layers[i], ps[i], ss[i], y, { ...options, key: keys[i] });
    y = r.y;
    next.push(r.state);
  }
  return { y, state: next };
};

/**
 * Layers applied one after another, as one layer (so it nests in {@link residual} or another
 * serial). Params and state are arrays with one entry per layer; in a call the key is split
 * among the layers.
 *
 * @example
 * const mlpBlock = serial([timeDistributed(dense(64)), activation('gelu'), timeDistributed(dense(16))])
 * residual(mlpBlock).outputShape([8, 16]) // right([8, 16])
 */
export const serial = (layers: readonly Layer[]): Layer<SerialSpec> => {
  const shapesOf = (inputShape: Shape): Shape[] => {
    mustFit(layer, inputShape);
    const r = chainShapes(inputShape, layers);
    return isLeft(r) ? [] : r.right;
  };
  const layer: Layer<SerialSpec> = {
    spec: { type: 'serial', layers: layers.map((l) => l.spec) },
    outputShape: (inputShape) => {
      const r = chainShapes(inputShape, layers);
      return isLeft(r) ? r : right(r.right[layers.length]);
    },
    paramShapes: (inputShape, dtype) => {
      const shapes = shapesOf(inputShape);
      return layers.map((l, i) => l.paramShapes(shapes[i], dtype));
    },
    init: (key, inputShape, dtype = 'float32') => {
      const shapes = shapesOf(inputShape);
      const keys = split(key, Math.max(1, layers.length));
      return layers.map((l, i) => l.init(keys[i], shapes[i], dtype));
    },
    initState: (inputShape, dtype) => {
      const shapes = shapesOf(inputShape);
      return layers.map((l, i) => initLayerState(l, shapes[i], dtype));
    },
    apply: (params, x) => {
      const ps = entriesOf('serial layer', 'params', params, layers.length);
      return layers.reduce((y, l, i) => l.apply(ps[i], y), x);
    },
    call: (params, state, x, options) => callInOrder('serial layer', layers, params, state, x, options),
  };
  return layer;
};

/**
 * `x + layer(x)`: a skip connection around a layer whose output has its input's shape. Params
 * and state are the inner layer's.
 *
 * @example
 * residual(serial([layerNorm(), multiHeadAttention({ heads: 4 })])) // x + MHA(LN(x))
 */
export const residual = (inner: Layer): Layer<ResidualSpec> => {
  const layer: Layer<ResidualSpec> = {
    spec: { type: 'residual', layer: inner.spec },
    outputShape: (inputShape) => {
      const out = inner.outputShape(inputShape);
      if (isLeft(out)) return left(`${inner.spec.type}: ${out.left}`);
      return shapesEqual(out.right, inputShape)
        ? right(inputShape)
        : left(`the inner ${inner.spec.type} layer maps ${shapeText(inputShape)} to ${shapeText(out.right)}; x + f(x) needs the same shape`);
    },
    paramShapes: (inputShape, dtype) => inner.paramShapes(mustFit(layer, inputShape), dtype),
    init: (key, inputShape, dtype = 'float32') => inner.init(key, mustFit(layer, inputShape), dtype),
    initState: (inputShape, dtype) => initLayerState(inner, mustFit(layer, inputShape), dtype),
    apply: (params, x) => add(x, inner.apply(params, x)),
    call: (params, state, x, options) => {
      const r = callLayer(inner, params, state, x, options);
      return { y: add(x, r.y), state: r.state };
    },
  };
  return layer;
};

/**
 * Applies a layer to each position of a `[length, ...rest]` input on its own, by folding
 * the positions into the batch: `[batch, length, ...rest] → [batch·length, ...rest]`, the
 * layer, and back. Params and state are the inner layer's (shared by every position).
 *
 * @example
 * timeDistributed(dense(11)).outputShape([8, 32]) // right([8, 11]): logits per position
 */
export const timeDistributed = (inner: Layer): Layer<TimeDistributedSpec> => {
  const rest = (inputShape: Shape): Shape => {
    mustFit(layer, inputShape);
    return inputShape.slice(1);
  };
  const fold = (x: Tensor): Tensor => {
    if (x.shape.length < 2) throw new ChainruleError('ShapeMismatch', `timeDistributed layer: expected a batch [batch, length, ...], got ${shapeText(x.shape)}`);
    return reshape(x, { shape: [x.shape[0] * x.shape[1], ...x.shape.slice(2)] });
  };
  const unfold = (y: Tensor, x: Tensor): Tensor => reshape(y, { shape: [x.shape[0], x.shape[1], ...y.shape.slice(1)] });
  const layer: Layer<TimeDistributedSpec> = {
    spec: { type: 'timeDistributed', layer: inner.spec },
    outputShape: (inputShape) => {
      if (inputShape.length < 1) return left(`needs a [length, ...] input per example, got shape ${shapeText(inputShape)}`);
      const out = inner.outputShape(inputShape.slice(1));
      return isLeft(out) ? left(`${inner.spec.type}: ${out.left}`) : right([inputShape[0], ...out.right]);
    },
    paramShapes: (inputShape, dtype) => inner.paramShapes(rest(inputShape), dtype),
    init: (key, inputShape, dtype = 'float32') => inner.init(key, rest(inputShape), dtype),
    initState: (inputShape, dtype) => initLayerState(inner, rest(inputShape), dtype),
    apply: (params, x) => unfold(inner.apply(params, fold(x)), x),
    call: (params, state, x, options) => {
      const r = callLayer(inner, params, state, fold(x), options);
      return { y: unfold(r.y, x), state: r.state };
    },
  };
  return layer;
};
