// Normalisation layers: layerNorm (over each example's last axis) and batchNorm (per channel, running statistics as explicit state).

import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { ChainruleError, add, mul, ones, stopGradient, sub, zeros, type DType, type Shape, type Tensor, shapeText } from '@chainrule/core';
import { mean, rsqrt, variance } from '@chainrule/ops';
import { mustFit, type Layer, type State } from './layer.js';
import type { ParamShapes, Params } from './params.js';
import type { BatchNormSpec, LayerNormSpec } from './spec.js';

/** The gamma/beta params of a normalisation layer. */
interface ScaleShift {
  readonly gamma: Tensor;
  readonly beta: Tensor;
}

/** Running statistics of {@link batchNorm}, one entry per channel. */
interface RunningStats {
  readonly mean: Tensor;
  readonly variance: Tensor;
}

const scaleShiftShapes = (d: number, dtype: DType): ParamShapes => ({ gamma: { shape: [d], dtype }, beta: { shape: [d], dtype } });

const needsChannels = (inputShape: Shape): Either<string, Shape> =>
  inputShape.length >= 1 && inputShape[inputShape.length - 1] > 0
    ? right(inputShape)
    : left(`needs at least one non-empty axis per example (the one it normalises), got shape ${shapeText(inputShape)}`);

/** Throws, naming the layer, when a batch's last axis is not the one the params were drawn for. */
const expectLastAxis = (layer: string, x: Tensor, d: number): void => {
  if (x.shape.length < 2 || x.shape[x.shape.length - 1] !== d) {
    throw new ChainruleError('ShapeMismatch', `${layer} layer: expected a batch whose last axis has ${d} entries (as gamma), got shape ${shapeText(x.shape)}`);
  }
};

/** (x − μ)·(σ² + ε)^(−½)·γ + β, with μ and σ² already broadcastable to x. */
const normalise = (x: Tensor, mu: Tensor, sigma2: Tensor, epsilon: number, p: ScaleShift): Tensor =>
  add(mul(mul(sub(x, mu), rsqrt(add(sigma2, epsilon))), p.gamma), p.beta);

const checkEpsilon = (layer: string, epsilon: number): void => {
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new ChainruleError('BadArgument', `${layer}: epsilon must be a positive number, got ${epsilon}`);
};

/**
 * Options of {@link layerNorm}.
 *
 * @example
 * layerNorm({ epsilon: 1e-6 })
 */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  readonly epsilon?: number;
}

/**
 * Layer normalisation (Ba et al.): each example's vectors along the last axis are shifted to
 * mean 0 and scaled to variance 1 (population variance), then scaled by `gamma` and shifted
 * by `beta`, params `{ gamma: [d], beta: [d] }` starting at ones and zeros. Works the same in
 * train and eval mode, so it has no state.
 *
 * @example
 * const ln = layerNorm()
 * const params = ln.init(key(0), [5, 16])   // { gamma: [16], beta: [16] }
 * ln.apply(params, x)                       // x: [batch, 5, 16], each 16-vector normalised
 */
export const layerNorm = (options: LayerNormOptions = {}): Layer<LayerNormSpec> => layerNormFromSpec({ type: 'layerNorm', epsilon: options.epsilon ?? 1e-5 });

/** @internal builds a layerNorm layer from its (validated) spec */
export const layerNormFromSpec = (spec: LayerNormSpec): Layer<LayerNormSpec> => {
  checkEpsilon('layerNorm', spec.epsilon);
  const layer: Layer<LayerNormSpec> = {
    spec,
    outputShape: needsChannels,
    paramShapes: (inputShape, dtype) => scaleShiftShapes(inputShape[inputShape.length - 1], dtype),
    init: (_key, inputShape, dtype = 'float32') => {
      const d = mustFit(layer, inputShape)[inputShape.length - 1];
      return { gamma: ones([d], dtype), beta: zeros([d], dtype) };
    },
    apply: (params, x) => {
      const p = params as unknown as ScaleShift;
      expectLastAxis('layerNorm', x, p.gamma.shape[0]);
      const mu = mean(x, { axis: -1, keepDims: true });
      const sigma2 = variance(x, { axis: -1, keepDims: true });
      return normalise(x, mu, sigma2, spec.epsilon, p);
    },
  };
  return layer;
};

