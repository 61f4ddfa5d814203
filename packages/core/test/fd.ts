// Central finite differences in float64, used by core's tests as the independent reference.

import { Tensor, tensor } from '../src/index.js';

/** ∂f/∂x by central differences, element by element, for a scalar-valued f of one tensor. */
export const numericGrad = (f: (x: Tensor) => Tensor, x: Tensor, eps = 1e-6): number[] => {
  const base = Array.from(x.data);
  return base.map((_, i) => {
    const plus = base.slice(), minus = base.slice();
    plus[i] += eps;
    minus[i] -= eps;
    const fp = f(tensor(plus, { shape: x.shape, dtype: 'float64' })).item();
    const fm = f(tensor(minus, { shape: x.shape, dtype: 'float64' })).item();
    return (fp - fm) / (2 * eps);
  });
};

/** d/dx of a scalar function of a scalar, by central differences. */
export const numericDerivative = (f: (x: number) => number, x: number, eps = 1e-5): number => (f(x + eps) - f(x - eps)) / (2 * eps);
