// The JSON forms of layers and models, with io-ts codecs: what a checkpoint stores and the CLI rebuilds.

import * as t from 'io-ts';
import { dtypeCodec, type DType } from '@chainrule/core';
import { initializerNameCodec, type InitializerName } from './init.js';

const positiveInt = t.refinement(t.number, (n) => Number.isInteger(n) && n > 0, 'positive integer');
const pair = t.tuple([positiveInt, positiveInt]);

/**
 * Codec of an activation name.
 *
 * @example
 * activationNameCodec.decode('relu') // right('relu')
 */
export const activationNameCodec = t.keyof(
  { linear: null, sigmoid: null, relu: null, tanh: null, leakyRelu: null, elu: null, gelu: null, silu: null, softplus: null, softmax: null, logSoftmax: null },
  'ActivationName',
);

/** The name of a built-in activation. */
export type ActivationName = t.TypeOf<typeof activationNameCodec>;

/** A dense layer: `x·w + b` over the last axis. */
export interface DenseSpec {
  readonly type: 'dense';
  readonly units: number;
  readonly useBias: boolean;
  readonly kernelInit: InitializerName;
}

/** A 2-D convolution, NHWC input and HWIO filter. */
export interface Conv2dSpec {
  readonly type: 'conv2d';
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'same' | 'valid';
  readonly useBias: boolean;
  readonly kernelInit: InitializerName;
}

/** Max or average pooling over windows of the two spatial axes. */
export interface Pool2dSpec {
  readonly type: 'maxPool2d' | 'avgPool2d';
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'same' | 'valid';
}

/** Flattens every axis after the batch axis into one. */
export interface FlattenSpec {
  readonly type: 'flatten';
}

/** An elementwise (or, for softmax, per-row) activation. */
export interface ActivationSpec {
  readonly type: 'activation';
  readonly activation: ActivationName;
}

/** The JSON form of any layer, tagged by `type`, with every default filled in. */
export type LayerSpec = DenseSpec | Conv2dSpec | Pool2dSpec | FlattenSpec | ActivationSpec;

/** The JSON form of a model: a per-example input shape, a dtype and its layers in order. */
export interface ModelSpec {
  readonly inputShape: readonly number[];
  readonly dtype: DType;
  readonly layers: readonly LayerSpec[];
}

const paddingCodec = t.keyof({ same: null, valid: null }, 'Padding');

const denseCodec = t.type({ type: t.literal('dense'), units: positiveInt, useBias: t.boolean, kernelInit: initializerNameCodec });
const conv2dCodec = t.type({
  type: t.literal('conv2d'),
  filters: positiveInt,
  kernelSize: pair,
  strides: pair,
  padding: paddingCodec,
  useBias: t.boolean,
  kernelInit: initializerNameCodec,
});
const pool2dCodec = t.type({ type: t.keyof({ maxPool2d: null, avgPool2d: null }), poolSize: pair, strides: pair, padding: paddingCodec });
const flattenCodec = t.type({ type: t.literal('flatten') });
const activationCodec = t.type({ type: t.literal('activation'), activation: activationNameCodec });

const layerCodecs: Record<LayerSpec['type'], t.Mixed> = {
  dense: denseCodec,
  conv2d: conv2dCodec,
  maxPool2d: pool2dCodec,
  avgPool2d: pool2dCodec,
  flatten: flattenCodec,
  activation: activationCodec,
};

/**
 * Codec of a {@link LayerSpec}. It picks the codec by `type` first, so a Left names the one
 * field that is wrong ('units: expected positive integer, got -3') rather than every union arm.
 *
 * @example
 * layerSpecCodec.decode({ type: 'dense', units: 10, useBias: true, kernelInit: 'glorotUniform' })
 */
export const layerSpecCodec = new t.Type<LayerSpec, LayerSpec, unknown>(
  'LayerSpec',
  (u): u is LayerSpec => layerSpecCodec.validate(u, [])._tag === 'Right',
  (u, c) => {
    const type = typeof u === 'object' && u !== null ? (u as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(layerCodecs, type)) {
      return t.failure(type, [...c, { key: 'type', type: t.string, actual: type }], `expected one of ${Object.keys(layerCodecs).join(', ')}`);
    }
    return layerCodecs[type as LayerSpec['type']].validate(u, c) as t.Validation<LayerSpec>;
  },
  (spec) => spec,
);

/**
 * Codec of a {@link ModelSpec}.
 *
 * @example
 * modelSpecCodec.decode(JSON.parse(text)) // right(spec) or left(errors)
 */
export const modelSpecCodec: t.Type<ModelSpec, ModelSpec, unknown> = t.type(
  { inputShape: t.readonlyArray(positiveInt), dtype: dtypeCodec, layers: t.readonlyArray(layerSpecCodec) },
  'ModelSpec',
) as unknown as t.Type<ModelSpec, ModelSpec, unknown>;
