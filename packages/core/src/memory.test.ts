import { describe, it, expect } from 'vitest';
import { trace, abstract, grad, valueAndGrad, checkpoint, peakLiveBytes, exp, mul, add, sum, sigmoid, matmul, type Tensor } from './index.js';
import { seeded, maxDiff } from '../test/batch.js';

describe('peakLiveBytes', () => {
  it('counts each intermediate from its node to its last reader', () => {
    // The two exps (40 B each) and mul (40 B) are alive together; the sum is the output, not an intermediate.
    const g = trace((x: Tensor) => sum(mul(exp(x), exp(x))), abstract([10]));
    expect(g.nodes.map((n) => n.op.name)).toEqual(['core.input', 'core.exp', 'core.exp', 'core.mul', 'core.sum']);
    expect(peakLiveBytes(g)).toBe(120);
    expect(peakLiveBytes(trace((x: Tensor) => sum(exp(x)), abstract([10], 'float64')))).toBe(80);
  });

  it('counts the function a checkpoint runs while it runs', () => {
    const block = (x: Tensor) => exp(exp(exp(x)));
    // Two exps alive at a time at most (each is read once, by the next; the last is the output).
    expect(peakLiveBytes(trace(block, abstract([10])))).toBe(80);
    expect(peakLiveBytes(trace(checkpoint(block), abstract([10])))).toBe(80);
  });
});

describe('checkpoint on a deep MLP', () => {
  // A batch much larger than the width, as in training: activations, not weights, fill memory.
  const depth = 16, width = 16, batch = 64;
  const ws = Array.from({ length: depth }, (_, k) => mul(seeded([width, width], k + 1), 0.3));
  // x·σ(x) layers: the backward needs each layer's pre-activation and its sigmoid.
  const layer = (h: Tensor, w: Tensor) => {
    const z = matmul(h, w);
    return mul(z, sigmoid(z));
  };
  const plain = (p: Tensor[], x: Tensor) => sum(p.reduce(layer, x));
  // Blocks of four layers, each block checkpointed: the backward holds block inputs only.
  const block = checkpoint((h: Tensor, p: Tensor[]) => p.reduce(layer, h));
  const remat = (p: Tensor[], x: Tensor) => {
    let h = x;
    for (let k = 0; k < depth; k += 4) h = block(h, p.slice(k, k + 4));
    return sum(h);
  };
  const x = seeded([batch, width], 99);

  it('holds less at the peak of the backward pass, with the same gradients', () => {
    const spec = [ws.map(() => abstract([width, width], 'float64')), abstract([batch, width], 'float64')];
    const before = peakLiveBytes(trace(grad(plain), ...spec));
    const after = peakLiveBytes(trace(grad(remat), ...spec));
    expect(after).toBeLessThan(before / 2);
    const [v1, g1] = valueAndGrad(plain)(ws, x), [v2, g2] = valueAndGrad(remat)(ws, x);
    expect(v2.item()).toBeCloseTo(v1.item(), 10);
    (g1 as Tensor[]).forEach((g, k) => expect(maxDiff((g2 as Tensor[])[k], g)).toBeLessThan(1e-10));
  });
});
