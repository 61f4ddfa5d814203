// The ops this package uses beyond core's, in one place: re-exports of @chainrule/ops plus a local floor.

import { defineOp, allocate, inferSame, noAttrs, noGradient, type Op } from '@chainrule/core';

export { sqrt, cos, maximum, minimum, where, greaterEqual } from '@chainrule/ops';

/**
 * Elementwise ⌊x⌋, with no gradient (it is piecewise constant). Local to this package
 * because @chainrule/ops has no rounding ops yet; staircase schedules need it.
 *
 * @example
 * floor(tensor([2.5, -0.5])) // [2, -1]
 */
export const floor: Op<{}> = defineOp({
  name: 'optim.floor',
  attrs: noAttrs,
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) o[i] = Math.floor(d[i]);
    return o;
  },
  // ∂⌊x⌋ = 0 almost everywhere: no gradient
  vjp: noGradient,
  differentiable: false,
});
