// Tests of multi-head attention and the transformer block against a naive float64 reference loop, causality, gradient checks and shape errors.

import { describe, it, expect } from 'vitest';
import { key, tensor, uniform, type Tensor } from '@chainrule/core';
import { assertGrads } from '@chainrule/gradcheck';
import { callLayer } from './layer.js';
import { layerNorm } from './norm.js';
import { multiHeadAttention, transformerBlock } from './attention.js';

interface Affine { w: Tensor; b: Tensor }
interface Mha { query: Affine; key: Affine; value: Affine; output: Affine }

/** x·w + b row by row: x is [rows, n], w is [n, m]. */
const affineRef = (x: ArrayLike<number>, rows: number, p: Affine): number[] => {
  const [n, m] = p.w.shape;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (let j = 0; j < m; j++) {
    let s = p.b.data[j];
    for (let k = 0; k < n; k++) s += x[r * n + k] * p.w.data[k * m + j];
    out.push(s);
  }
  return out;
};

/** Multi-head self-attention by plain loops, one example at a time. */
const attentionRef = (p: Mha, x: Tensor, heads: number, causal: boolean): number[] => {
  const [batch, len, dim] = x.shape, dh = dim / heads;
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    const xb = x.data.slice(b * len * dim, (b + 1) * len * dim);
    const q = affineRef(xb, len, p.query), k = affineRef(xb, len, p.key), v = affineRef(xb, len, p.value);
    const merged = new Array<number>(len * dim).fill(0);
    for (let h = 0; h < heads; h++) for (let i = 0; i < len; i++) {
      const visible = causal ? i + 1 : len;
      const scores: number[] = [];
      for (let j = 0; j < visible; j++) {
        let s = 0;
        for (let c = 0; c < dh; c++) s += q[i * dim + h * dh + c] * k[j * dim + h * dh + c];
        scores.push(s / Math.sqrt(dh));
      }
      const top = Math.max(...scores), e = scores.map((s) => Math.exp(s - top)), z = e.reduce((a, c) => a + c, 0);
      for (let j = 0; j < visible; j++) for (let c = 0; c < dh; c++) merged[i * dim + h * dh + c] += (e[j] / z) * v[j * dim + h * dh + c];
    }
    out.push(...affineRef(merged, len, p.output));
  }
  return out;
};

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-10): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol * (1 + Math.abs(b[i])));
};

describe('multiHeadAttention', () => {
  const x = uniform(key(1), [2, 4, 6], { min: -1, max: 1, dtype: 'float64' });
  for (const causal of [false, true]) {
    it(`matches a plain loop (3 heads, causal: ${causal})`, () => {
      const mha = multiHeadAttention({ heads: 3, causal });
      const p = mha.init(key(0), [4, 6], 'float64') as unknown as Mha;
      // non-zero biases, so they are checked too
      const withBias: Mha = { ...p, query: { ...p.query, b: uniform(key(7), [6], { dtype: 'float64' }) }, output: { ...p.output, b: uniform(key(8), [6], { dtype: 'float64' }) } };
      const y = mha.apply(withBias as never, x);
      expect(y.shape).toEqual([2, 4, 6]);
      close(y.data, attentionRef(withBias, x, 3, causal));
    });
  }
  it('with a causal mask, changing a later position leaves earlier outputs unchanged', () => {
    const mha = multiHeadAttention({ heads: 2, causal: true });
    const p = mha.init(key(0), [4, 6], 'float64');
    const moved = Float64Array.from(x.data);
    for (let c = 0; c < 6; c++) moved[3 * 6 + c] += 1; // example 0, position 3
    const a = mha.apply(p, x).data, b = mha.apply(p, tensor(moved, { shape: [2, 4, 6] })).data;
    close(a.slice(0, 18), b.slice(0, 18), 1e-14);
    expect(Math.abs(a[18] - b[18])).toBeGreaterThan(1e-6);
    const full = multiHeadAttention({ heads: 2 }).apply(p, tensor(moved, { shape: [2, 4, 6] })).data;
    expect(Math.abs(full[0] - multiHeadAttention({ heads: 2 }).apply(p, x).data[0])).toBeGreaterThan(1e-6);
  });
  it('has params { query, key, value, output } of dense form and a plain spec', () => {
    const mha = multiHeadAttention({ heads: 2 });
    const shapes = { w: { shape: [6, 6], dtype: 'float32' }, b: { shape: [6], dtype: 'float32' } };
    expect(mha.paramShapes([4, 6], 'float32')).toEqual({ query: shapes, key: shapes, value: shapes, output: shapes });
    expect(mha.spec).toEqual({ type: 'multiHeadAttention', heads: 2, causal: false });
  });
  it('has the gradient finite differences give, params and input (float64)', () => {
    const mha = multiHeadAttention({ heads: 2, causal: true });
    const p = mha.init(key(2), [3, 4], 'float64');
    assertGrads((q, v) => mha.apply(q, v), [p, uniform(key(3), [1, 3, 4], { dtype: 'float64' })]);
  });
  it('names itself and the shapes when they do not fit', () => {
    const mha = multiHeadAttention({ heads: 4 });
    expect(mha.outputShape([5, 6])).toEqual({ _tag: 'Left', left: 'dim 6 is not divisible by 4 heads (input [5, 6])' });
    expect(() => mha.init(key(0), [5, 6])).toThrow(/multiHeadAttention layer: dim 6 is not divisible by 4 heads/);
    expect(() => mha.init(key(0), [6])).toThrow(/multiHeadAttention layer: needs \[length, dim\] per example, got shape \[6\]/);
    const p = mha.init(key(0), [5, 8]);
    expect(() => mha.apply(p, uniform(key(0), [2, 5, 4]))).toThrow(/multiHeadAttention layer: expected a batch of shape \[batch, length, 8\].*got \[2, 5, 4\]/);
    expect(() => multiHeadAttention({ heads: 0 })).toThrow(/heads must be a positive integer/);
  });
});

