// myorg.swish: x·σ(βx), a third-party op plugin declared by its scalar function and derivative, with its own kernel for the js backend.

import { add, finite, mul, sigmoid, sub, unaryOp, withDefaults, type Kernel, type Op, type Tensor } from '@chainrule/core';

/** Attrs of {@link swish}: the slope β inside the sigmoid (default 1; β = 1 is SiLU). */
export interface SwishAttrs {
  readonly beta: number;
}

/** Codec of {@link SwishAttrs}: β must be a finite number; the default lives here. */
export const swishAttrs = withDefaults({ beta: finite }, { beta: 1 });

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

/** x·σ(βx) with σ written both ways, so that e^{±z} never overflows (one exp either way). */
const swishScalar = (v: number, beta: number): number => {
  const z = beta * v;
  const e = Math.exp(-Math.abs(z));
  return v * (z >= 0 ? 1 / (1 + e) : e / (1 + e));
};

/**
 * The plugin's own kernel for the js backend: one loop with the maths inlined, writing into
 * the output buffer the backend hands it (the reference `forward` the helper derives calls the
 * scalar function per element instead).
 */
const swishJs: Kernel<SwishAttrs> = ([x], out, { beta }) => {
  for (let i = 0; i < out.length; i++) {
    const v = x[i], z = beta * v;
    const e = Math.exp(-Math.abs(z));
    out[i] = v * (z >= 0 ? 1 / (1 + e) : e / (1 + e));
  }
};

/**
 * swish(x) = x·σ(βx), elementwise. A smooth relu-like activation (Ramachandran et al., 2017).
 *
 * @example
 * swish(tensor([-1, 0, 2]))                // [-0.269, 0, 1.762]
 * swish(tensor([1]), { beta: 2 })          // [0.881]
 */
export const swish: Op<SwishAttrs> = unaryOp({
  name: 'myorg.swish',
  attrs: swishAttrs,
  fn: (v, { beta }) => swishScalar(v, beta),
  // d swish = σ(βx)·(1 + βx·(1 − σ(βx)))
  derivative: (x, _y, { beta }) => swishSlope(x, beta),
  domains: [{ min: -6, max: 6 }],
  kernels: { js: swishJs },
  conformance: {
    cases: [
      { inputs: [[3]], label: 'default beta' },
      { inputs: [[2, 3]], attrs: { beta: 1.7 }, label: 'beta 1.7' },
      { inputs: [[]], attrs: { beta: -0.5 }, label: 'negative beta' },
    ],
    badAttrs: [{ beta: 'large' }, { beta: Infinity }, { beta: [1] }],
  },
});
