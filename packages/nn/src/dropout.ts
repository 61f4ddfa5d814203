// The dropout layer: inverted dropout drawn from the call's PRNG key in train mode, the identity in eval mode.

import { right } from 'fp-ts/lib/Either.js';
import { ChainruleError } from '@chainrule/core';
import { dropout as dropoutOp } from '@chainrule/ops';
import { keyInput, type Layer } from './layer.js';
import type { DropoutSpec } from './spec.js';

/**
 * Dropout as a layer, no params, no state. In train mode (`callLayer(…, { training: true,
 * key })`) each element is zeroed with probability `rate` and the rest scaled by
 * 1/(1 − rate), the mask drawn from the key (same key, same mask; a missing key throws).
 * In eval mode, and through `apply`, it is the identity.
 *
 * @example
 * const drop = dropout(0.1)
 * callLayer(drop, {}, {}, x, { training: true, key: key(7) }).y // about 10 % zeroed
 * drop.apply({}, x)                                             // x itself
 */
export const dropout = (rate: number): Layer<DropoutSpec> => {
  if (!(Number.isFinite(rate) && rate >= 0 && rate < 1)) throw new ChainruleError('BadArgument', `dropout: rate must be in [0, 1), got ${rate}`);
  return {
    spec: { type: 'dropout', rate },
    outputShape: (inputShape) => right(inputShape),
    paramShapes: () => ({}),
    init: () => ({}),
    apply: (_params, x) => x,
    call: (_params, state, x, options) => {
      if (options.training !== true || rate === 0) return { y: x, state };
      if (options.key === undefined) throw new ChainruleError('BadArgument', 'dropout layer: train mode needs a PRNG key (callLayer(layer, params, state, x, { training: true, key }))');
      return { y: dropoutOp(x, keyInput(options.key), { rate }), state };
    },
  };
};
