// Tests of the losses: reference values in both dtypes, stability at ±1000, derivatives against finite differences.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ChainruleError, tensor, sigmoid, grad, sum, type DType, type Tensor } from '@chainrule/core';
import { softmaxCrossEntropy, sigmoidCrossEntropy, binaryCrossEntropy, mse, huber } from './loss.js';
import { draw, make, expectClose, checkVjp, checkJvp, checkSecondOrder } from '../test/fd-nn.js';
import { lcg } from '../test/seeded.js';

const DTYPES: readonly DType[] = ['float32', 'float64'];

/** Per-example mean over the last axis of an elementwise loss, in float64. */
const rowMeans = (a: ArrayLike<number>, b: ArrayLike<number>, c: number, f: (p: number, t: number) => number): number[] => {
  const out: number[] = [];
  for (let r = 0; r < a.length / c; r++) {
    let s = 0;
    for (let k = r * c; k < (r + 1) * c; k++) s += f(a[k], b[k]);
    out.push(s / c);
  }
  return out;
};

// The textbook definitions, written plainly (fine for moderate inputs).
const refSigmoidCe = (x: number, t: number): number => {
  const s = 1 / (1 + Math.exp(-x));
  return -t * Math.log(s) - (1 - t) * Math.log(1 - s);
};
const refBce = (eps: number) => (p: number, t: number): number => {
  const q = Math.min(Math.max(p, eps), 1 - eps);
  return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
};
const refMse = (p: number, t: number): number => (p - t) ** 2;
const refHuber = (delta: number) => (p: number, t: number): number => {
  const a = Math.abs(p - t);
  return a <= delta ? a * a / 2 : delta * (a - delta / 2);
};

const shapeArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }));

describe('forward values against the definitions, both dtypes', () => {
  it('every loss matches its reference on random rows', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), fc.double({ min: 0.1, max: 3, noNaN: true }), ([b, c], seed, delta) => {
        const rand = lcg(seed);
        const n = b * c;
        const logits = draw(rand, n, -8, 8), probs = draw(rand, n, 0.01, 0.99), targets = draw(rand, n, 0, 1), preds = draw(rand, n, -3, 3);
        for (const dtype of DTYPES) {
          const tol = dtype === 'float32' ? 1e-5 : 1e-12;
          // Round the inputs to the dtype first so the reference sees the same numbers.
          const [z, p, t, q] = [logits, probs, targets, preds].map((v) => make(v, [b, c], dtype));
          const check = (y: Tensor, want: number[], what: string): void => {
            expect(y.shape).toEqual([b]);
            expect(y.dtype).toBe(dtype);
            expectClose(y.data, want, `${what} ${dtype}`, tol, tol);
          };
          check(sigmoidCrossEntropy(z, t), rowMeans(z.data, t.data, c, refSigmoidCe), 'sigmoidCrossEntropy');
          check(binaryCrossEntropy(p, t), rowMeans(p.data, t.data, c, refBce(1e-7)), 'binaryCrossEntropy');
          check(mse(q, t), rowMeans(q.data, t.data, c, refMse), 'mse');
          check(huber(q, t, { delta }), rowMeans(q.data, t.data, c, refHuber(delta)), 'huber');
        }
      }),
      { numRuns: 40 },
    );
  });

  it('the JSDoc examples hold', () => {
    expectClose(sigmoidCrossEntropy(tensor([[0, 1000]]), tensor([[1, 1]])).data, [Math.LN2 / 2], 'sigmoidCrossEntropy', 1e-7, 1e-6);
    expectClose(binaryCrossEntropy(tensor([[0.9, 0.2]]), tensor([[1, 0]])).data, [(-Math.log(0.9) - Math.log(0.8)) / 2], 'binaryCrossEntropy', 1e-7, 1e-6);
    expect(Array.from(mse(tensor([[1, 2], [0, 0]]), tensor([[1, 4], [1, 1]])).data)).toEqual([2, 1]);
    expect(Array.from(huber(tensor([[0.5, 3]]), tensor([[0, 0]])).data)).toEqual([1.3125]);
  });

  it('huber is ½r² inside δ and δ(|r| − δ/2) outside, continuous at |r| = δ', () => {
    const y = huber(tensor([[2], [-2], [0.5], [4]], { dtype: 'float64' }), tensor([[0], [0], [0], [0]], { dtype: 'float64' }), { delta: 2 });
    expect(Array.from(y.data)).toEqual([2, 2, 0.125, 6]);
  });
});