describe('transformerBlock', () => {
  const block = transformerBlock({ heads: 2, mlpDim: 8, causal: true });
  it('is x + MHA(LN(x)), then h + MLP(LN(h)), by its parts', () => {
    const p = block.init(key(0), [3, 4], 'float64') as unknown as { norm1: never; attention: never; norm2: never; mlp: { hidden: Affine; output: Affine } };
    const x = uniform(key(1), [2, 3, 4], { min: -1, max: 1, dtype: 'float64' });
    const ln = layerNorm(), mha = multiHeadAttention({ heads: 2, causal: true });
    const hx = ln.apply(p.norm1, x);
    const h = Array.from(x.data, (v, i) => v + mha.apply(p.attention, hx).data[i]);
    const hn = ln.apply(p.norm2, tensor(h, { shape: [2, 3, 4], dtype: 'float64' })).data;
    const gelu = (v: number): number => 0.5 * v * (1 + erfRef(v / Math.SQRT2));
    const hidden = affineRef(hn, 6, p.mlp.hidden).map(gelu);
    const want = affineRef(hidden, 6, p.mlp.output).map((v, i) => v + h[i]);
    close(block.apply(p as never, x).data, want, 1e-6);
  });
  it('has params named by part, and a plain spec', () => {
    const shapes = block.paramShapes([3, 4], 'float32') as Record<string, unknown>;
    expect(Object.keys(shapes)).toEqual(['norm1', 'attention', 'norm2', 'mlp']);
    expect(shapes.mlp).toEqual({ hidden: { w: { shape: [4, 8], dtype: 'float32' }, b: { shape: [8], dtype: 'float32' } }, output: { w: { shape: [8, 4], dtype: 'float32' }, b: { shape: [4], dtype: 'float32' } } });
    expect(block.spec).toEqual({ type: 'transformerBlock', heads: 2, mlpDim: 8, causal: true, dropout: 0, epsilon: 1e-5 });
  });
  it('has the gradient finite differences give, params and input (float64)', () => {
    const p = block.init(key(2), [3, 4], 'float64');
    assertGrads((q, v) => block.apply(q, v), [p, uniform(key(3), [1, 3, 4], { dtype: 'float64' })]);
  });
  it('drops out only in train mode with a key, the same mask for the same key', () => {
    const drop = transformerBlock({ heads: 2, mlpDim: 8, dropout: 0.5 });
    const p = drop.init(key(0), [3, 4]);
    const x = uniform(key(1), [2, 3, 4]);
    const evalY = callLayer(drop, p, {}, x).y.data;
    expect(Array.from(evalY)).toEqual(Array.from(drop.apply(p, x).data));
    const a = callLayer(drop, p, {}, x, { training: true, key: key(5) }).y.data;
    const b = callLayer(drop, p, {}, x, { training: true, key: key(5) }).y.data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(evalY));
    expect(() => callLayer(drop, p, {}, x, { training: true })).toThrow(/transformerBlock layer: train mode with dropout 0.5 needs a PRNG key/);
  });
  it('names itself and the shapes when they do not fit', () => {
    expect(() => block.init(key(0), [3, 5])).toThrow(/transformerBlock layer: dim 5 is not divisible by 2 heads \(input \[3, 5\]\)/);
    expect(() => transformerBlock({ heads: 2, mlpDim: 0 })).toThrow(/transformerBlock: mlpDim must be a positive integer, got 0/);
  });
});

/** erf by its Maclaurin series (converges fast for the |v| < 3 used here). */
function erfRef(v: number): number {
  let term = v, s = v;
  for (let n = 1; n < 60; n++) {
    term *= (-v * v) / n;
    s += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * s;
}
