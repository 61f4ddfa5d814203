// A small training with swish: a 1-16-1 network fitted to a seeded toy regression by plain gradient descent.

import { describe, expect, it } from 'vitest';
import {
  add, jit, key, matmul, mul, normal, split, sub, sum, tensor, treeMap, uniform, valueAndGrad, zeros, type Tensor,
} from '@chainrule/core';
import { swish } from './index.js';

interface Params {
  readonly w1: Tensor;
  readonly b1: Tensor;
  readonly w2: Tensor;
  readonly b2: Tensor;
}

const forward = (p: Params, x: Tensor): Tensor => add(matmul(swish(add(matmul(x, p.w1), p.b1), { beta: 1.5 }), p.w2), p.b2);

// Mean squared error over the batch.
const loss = (p: Params, x: Tensor, y: Tensor): Tensor => {
  const d = sub(forward(p, x), y);
  return mul(sum(mul(d, d)), 1 / y.size);
};

describe('training with swish', () => {
  it('fits sin(2x) on [−2, 2]: the loss falls by more than 90%', () => {
    const [kx, k1, k2] = split(key(2024), 3);
    const x = uniform(kx, [64, 1], { min: -2, max: 2 });
    const y = tensor(Array.from(x.data, (v) => Math.sin(2 * v)), { shape: [64, 1] });
    let params: Params = { w1: normal(k1, [1, 16]), b1: zeros([16]), w2: normal(k2, [16, 1], { std: 0.25 }), b2: zeros([1]) };
    const step = jit(valueAndGrad(loss));
    const learningRate = 0.1;
    const losses: number[] = [];
    for (let i = 0; i < 400; i++) {
      const [l, g] = step(params, x, y);
      losses.push((l as Tensor).item());
      // Plain gradient descent: θ ← θ − η·∂L/∂θ.
      params = treeMap((p, dp) => sub(p, mul(dp, learningRate)), params, g);
    }
    const first = losses[0], last = losses[losses.length - 1];
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(0.1 * first);
    expect(step.traceCount).toBe(1);
    // Mostly downhill: the loss after 100 steps is already below the start.
    expect(losses[100]).toBeLessThan(first);
  });
});