describe('stability at extreme logits (±1000), both dtypes', () => {
  for (const dtype of DTYPES) {
    it(`sigmoidCrossEntropy is exact: x(1 − t) for x = 1000, −x·t for x = −1000 (${dtype})`, () => {
      const z = make([1000, -1000, 1000, -1000, 1000, -1000], [3, 2], dtype);
      const t = make([1, 1, 0, 0, 0.25, 0.25], [3, 2], dtype);
      // rows: (0 + 1000)/2, (1000 + 0)/2, (750 + 250)/2
      expectClose(sigmoidCrossEntropy(z, t).data, [500, 500, 500], `sigmoidCrossEntropy ${dtype}`, 1e-9, 1e-7);
      const g = grad((z: Tensor) => sum(sigmoidCrossEntropy(z, t)))(z) as Tensor;
      // ∂/∂x = (σ(x) − t)/2: (0, −0.5), (0.5, 0), (0.375, −0.125)
      expectClose(g.data, [0, -0.5, 0.5, 0, 0.375, -0.125], `∂ sigmoidCrossEntropy ${dtype}`, 1e-7, 1e-6);
    });

    it(`softmaxCrossEntropy stays finite and exact (${dtype})`, () => {
      const z = make([1000, -1000, -1000, 1000], [2, 2], dtype);
      expectClose(softmaxCrossEntropy(z, make([1, 0, 1, 0], [2, 2], dtype)).data, [0, 2000], `softmaxCrossEntropy one-hot ${dtype}`, 1e-9, 1e-7);
      expectClose(softmaxCrossEntropy(z, make([1, 1], [2], dtype)).data, [2000, 0], `softmaxCrossEntropy indices ${dtype}`, 1e-9, 1e-7);
    });

    it(`binaryCrossEntropy of σ(±1000) is finite, clamped at −log ε (${dtype})`, () => {
      const p = sigmoid(make([1000, -1000, 1000, -1000], [2, 2], dtype)); // exactly 1, 0, 1, 0
      expect(Array.from(p.data)).toEqual([1, 0, 1, 0]);
      const y = binaryCrossEntropy(p, make([1, 0, 0, 1], [2, 2], dtype));
      // row 0 is right (−log(1 − ε) ≈ ε each); row 1 is wrong twice (−log ε each)
      expectClose(y.data, [-Math.log1p(-1e-7), -Math.log(1e-7)], `binaryCrossEntropy ${dtype}`, 1e-6, 1e-6);
      const g = grad((p: Tensor) => sum(binaryCrossEntropy(p, make([1, 0, 0, 1], [2, 2], dtype))))(p) as Tensor;
      expect(Array.from(g.data).every(Number.isFinite)).toBe(true);
      // every p lies outside [ε, 1 − ε], where the clamped loss is flat
      expectClose(g.data, [0, 0, 0, 0], `∂ binaryCrossEntropy ${dtype}`, 0, 0);
    });
  }
});

describe('derivatives (float64)', () => {
  const inputs = (seed: number, b: number, c: number, pMin: number, pMax: number): [Tensor, Tensor] => {
    const rand = lcg(seed);
    return [make(draw(rand, b * c, pMin, pMax), [b, c]), make(draw(rand, b * c, 0, 1), [b, c])];
  };

  it('VJPs equal central differences; JVPs agree with them; second order holds', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), ([b, c], seed) => {
        const rand = lcg(seed ^ 0x5bd1e995);
        const cases: [string, (a: Tensor, b: Tensor) => Tensor, Tensor[]][] = [
          ['sigmoidCrossEntropy', (z, t) => sigmoidCrossEntropy(z, t), inputs(seed, b, c, -6, 6)],
          ['binaryCrossEntropy', (p, t) => binaryCrossEntropy(p, t), inputs(seed, b, c, 0.05, 0.95)],
          ['mse', (p, t) => mse(p, t), inputs(seed, b, c, -3, 3)],
          ['softmaxCrossEntropy', (z, t) => softmaxCrossEntropy(z, t), inputs(seed, b, c, -6, 6)],
        ];
        for (const [name, f, xs] of cases) {
          try {
            checkVjp(f, xs, rand);
            checkJvp(f, xs, rand);
            checkSecondOrder(f, xs, rand);
          } catch (e) {
            throw new Error(`${name}: ${(e as Error).message}`);
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  it('huber: VJP, JVP and second order away from the kink |r| = δ', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), fc.double({ min: 0.2, max: 2, noNaN: true }), ([b, c], seed, delta) => {
        const rand = lcg(seed);
        const [p, t] = inputs(seed, b, c, -3, 3);
        fc.pre(Array.from(p.data).every((v, i) => Math.abs(Math.abs(v - t.data[i]) - delta) > 1e-3));
        const f = (p: Tensor, t: Tensor) => huber(p, t, { delta });
        checkVjp(f, [p, t], rand);
        checkJvp(f, [p, t], rand);
        checkSecondOrder(f, [p, t], rand);
      }),
      { numRuns: 20 },
    );
  });
});

describe('validation', () => {
  const rejects = (f: () => unknown, code: string, ...fragments: string[]): void => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ChainruleError);
      expect((e as ChainruleError).code).toBe(code);
      for (const s of fragments) expect((e as ChainruleError).message).toContain(s);
      return;
    }
    throw new Error(`expected a ${code} error`);
  };

  it('prediction and target must have one shape (no silent [b] vs [b, 1] broadcast)', () => {
    for (const [f, name] of [[sigmoidCrossEntropy, 'ops.sigmoidCrossEntropy'], [binaryCrossEntropy, 'ops.binaryCrossEntropy'], [mse, 'ops.mse'], [huber, 'ops.huber']] as const) {
      rejects(() => f(tensor([1, 2, 3, 4]), tensor([[1], [2], [3], [4]])), 'ShapeMismatch', name, '[4]', '[4, 1]', 'same shape');
      rejects(() => f(tensor(1), tensor(1)), 'ShapeMismatch', name, 'last axis');
      rejects(() => f(tensor([1]), tensor([1], { dtype: 'float64' })), 'DtypeMismatch', name);
    }
  });

  it('bad attrs name the attr and the op', () => {
    const p = tensor([[0.5]]);
    rejects(() => huber(p, p, { delta: 0 }), 'BadAttrs', 'delta', 'ops.huber');
    rejects(() => huber(p, p, { delta: -1 }), 'BadAttrs', 'delta');
    rejects(() => binaryCrossEntropy(p, p, { epsilon: 0 }), 'BadAttrs', 'epsilon', 'ops.binaryCrossEntropy');
    rejects(() => binaryCrossEntropy(p, p, { epsilon: 0.5 }), 'BadAttrs', 'epsilon');
  });
});
