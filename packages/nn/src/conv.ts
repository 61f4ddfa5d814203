// Convolution and pooling layers over NHWC images: conv2d (HWIO filters), maxPool2d, avgPool2d.

import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { ChainruleError, split, type Shape, type Tensor, shapeText } from '@chainrule/core';
import { add, avgPool2d as avgPoolOp, conv2d as conv2dOp, maxPool2d as maxPoolOp } from './ops.js';
import { initializers, zerosInit, type InitializerName } from './init.js';
import { mustFit, type Layer } from './layer.js';
import type { ParamShapes, Params } from './params.js';
import type { Conv2dSpec, Pool2dSpec } from './spec.js';

type Padding = 'same' | 'valid';
type Pair = readonly [number, number];

const asPair = (where: string, field: string, v: number | Pair): Pair => {
  const p: Pair = typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || !p.every((n) => Number.isInteger(n) && n > 0)) {
    throw new ChainruleError('BadArgument', `${where}: ${field} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
};

/** Output length of one spatial axis: ⌈n / s⌉ for 'same', ⌊(n − k) / s⌋ + 1 for 'valid'. */
const outLength = (n: number, k: number, s: number, padding: Padding): number => (padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1);

const spatialOut = (what: string, inputShape: Shape, window: Pair, strides: Pair, padding: Padding): Either<string, [number, number]> => {
  if (inputShape.length !== 3) return left(`${what} needs [height, width, channels] per example, got ${shapeText(inputShape)}`);
  const [h, w] = inputShape;
  const oh = outLength(h, window[0], strides[0], padding), ow = outLength(w, window[1], strides[1], padding);
  if (oh <= 0 || ow <= 0) return left(`a ${window[0]}×${window[1]} window does not fit a ${h}×${w} input with padding 'valid'`);
  return right([oh, ow]);
};

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Step of the window along height and width (default 1). */
  readonly strides?: number | Pair;
  /** 'same' keeps ⌈size / stride⌉, 'valid' uses only full windows (default 'same'). */
  readonly padding?: Padding;
  readonly useBias?: boolean;
  /** Default 'heNormal' (suits relu). */
  readonly kernelInit?: InitializerName;
}

/**
 * A 2-D convolution layer: NHWC input `[batch, h, w, cin]`, params `{ w: [kh, kw, cin, filters],
 * b: [filters] }`, output `[batch, h', w', filters]`.
 *
 * @example
 * conv2d(8, 3)                              // 3×3, 8 filters, 'same'
 * conv2d(16, [5, 5], { strides: 2, padding: 'valid' })
 */
export const conv2d = (filters: number, kernelSize: number | Pair, options: Conv2dOptions = {}): Layer<Conv2dSpec> =>
  conv2dFromSpec({
    type: 'conv2d',
    filters,
    kernelSize: asPair('conv2d', 'kernelSize', kernelSize),
    strides: asPair('conv2d', 'strides', options.strides ?? 1),
    padding: options.padding ?? 'same',
    useBias: options.useBias ?? true,
    kernelInit: options.kernelInit ?? 'heNormal',
  });

/** @internal builds a conv layer from its (validated) spec */
export const conv2dFromSpec = (spec: Conv2dSpec): Layer<Conv2dSpec> => {
  if (!Number.isInteger(spec.filters) || spec.filters <= 0) throw new ChainruleError('BadArgument', `conv2d: filters must be a positive integer, got ${spec.filters}`);
  const { filters, kernelSize, strides, padding, useBias } = spec;
  const wShape = (inputShape: Shape): number[] => [kernelSize[0], kernelSize[1], inputShape[2], filters];
  const layer: Layer<Conv2dSpec> = {
    spec,
    outputShape: (inputShape) => {
      const hw = spatialOut('conv2d', inputShape, kernelSize, strides, padding);
      return hw._tag === 'Left' ? hw : right([...hw.right, filters]);
    },
    paramShapes: (inputShape, dtype): ParamShapes =>
      useBias ? { w: { shape: wShape(inputShape), dtype }, b: { shape: [filters], dtype } } : { w: { shape: wShape(inputShape), dtype } },
    init: (key, inputShape, dtype = 'float32') => {
      mustFit(layer, inputShape);
      const [kw, kb] = split(key, 2);
      const w = initializers[spec.kernelInit](kw, wShape(inputShape), dtype);
      const p: Params = useBias ? { w, b: zerosInit(kb, [filters], dtype) } : { w };
      return p;
    },
    apply: (params, x) => {
      const p = params as { readonly w: Tensor; readonly b?: Tensor };
      const y = conv2dOp(x, p.w, { strides: [...strides], padding });
      return p.b === undefined ? y : add(y, p.b);
    },
  };
  return layer;
};

/** Options of {@link maxPool2d} and {@link avgPool2d}. */
export interface Pool2dOptions {
  /** Default: the pool size (non-overlapping windows). */
  readonly strides?: number | Pair;
  /** Default 'valid'. */
  readonly padding?: Padding;
}

/** @internal builds a pooling layer from its (validated) spec */
export const pool2dFromSpec = (spec: Pool2dSpec): Layer<Pool2dSpec> => {
  const { poolSize, strides, padding } = spec;
  const pool = spec.type === 'maxPool2d' ? maxPoolOp : avgPoolOp;
  return {
    spec,
    outputShape: (inputShape) => {
      const hw = spatialOut(spec.type, inputShape, poolSize, strides, padding);
      return hw._tag === 'Left' ? hw : right([...hw.right, inputShape[2]]);
    },
    paramShapes: () => ({}),
    init: () => ({}),
    apply: (_params, x) => pool(x, { windowShape: [...poolSize], strides: [...strides], padding }),
  };
};

/**
 * Max pooling over `poolSize` windows of the two spatial axes of an NHWC batch. No params.
 *
 * @example
 * maxPool2d(2) // [b, 28, 28, c] → [b, 14, 14, c]
 */
export const maxPool2d = (poolSize: number | Pair, options: Pool2dOptions = {}): Layer<Pool2dSpec> => {
  const size = asPair('maxPool2d', 'poolSize', poolSize);
  return pool2dFromSpec({ type: 'maxPool2d', poolSize: size, strides: asPair('maxPool2d', 'strides', options.strides ?? size), padding: options.padding ?? 'valid' });
};

/**
 * Average pooling over `poolSize` windows of the two spatial axes of an NHWC batch. No params.
 *
 * @example
 * avgPool2d(2, { strides: 1, padding: 'same' })
 */
export const avgPool2d = (poolSize: number | Pair, options: Pool2dOptions = {}): Layer<Pool2dSpec> => {
  const size = asPair('avgPool2d', 'poolSize', poolSize);
  return pool2dFromSpec({ type: 'avgPool2d', poolSize: size, strides: asPair('avgPool2d', 'strides', options.strides ?? size), padding: options.padding ?? 'valid' });
};
