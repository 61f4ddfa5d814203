// myorg.swish: x·σ(βx), a third-party op plugin with hand-written VJP and JVP rules.

import * as t from 'io-ts';
import { add, allocate, defineOp, inferSame, mul, sigmoid, sub, type Op, type Tensor } from '@chainrule/core';

/** Attrs of {@link swish}: the slope β inside the sigmoid (default 1; β = 1 is SiLU). */
export interface SwishAttrs {
  readonly beta?: number;
}

const finiteNumber = t.refinement(t.number, Number.isFinite, 'finite number');

/** Codec of {@link SwishAttrs}: β must be a finite number. */
export const swishAttrs: t.Type<SwishAttrs, SwishAttrs, unknown> = t.partial({ beta: finiteNumber });

/**
 * The derivative factor σ(βx)·(1 + βx·(1 − σ(βx))), built from ops so that it can itself be
 * differentiated (second order).
 *
 * @example
 * swishSlope(tensor([0]), 1) // [0.5]
 */
export const swishSlope = (x: Tensor, beta: number): Tensor => {
  const bx = mul(x, beta);
  const s = sigmoid(bx);
  return mul(s, add(1, mul(bx, sub(1, s))));
};

/**
 * swish(x) = x·σ(βx), elementwise. A smooth relu-like activation (Ramachandran et al., 2017).
 *
 * @example
 * swish(tensor([-1, 0, 2]))                // [-0.269, 0, 1.762]
 * swish(tensor([1]), { beta: 2 })          // [0.881]
 */
export const swish: Op<SwishAttrs> = defineOp({
  name: 'myorg.swish',
  attrs: swishAttrs,
  arity: 1,
  infer: inferSame, // elementwise: the input's shape and dtype
  forward: ([x], { beta = 1 }, out) => {
    const d = x.data, o = allocate(out.dtype, d.length);
    for (let i = 0; i < d.length; i++) {
      const z = beta * d[i];
      // σ(z) written both ways so that e^{±z} never overflows (one exp per element either way).
      const e = Math.exp(-Math.abs(z));
      const s = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      o[i] = d[i] * s;
    }
    return o;
  },
  // ∂swish = g·σ(βx)·(1 + βx·(1 − σ(βx)))
  vjp: ({ inputs: [x], cotangent: g, attrs: { beta = 1 } }) => [mul(g, swishSlope(x, beta))],
  jvp: ({ inputs: [x], tangents: [tx], attrs: { beta = 1 } }) => (tx === null ? null : mul(tx, swishSlope(x, beta))),
  domains: [{ min: -6, max: 6 }],
});
