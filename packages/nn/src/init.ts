// Weight initialisers drawn from a PRNG key: Glorot (Xavier) and He, uniform and normal, and zeros.

import * as t from 'io-ts';
import { ChainruleError, normal, uniform, zeros, type DType, type PRNGKey, type Shape, type Tensor, shapeText } from '@chainrule/core';

/** Draws a tensor of `shape` from `key`. */
export type Initializer = (key: PRNGKey, shape: Shape, dtype?: DType) => Tensor;

/**
 * Fan-in and fan-out of a weight shape: `[in, out]` for a dense kernel, `[kh, kw, cin, cout]`
 * for a conv filter (the receptive field multiplies both).
 *
 * @example
 * fans([3, 3, 8, 16]) // { fanIn: 72, fanOut: 144 }
 */
export const fans = (shape: Shape): { fanIn: number; fanOut: number } => {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
};

const checkFans = (name: string, shape: Shape): { fanIn: number; fanOut: number } => {
  const f = fans(shape);
  if (f.fanIn <= 0 || f.fanOut <= 0) throw new ChainruleError('BadArgument', `${name}: shape ${shapeText(shape)} has no fan-in or fan-out`);
  return f;
};

/**
 * Glorot (Xavier) uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)); keeps activation
 * variance steady through sigmoid and tanh layers.
 *
 * @example
 * glorotUniform(key(0), [784, 128])
 */
export const glorotUniform: Initializer = (key, shape, dtype = 'float32') => {
  const { fanIn, fanOut } = checkFans('glorotUniform', shape);
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return uniform(key, shape, { min: -a, max: a, dtype });
};

/**
 * Glorot (Xavier) normal: N(0, 2 / (fanIn + fanOut)).
 *
 * @example
 * glorotNormal(key(0), [128, 10])
 */
export const glorotNormal: Initializer = (key, shape, dtype = 'float32') => {
  const { fanIn, fanOut } = checkFans('glorotNormal', shape);
  return normal(key, shape, { std: Math.sqrt(2 / (fanIn + fanOut)), dtype });
};

/**
 * He (Kaiming) normal: N(0, 2 / fanIn); keeps activation variance steady through relu layers.
 *
 * @example
 * heNormal(key(0), [3, 3, 1, 8])
 */
export const heNormal: Initializer = (key, shape, dtype = 'float32') => {
  const { fanIn } = checkFans('heNormal', shape);
  return normal(key, shape, { std: Math.sqrt(2 / fanIn), dtype });
};

/**
 * He (Kaiming) uniform: U(−a, a) with a = √(6 / fanIn).
 *
 * @example
 * heUniform(key(0), [256, 128])
 */
export const heUniform: Initializer = (key, shape, dtype = 'float32') => {
  const { fanIn } = checkFans('heUniform', shape);
  const a = Math.sqrt(6 / fanIn);
  return uniform(key, shape, { min: -a, max: a, dtype });
};

/**
 * All zeros (biases); ignores the key.
 *
 * @example
 * zerosInit(key(0), [10]) // [0, …, 0]
 */
export const zerosInit: Initializer = (_key, shape, dtype = 'float32') => zeros(shape, dtype);

/**
 * The initialisers by name, as model specs refer to them.
 *
 * @example
 * initializers.heNormal(key(1), [3, 3, 8, 16])
 */
export const initializers = { glorotUniform, glorotNormal, heNormal, heUniform, zeros: zerosInit } as const;

/** The name of a built-in initialiser. */
export type InitializerName = keyof typeof initializers;

/**
 * Codec of an initialiser name.
 *
 * @example
 * initializerNameCodec.decode('heNormal') // right('heNormal')
 */
export const initializerNameCodec = t.keyof(
  { glorotUniform: null, glorotNormal: null, heNormal: null, heUniform: null, zeros: null } satisfies Record<InitializerName, null>,
  'InitializerName',
);