/**
 * Options of {@link batchNorm}.
 *
 * @example
 * batchNorm({ momentum: 0.99, epsilon: 1e-3 })
 */
export interface BatchNormOptions {
  /** Weight of the old running statistics in each train-mode update, in [0, 1) (default 0.9). */
  readonly momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  readonly epsilon?: number;
}

/**
 * Batch normalisation (Ioffe & Szegedy) per channel, the last axis: `[batch, d]` or NHWC
 * `[batch, h, w, c]`. Params `{ gamma: [c], beta: [c] }`; state `{ mean: [c], variance: [c] }`
 * (zeros and ones at first). In train mode it normalises with the batch's mean and
 * population variance over every axis but the last and returns the running statistics
 * moved towards them, `running ← momentum·running + (1 − momentum)·batch` (no gradient
 * flows into the state). In eval mode it normalises with the running statistics and
 * returns the state unchanged. Pure: the state goes in and comes out; call it with
 * {@link callLayer} (its `apply`, which has no state, throws).
 *
 * @example
 * const bn = batchNorm({ momentum: 0.9 })
 * const params = bn.init(key(0), [4])
 * let state = initLayerState(bn, [4])
 * const train = callLayer(bn, params, state, x, { training: true }) // batch statistics
 * state = train.state                                                // running statistics moved
 * const y = callLayer(bn, params, state, x).y                        // eval: running statistics
 */
export const batchNorm = (options: BatchNormOptions = {}): Layer<BatchNormSpec> =>
  batchNormFromSpec({ type: 'batchNorm', momentum: options.momentum ?? 0.9, epsilon: options.epsilon ?? 1e-5 });

/** @internal builds a batchNorm layer from its (validated) spec */
export const batchNormFromSpec = (spec: BatchNormSpec): Layer<BatchNormSpec> => {
  checkEpsilon('batchNorm', spec.epsilon);
  const { momentum, epsilon } = spec;
  if (!(Number.isFinite(momentum) && momentum >= 0 && momentum < 1)) {
    throw new ChainruleError('BadArgument', `batchNorm: momentum must be in [0, 1), got ${momentum}`);
  }
  const channels = (inputShape: Shape): number => mustFit(layer, inputShape)[inputShape.length - 1];
  const layer: Layer<BatchNormSpec> = {
    spec,
    outputShape: needsChannels,
    paramShapes: (inputShape, dtype) => scaleShiftShapes(inputShape[inputShape.length - 1], dtype),
    init: (_key, inputShape, dtype = 'float32') => {
      const c = channels(inputShape);
      return { gamma: ones([c], dtype), beta: zeros([c], dtype) };
    },
    initState: (inputShape, dtype) => {
      const c = channels(inputShape);
      return { mean: zeros([c], dtype), variance: ones([c], dtype) };
    },
    apply: () => {
      throw new ChainruleError('BadArgument', 'batchNorm layer: keeps running statistics as state; call it with callLayer(layer, params, state, x, { training }) or model.call');
    },
    call: (params: Params, state: State, x: Tensor, options) => {
      const p = params as unknown as ScaleShift;
      const s = state as unknown as RunningStats;
      expectLastAxis('batchNorm', x, p.gamma.shape[0]);
      if (s === undefined || s.mean === undefined || s.variance === undefined) {
        throw new ChainruleError('BadArgument', 'batchNorm layer: state must be { mean, variance } (initLayerState gives the first one)');
      }
      if (options.training !== true) return { y: normalise(x, s.mean, s.variance, epsilon, p), state };
      const axis = Array.from({ length: x.shape.length - 1 }, (_, i) => i);
      const mu = mean(x, { axis });
      const sigma2 = variance(x, { axis });
      const move = (running: Tensor, batch: Tensor): Tensor => add(mul(running, momentum), mul(stopGradient(batch), 1 - momentum));
      return { y: normalise(x, mu, sigma2, epsilon, p), state: { mean: move(s.mean, mu), variance: move(s.variance, sigma2) } };
    },
  };
  return layer;
};
