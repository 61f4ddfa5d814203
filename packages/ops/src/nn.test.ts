// Tests of the neural-net ops: conv2d and its backprop ops, pooling and dropout against reference loops and finite differences.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  ChainruleError, tensor, key, split, uniformArray, trace, evaluate, encodeGraph, decodeGraph, grad, jit, sum, mul,
  type DType, type Tensor,
} from '@chainrule/core';
import {
  conv2d, conv2dBackpropInput, conv2dBackpropFilter, maxPool2d, maxPool2dGrad, maxPool2dGather, avgPool2d, avgPool2dGrad,
  dropout, keyTensor, softmax, logSoftmax, conv1d, conv2dTranspose, depthwiseConv2d, type Padding,
} from './nn.js';
import { standardRegistry } from './registry.js';
import { draw, make, randomTensor, expectClose, checkVjp, checkJvp, checkSecondOrder, distinctValuesArb, type TensorFn } from '../test/fd-nn.js';
import { lcg } from '../test/seeded.js';
import { checkGrads } from '../test/fd.js';

const DTYPES: readonly DType[] = ['float32', 'float64'];
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------------------
// References, written from the definitions with no shared code.

/** TensorFlow's SAME rule for one axis: output ⌈n/s⌉, padding split with the odd pixel after. */
const refSame = (n: number, k: number, s: number, d: number): [number, number] => {
  const out = Math.ceil(n / s);
  const need = Math.max(0, (out - 1) * s + (k - 1) * d + 1 - n);
  return [Math.floor(need / 2), need - Math.floor(need / 2)];
};

interface Geo {
  readonly pads: [number, number, number, number];
  readonly oh: number;
  readonly ow: number;
}

const refGeo = (h: number, w: number, kh: number, kw: number, s: [number, number], d: [number, number], padding: Padding): Geo => {
  const [t, b] = padding === 'valid' ? [0, 0] : padding === 'same' ? refSame(h, kh, s[0], d[0]) : padding[0];
  const [l, r] = padding === 'valid' ? [0, 0] : padding === 'same' ? refSame(w, kw, s[1], d[1]) : padding[1];
  return {
    pads: [t, b, l, r],
    oh: Math.floor((h + t + b - (d[0] * (kh - 1) + 1)) / s[0]) + 1,
    ow: Math.floor((w + l + r - (d[1] * (kw - 1) + 1)) / s[1]) + 1,
  };
};

/** The convolution sum, seven loops deep, in float64. */
const refConv = (x: ArrayLike<number>, xs: readonly number[], w: ArrayLike<number>, ws: readonly number[], s: [number, number], d: [number, number], padding: Padding): Float64Array => {
  const [n, h, wd, c] = xs;
  const [kh, kw, , o] = ws;
  const { pads, oh, ow } = refGeo(h, wd, kh, kw, s, d, padding);
  const y = new Float64Array(n * oh * ow * o);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let q = 0; q < o; q++)
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++)
              for (let ch = 0; ch < c; ch++) {
                const yy = i * s[0] + ky * d[0] - pads[0], xx = j * s[1] + kx * d[1] - pads[2];
                if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
                  y[((b * oh + i) * ow + j) * o + q] += x[((b * h + yy) * wd + xx) * c + ch] * w[((ky * kw + kx) * c + ch) * o + q];
                }
              }
  return y;
};

/** Max or mean over each window's in-bounds pixels, in float64. */
const refPool = (kind: 'max' | 'avg', x: ArrayLike<number>, xs: readonly number[], win: [number, number], s: [number, number], padding: Padding): Float64Array => {
  const [n, h, w, c] = xs;
  const { pads, oh, ow } = refGeo(h, w, win[0], win[1], s, [1, 1], padding);
  const y = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          let acc = kind === 'max' ? -Infinity : 0, count = 0;
          for (let ky = 0; ky < win[0]; ky++)
            for (let kx = 0; kx < win[1]; kx++) {
              const yy = i * s[0] + ky - pads[0], xx = j * s[1] + kx - pads[2];
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              const v = x[((b * h + yy) * w + xx) * c + ch];
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          y[((b * oh + i) * ow + j) * c + ch] = kind === 'max' ? acc : acc / count;
        }
  return y;
};

// ---------------------------------------------------------------------------------------
// Random configurations.

const paddingArb: fc.Arbitrary<Padding> = fc.oneof(
  fc.constant('same' as const),
  fc.constant('valid' as const),
  fc.tuple(fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(fc.nat(2), fc.nat(2))),
);
const pairArb = (max: number): fc.Arbitrary<[number, number]> => fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max }));

interface ConvCase {
  readonly xs: [number, number, number, number];
  readonly ws: [number, number, number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly padding: Padding;
  readonly seed: number;
}

const convCaseArb = (maxHW: number): fc.Arbitrary<ConvCase> =>
  fc.record({
    xs: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: maxHW }), fc.integer({ min: 1, max: maxHW }), fc.integer({ min: 1, max: 2 })),
    k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })),
    strides: pairArb(2),
    dilations: pairArb(2),
    padding: paddingArb,
    seed: fc.integer(),
  }).map(({ xs, k, strides, dilations, padding, seed }) => ({ xs, ws: [k[0], k[1], xs[3], k[2]] as [number, number, number, number], strides, dilations, padding, seed }));

const fits = (c: ConvCase): boolean => {
  const g = refGeo(c.xs[1], c.xs[2], c.ws[0], c.ws[1], c.strides, c.dilations, c.padding);
  return g.oh >= 1 && g.ow >= 1;
};

const convAttrs = (c: ConvCase) => ({ strides: c.strides, dilations: c.dilations, padding: c.padding });

// ---------------------------------------------------------------------------------------

describe('softmax / logSoftmax re-exports', () => {
  it('are core’s stable ops', () => {
    expect(Array.from(softmax(tensor([1000, 1000])).data)).toEqual([0.5, 0.5]);
    expect(logSoftmax(tensor([-1000, 1000], { dtype: 'float64' })).data[0]).toBe(-2000);
  });
});

describe('conv2d forward', () => {
  it('matches the seven-loop reference in both dtypes, and rejects configurations whose output is empty', () => {
    fc.assert(
      fc.property(convCaseArb(6), (c) => {
        const rand = lcg(c.seed);
        const xv = draw(rand, size(c.xs)), wv = draw(rand, size(c.ws));
        for (const dtype of DTYPES) {
          const x = make(xv, c.xs, dtype), w = make(wv, c.ws, dtype);
          if (!fits(c)) {
            expect(() => conv2d(x, w, convAttrs(c))).toThrow(/does not fit/);
            continue;
          }
          const y = conv2d(x, w, convAttrs(c));
          const g = refGeo(c.xs[1], c.xs[2], c.ws[0], c.ws[1], c.strides, c.dilations, c.padding);
          expect(y.shape).toEqual([c.xs[0], g.oh, g.ow, c.ws[3]]);
          expect(y.dtype).toBe(dtype);
          const tol = dtype === 'float32' ? 1e-5 : 1e-12;
          expectClose(y.data, refConv(x.data, c.xs, w.data, c.ws, c.strides, c.dilations, c.padding), `conv2d ${dtype}`, tol, tol);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("'same' keeps ⌈H/s⌉ × ⌈W/s⌉ and puts the odd padding pixel after", () => {
    // 1×4 input, 1×2 filter [1, 10], stride 1: SAME pads 0 before and 1 after.
    const y = conv2d(tensor([1, 2, 3, 4], { shape: [1, 1, 4, 1] }), tensor([1, 10], { shape: [1, 2, 1, 1] }), { padding: 'same' });
    expect(Array.from(y.data)).toEqual([21, 32, 43, 4]);
    const strided = conv2d(tensor(new Array(25).fill(1), { shape: [1, 5, 5, 1] }), tensor(new Array(9).fill(1), { shape: [3, 3, 1, 1] }), { padding: 'same', strides: 2 });
    expect(strided.shape).toEqual([1, 3, 3, 1]);
  });

  it('the backprop ops match reference sums (the adjoints of the reference conv)', () => {
    fc.assert(
      fc.property(convCaseArb(5).filter(fits), (c) => {
        const rand = lcg(c.seed);
        for (const dtype of DTYPES) {
          const x = make(draw(rand, size(c.xs)), c.xs, dtype), w = make(draw(rand, size(c.ws)), c.ws, dtype);
          const ys = conv2d(x, w, convAttrs(c)).shape;
          const dy = make(draw(rand, size(ys)), ys, dtype);
          // Reference: dx[i] = Σ dy·w over the taps that read x[i]; dw[k] = Σ x·dy over the taps that use w[k]
          // — computed here as the gradients of ⟨dy, refConv(x, w)⟩ through unit vectors.
          const refDx = new Float64Array(size(c.xs)), refDw = new Float64Array(size(c.ws));
          const unit = (n: number, i: number): Float64Array => {
            const e = new Float64Array(n);
            e[i] = 1;
            return e;
          };
          const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
          for (let i = 0; i < refDx.length; i++) refDx[i] = dot(dy.data, refConv(unit(refDx.length, i), c.xs, w.data, c.ws, c.strides, c.dilations, c.padding));
          for (let k = 0; k < refDw.length; k++) refDw[k] = dot(dy.data, refConv(x.data, c.xs, unit(refDw.length, k), c.ws, c.strides, c.dilations, c.padding));
          const dx = conv2dBackpropInput(dy, w, { ...convAttrs(c), inputShape: c.xs });
          const dw = conv2dBackpropFilter(x, dy, { ...convAttrs(c), filterShape: c.ws });
          const tol = dtype === 'float32' ? 1e-5 : 1e-12;
          expect(dx.shape).toEqual(c.xs);
          expect(dw.shape).toEqual(c.ws);
          expectClose(dx.data, refDx, `conv2dBackpropInput ${dtype}`, tol, tol);
          expectClose(dw.data, refDw, `conv2dBackpropFilter ${dtype}`, tol, tol);
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe('conv2d derivatives (float64)', () => {
  const cases = (maxHW: number) => convCaseArb(maxHW).filter(fits);

  /** conv2d and its two backprop ops at one random configuration, each with random inputs. */
  const family = (c: ConvCase, rand: () => number): [string, TensorFn, Tensor[]][] => {
    const a = convAttrs(c);
    const x = randomTensor(rand, c.xs), w = randomTensor(rand, c.ws);
    const dy = randomTensor(rand, conv2d(x, w, a).shape);
    return [
      ['conv2d', (x, w) => conv2d(x, w, a), [x, w]],
      ['conv2dBackpropInput', (dy, w) => conv2dBackpropInput(dy, w, { ...a, inputShape: c.xs }), [dy, w]],
      ['conv2dBackpropFilter', (x, dy) => conv2dBackpropFilter(x, dy, { ...a, filterShape: c.ws }), [x, dy]],
    ];
  };

  const each = (check: (f: TensorFn, xs: Tensor[], rand: () => number) => void) => (c: ConvCase): void => {
    const rand = lcg(c.seed);
    for (const [name, f, xs] of family(c, rand)) {
      try {
        check(f, xs, rand);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }
  };

  it('VJPs of conv2d and both backprop ops equal central differences', () => {
    fc.assert(fc.property(cases(5), each(checkVjp)), { numRuns: 20 });
  });

  it('JVPs agree with VJPs: ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩', () => {
    fc.assert(fc.property(cases(5), each(checkJvp)), { numRuns: 20 });
  });

  it('second order: grad of the gradient equals central differences (conv2d and both backprop ops)', () => {
    fc.assert(fc.property(cases(4), each(checkSecondOrder)), { numRuns: 8 });
  });
});

// ---------------------------------------------------------------------------------------

interface PoolCase {
  readonly xs: [number, number, number, number];
  readonly window: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
}

const poolCaseArb = (maxHW: number): fc.Arbitrary<PoolCase> =>
  fc.record({
    xs: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: maxHW }), fc.integer({ min: 1, max: maxHW }), fc.integer({ min: 1, max: 2 })),
    window: pairArb(3),
    strides: pairArb(2),
    padding: paddingArb,
  }).filter((c) => {
    const g = refGeo(c.xs[1], c.xs[2], c.window[0], c.window[1], c.strides, [1, 1], c.padding);
    return g.oh >= 1 && g.ow >= 1 && g.pads[0] < c.window[0] && g.pads[1] < c.window[0] && g.pads[2] < c.window[1] && g.pads[3] < c.window[1];
  });

const poolAttrs = (c: PoolCase) => ({ windowShape: c.window, strides: c.strides, padding: c.padding });

describe('pooling forward', () => {
  it('maxPool2d and avgPool2d match reference loops in both dtypes (padding never counted)', () => {
    fc.assert(
      fc.property(poolCaseArb(6), fc.integer(), (c, seed) => {
        const xv = draw(lcg(seed), size(c.xs), -3, 3);
        for (const dtype of DTYPES) {
          const x = make(xv, c.xs, dtype);
          const tol = dtype === 'float32' ? 1e-6 : 1e-13;
          expectClose(maxPool2d(x, poolAttrs(c)).data, refPool('max', x.data, c.xs, c.window, c.strides, c.padding), `maxPool2d ${dtype}`, tol, tol);
          expectClose(avgPool2d(x, poolAttrs(c)).data, refPool('avg', x.data, c.xs, c.window, c.strides, c.padding), `avgPool2d ${dtype}`, tol, tol);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('accepts ksize for windowShape, strides defaulting to the window', () => {
    const x = tensor([1, 5, 3, 2, 0, 4, 8, 6, 7, 9, 1, 2, 3, 4, 5, 6], { shape: [1, 4, 4, 1] });
    expect(Array.from(maxPool2d(x, { ksize: 2 }).data)).toEqual([5, 8, 9, 6]);
    expect(Array.from(avgPool2d(x, { windowShape: [2, 2] }).data)).toEqual([2.5, 4.75, 5.75, 3.5]);
  });

  it('routes a tied window’s whole gradient to its first maximum', () => {
    const x = tensor([2, 2, 2, 2], { shape: [1, 2, 2, 1], dtype: 'float64' });
    const g = grad((x: Tensor) => sum(maxPool2d(x, { windowShape: 2 })))(x) as Tensor;
    expect(Array.from(g.data)).toEqual([1, 0, 0, 0]);
  });
});

describe('pooling derivatives (float64)', () => {
  const valuesFor = (c: PoolCase) => distinctValuesArb(size(c.xs)).map((v) => make(v, c.xs));
  const withX = poolCaseArb(5).chain((c) => fc.tuple(fc.constant(c), valuesFor(c), fc.integer()));

  it('VJPs of maxPool2d, maxPool2dGrad, maxPool2dGather, avgPool2d, avgPool2dGrad equal central differences', () => {
    fc.assert(
      fc.property(withX, ([c, x, seed]) => {
        const rand = lcg(seed);
        const a = poolAttrs(c);
        const ys = maxPool2d(x, a).shape;
        const dy = randomTensor(rand, ys), v = randomTensor(rand, c.xs);
        checkVjp((x) => maxPool2d(x, a), [x], rand);
        checkVjp((dy) => maxPool2dGrad(x, dy, a), [dy], rand);
        checkVjp((v) => maxPool2dGather(x, v, a), [v], rand);
        // x's own cotangent through the helpers is zero (their winners are piecewise constant).
        checkVjp((x, dy) => maxPool2dGrad(x, dy, a), [x, dy], rand);
        checkVjp((x, v) => maxPool2dGather(x, v, a), [x, v], rand);
        checkVjp((x) => avgPool2d(x, a), [x], rand);
        checkVjp((dy) => avgPool2dGrad(dy, { ...a, inputShape: c.xs }), [dy], rand);
      }),
      { numRuns: 20 },
    );
  });

  it('JVPs agree with VJPs', () => {
    fc.assert(
      fc.property(withX, ([c, x, seed]) => {
        const rand = lcg(seed);
        const a = poolAttrs(c);
        const dy = randomTensor(rand, maxPool2d(x, a).shape), v = randomTensor(rand, c.xs);
        checkJvp((x) => maxPool2d(x, a), [x], rand);
        checkJvp((x, dy) => maxPool2dGrad(x, dy, a), [x, dy], rand);
        checkJvp((x, v) => maxPool2dGather(x, v, a), [x, v], rand);
        checkJvp((x) => avgPool2d(x, a), [x], rand);
        checkJvp((dy) => avgPool2dGrad(dy, { ...a, inputShape: c.xs }), [dy], rand);
      }),
      { numRuns: 20 },
    );
  });

  it('second order through the pooling gradients equals central differences', () => {
    fc.assert(
      fc.property(withX, ([c, x, seed]) => {
        const rand = lcg(seed);
        const a = poolAttrs(c);
        checkSecondOrder((x) => maxPool2d(x, a), [x], rand);
        checkSecondOrder((x) => avgPool2d(x, a), [x], rand);
      }),
      { numRuns: 10 },
    );
  });
});

// ---------------------------------------------------------------------------------------

describe('dropout', () => {
  const k = split(key(7))[1];
  const kt = keyTensor(k);
  const keptMask = (y: Tensor): boolean[] => Array.from(y.data, (v) => v !== 0);

  it('keyTensor holds the two words of a key exactly, as float64 of shape [2]', () => {
    const big: [number, number] = [0xffffffff, 0x80000001];
    const t = keyTensor(big);
    expect(t.dtype).toBe('float64');
    expect(t.shape).toEqual([2]);
    expect(Array.from(t.data)).toEqual(big);
  });

  it('zeroes elements whose uniform draw is below rate and scales the rest by 1/(1 − rate), in both dtypes', () => {
    const values = draw(lcg(3), 64, -2, 2);
    const u = uniformArray(k, 64);
    for (const dtype of DTYPES) {
      const y = dropout(make(values, [8, 8], dtype), kt, { rate: 0.25 });
      const want = values.map((v, i) => (u[i] >= 0.25 ? v / 0.75 : 0));
      const tol = dtype === 'float32' ? 1e-6 : 1e-15;
      expectClose(y.data, want, `dropout ${dtype}`, tol, tol);
      expect(y.dtype).toBe(dtype);
    }
  });

  it('rate 0 is the identity', () => {
    const x = make(draw(lcg(4), 12), [3, 4], 'float32');
    expect(Array.from(dropout(x, kt, { rate: 0 }).data)).toEqual(Array.from(x.data));
  });

  it('keeps about 1 − rate of the elements, the same mask for the same key and another for another key', () => {
    const x = tensor(new Array(20000).fill(1), { shape: [100, 200] });
    const a = dropout(x, kt, { rate: 0.3 }), b = dropout(x, keyTensor(k), { rate: 0.3 }), c = dropout(x, keyTensor(split(k)[0]), { rate: 0.3 });
    const kept = Array.from(a.data).filter((v) => v !== 0).length / 20000;
    expect(Math.abs(kept - 0.7)).toBeLessThan(4 * Math.sqrt((0.7 * 0.3) / 20000));
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
  });

  it('VJP equals central differences and JVP agrees with it; second order holds', () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 })), (seed, rate, shape) => {
        const rand = lcg(seed);
        const x = randomTensor(rand, shape);
        const kk = keyTensor(split(key(seed))[0]);
        checkVjp((x) => dropout(x, kk, { rate }), [x], rand);
        checkJvp((x) => dropout(x, kk, { rate }), [x], rand);
        checkSecondOrder((x) => dropout(x, kk, { rate }), [x], rand);
      }),
      { numRuns: 20 },
    );
  });

  it('gives the key no gradient: its cotangent is zero', () => {
    const x = tensor([1, 2, 3, 4, 5, 6]);
    const [, gk] = grad((x: Tensor, kk: Tensor) => sum(mul(dropout(x, kk, { rate: 0.5 }), x)), { argnums: [0, 1] })(x, kt) as unknown as [Tensor, Tensor];
    expect(Array.from(gk.data)).toEqual([0, 0]);
  });

  it('under jit the key is an input: two keys give two masks from one trace', () => {
    const f = jit((x: Tensor, kk: Tensor) => dropout(x, kk, { rate: 0.5 }));
    const x = tensor(new Array(64).fill(1));
    const k1 = split(key(11))[0], k2 = split(key(11))[1];
    const y1 = f(x, keyTensor(k1)), y2 = f(x, keyTensor(k2));
    expect(f.traceCount).toBe(1);
    // Each mask is the one the eager definition draws from its own key.
    const u1 = uniformArray(k1, 64), u2 = uniformArray(k2, 64);
    expect(keptMask(y1)).toEqual(Array.from(u1, (v) => v >= 0.5));
    expect(keptMask(y2)).toEqual(Array.from(u2, (v) => v >= 0.5));
    expect(keptMask(y1)).not.toEqual(keptMask(y2));
  });

  it('round-trips through graph JSON with the key as a graph input', () => {
    const g = trace((x: Tensor, kk: Tensor) => dropout(x, kk, { rate: 0.5 }), tensor([1, 2, 3, 4]), kt);
    const json = JSON.parse(JSON.stringify(encodeGraph(g)));
    const node = json.nodes.find((n: { op: string }) => n.op === 'ops.dropout');
    expect(node.attrs).toEqual({ rate: 0.5 });
    const decoded = decodeGraph(json, standardRegistry());
    if (decoded._tag === 'Left') throw new Error(decoded.left.message);
    const x = tensor([5, 6, 7, 8]), k2 = keyTensor(split(k)[0]);
    expect(Array.from(evaluate(decoded.right, [x, k2])[0].data)).toEqual(Array.from(dropout(x, k2, { rate: 0.5 }).data));
  });
});

describe('conv and pool graphs serialise', () => {
  it('a traced conv → maxPool → avgPool gradient graph decodes against the standard registry and gives the same values', () => {
    const rand = lcg(11);
    const x = randomTensor(rand, [1, 6, 6, 2]), w = randomTensor(rand, [3, 3, 2, 3]);
    const f = (x: Tensor, w: Tensor) => {
      const y = avgPool2d(maxPool2d(conv2d(x, w, { padding: [[1, 0], [0, 1]], strides: [1, 1] }), { windowShape: 2, strides: 1, padding: 'same' }), { ksize: 2 });
      return sum(mul(y, y)); // squared, so the cotangents depend on the inputs and are not folded into constants
    };
    const g = trace((x: Tensor, w: Tensor) => grad(f, { argnums: [0, 1] })(x, w), x, w);
    const decoded = decodeGraph(JSON.parse(JSON.stringify(encodeGraph(g))), standardRegistry());
    if (decoded._tag === 'Left') throw new Error(decoded.left.message);
    const ops = new Set(decoded.right.nodes.map((n) => n.op.name));
    expect(ops).toContain('ops.conv2dBackpropInput');
    expect(ops).toContain('ops.conv2dBackpropFilter');
    expect(ops).toContain('ops.maxPool2dGrad');
    expect(ops).toContain('ops.avgPool2dGrad');
    const [a, b] = evaluate(decoded.right, [x, w]);
    const [ea, eb] = evaluate(g, [x, w]);
    expect(Array.from(a.data)).toEqual(Array.from(ea.data));
    expect(Array.from(b.data)).toEqual(Array.from(eb.data));
  });
});

// ---------------------------------------------------------------------------------------

describe('attribute and shape validation', () => {
  const x = tensor(new Array(2 * 5 * 5 * 3).fill(1), { shape: [2, 5, 5, 3] });
  const w = tensor(new Array(3 * 3 * 3 * 4).fill(1), { shape: [3, 3, 3, 4] });

  /** Calls f, expecting a ChainruleError whose message contains every fragment. */
  const rejects = (f: () => unknown, code: string, ...fragments: string[]): void => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ChainruleError);
      const err = e as ChainruleError;
      expect(err.code).toBe(code);
      for (const s of fragments) expect(err.message).toContain(s);
      return;
    }
    throw new Error(`expected a ${code} error mentioning ${fragments.join(', ')}`);
  };

  it('conv2d: bad strides, dilations and padding name the attr and the op', () => {
    rejects(() => conv2d(x, w, { padding: 'same', strides: 0 }), 'BadAttrs', 'strides', 'positive integer', 'ops.conv2d');
    rejects(() => conv2d(x, w, { padding: 'same', strides: [1, 1.5] as unknown as [number, number] }), 'BadAttrs', 'strides', 'ops.conv2d');
    rejects(() => conv2d(x, w, { padding: 'same', strides: [1] as unknown as [number, number] }), 'BadAttrs', 'strides');
    rejects(() => conv2d(x, w, { padding: 'same', dilations: -1 }), 'BadAttrs', 'dilations', 'ops.conv2d');
    rejects(() => conv2d(x, w, { padding: 'full' as Padding }), 'BadAttrs', 'padding', "'same', 'valid'", '"full"');
    rejects(() => conv2d(x, w, { padding: [[1, -1], [0, 0]] }), 'BadAttrs', 'padding', 'non-negative');
    rejects(() => conv2d(x, w, { padding: [[1, 1]] as unknown as Padding }), 'BadAttrs', 'padding');
    rejects(() => conv2d(x, w, {}), 'BadAttrs', 'padding', 'undefined');
  });

  it('conv2d: shapes that do not fit name the op, the shapes and the attrs', () => {
    rejects(() => conv2d(x, tensor(new Array(3 * 3 * 2 * 4).fill(1), { shape: [3, 3, 2, 4] }), { padding: 'same' }), 'ShapeMismatch', "in-channels 2", 'channels 3', 'ops.conv2d', '[2, 5, 5, 3], [3, 3, 2, 4]');
    rejects(() => conv2d(tensor(new Array(75).fill(1), { shape: [5, 5, 3] }), w, { padding: 'same' }), 'ShapeMismatch', 'NHWC', 'ops.conv2d');
    rejects(() => conv2d(x, tensor([1, 2, 3], { shape: [3, 1, 1] }), { padding: 'same' }), 'ShapeMismatch', 'HWIO');
    rejects(() => conv2d(x, w, { padding: 'valid', dilations: 3 }), 'ShapeMismatch', 'does not fit', '"dilations":3');
    rejects(() => conv2d(x, make(new Array(108).fill(1), [3, 3, 3, 4], 'float64'), { padding: 'same' }), 'DtypeMismatch', 'float32', 'float64');
  });

  it('backprop ops: a cotangent of the wrong shape, or a bad inputShape, is rejected', () => {
    const dy = tensor(new Array(2 * 5 * 5 * 4).fill(1), { shape: [2, 5, 5, 4] });
    rejects(() => conv2dBackpropInput(dy, w, { padding: 'valid', inputShape: [2, 5, 5, 3] }), 'ShapeMismatch', 'output shape [2, 3, 3, 4]', 'ops.conv2dBackpropInput');
    rejects(() => conv2dBackpropFilter(x, dy, { padding: 'valid', filterShape: [3, 3, 3, 4] }), 'ShapeMismatch', 'output shape [2, 3, 3, 4]', 'ops.conv2dBackpropFilter');
    rejects(() => conv2dBackpropInput(dy, w, { padding: 'same', inputShape: [2, 5, 5] }), 'BadAttrs', 'inputShape', '4 non-negative integers');
    rejects(() => conv2dBackpropFilter(x, dy, { padding: 'same', filterShape: [3, 3, 3.5, 4] }), 'BadAttrs', 'filterShape');
  });

  it('pooling: missing or disagreeing windows, bad strides and pads as large as the window are rejected', () => {
    rejects(() => maxPool2d(x, {}), 'BadAttrs', 'windowShape', 'ops.maxPool2d');
    rejects(() => avgPool2d(x, { windowShape: 2, ksize: 3 }), 'BadAttrs', 'disagree', 'ops.avgPool2d');
    rejects(() => maxPool2d(x, { windowShape: 0 }), 'BadAttrs', 'windowShape', 'positive integer');
    rejects(() => maxPool2d(x, { windowShape: 2, strides: [0, 1] }), 'BadAttrs', 'strides');
    rejects(() => maxPool2d(x, { windowShape: 2, padding: [[2, 0], [0, 0]] }), 'BadAttrs', 'smaller than the 2×2 window');
    rejects(() => avgPool2d(x, { windowShape: 6 }), 'ShapeMismatch', 'does not fit', 'ops.avgPool2d');
    rejects(() => maxPool2d(tensor([1, 2, 3, 4]), { windowShape: 2 }), 'ShapeMismatch', 'NHWC', '[4]');
    rejects(() => maxPool2dGrad(x, x, { windowShape: 2 }), 'ShapeMismatch', "maxPool2d's output shape [2, 2, 2, 3]", 'ops.maxPool2dGrad');
    rejects(() => avgPool2dGrad(x, { windowShape: 2, inputShape: [2, 5, 5, 3] }), 'ShapeMismatch', "avgPool2d's output shape", 'ops.avgPool2dGrad');
  });

  it('dropout: rates outside [0, 1) and malformed keys are rejected', () => {
    const kt = keyTensor(key(0));
    rejects(() => dropout(x, kt, { rate: 1 }), 'BadAttrs', 'rate', '[0, 1)', 'ops.dropout');
    rejects(() => dropout(x, kt, { rate: -0.1 }), 'BadAttrs', 'rate');
    rejects(() => dropout(x, kt, {}), 'BadAttrs', 'rate');
    rejects(() => dropout(x, { rate: 0.5 }), 'BadArity', 'ops.dropout');
    rejects(() => dropout(x, tensor([1, 2, 3]), { rate: 0.5 }), 'ShapeMismatch', 'key', 'shape [2]', '[3]', 'ops.dropout');
    rejects(() => dropout(x, tensor([[1, 2]]), { rate: 0.5 }), 'ShapeMismatch', 'key', '[1, 2]');
    rejects(() => dropout(x, tensor([-1, 0], { dtype: 'float64' }), { rate: 0.5 }), 'BadArgument', 'key', 'unsigned 32-bit integers', 'ops.dropout');
    rejects(() => dropout(x, tensor([2 ** 32, 0], { dtype: 'float64' }), { rate: 0.5 }), 'BadArgument', 'key', 'ops.dropout');
    rejects(() => dropout(x, tensor([0.5, 1], { dtype: 'float64' }), { rate: 0.5 }), 'BadArgument', 'key', '0.5');
    // A bad key value fed to a jitted function is caught when the graph runs.
    rejects(() => jit((x: Tensor, k: Tensor) => dropout(x, k, { rate: 0.5 }))(x, tensor([1.5, 2], { dtype: 'float64' })), 'BadArgument', 'key', 'ops.dropout');
  });
});

describe('conv1d, conv2dTranspose and depthwiseConv2d (composites of conv2d)', () => {
  const filled = (shape: number[], seed: number) =>
    tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed * 3.7 + i * 0.9)), { shape, dtype: 'float64' });

  it('conv1d matches the direct sum, with padding, stride and dilation', () => {
    const x = filled([2, 7, 3], 1), w = filled([3, 3, 2], 2);
    for (const [stride, dilation, pad] of [[1, 1, [1, 1]], [2, 1, [0, 2]], [1, 2, [2, 2]]] as const) {
      const y = conv1d(x, w, { padding: pad, stride, dilation });
      const out = Math.floor((7 + pad[0] + pad[1] - dilation * 2 - 1) / stride) + 1;
      expect(y.shape).toEqual([2, out, 2]);
      for (let n = 0; n < 2; n++) for (let i = 0; i < out; i++) for (let o = 0; o < 2; o++) {
        let s = 0;
        for (let k = 0; k < 3; k++) for (let c = 0; c < 3; c++) {
          const at = i * stride + k * dilation - pad[0];
          if (at >= 0 && at < 7) s += x.data[(n * 7 + at) * 3 + c] * w.data[(k * 3 + c) * 2 + o];
        }
        expect(y.data[(n * out + i) * 2 + o]).toBeCloseTo(s, 12);
      }
    }
    checkGrads((a, b) => conv1d(a, b, { padding: 'same' }), [filled([1, 5, 2], 3), filled([3, 2, 2], 4)], 1, { order: 2 });
  });

  it('conv2dTranspose is the adjoint of conv2d: ⟨conv2d(a, w), x⟩ = ⟨a, conv2dTranspose(x, w)⟩', () => {
    const a = filled([1, 6, 6, 2], 5), w = filled([3, 3, 2, 4], 6), x = filled([1, 3, 3, 4], 7);
    const lhs = sum(mul(conv2d(a, w, { padding: 'same', strides: 2 }), x)).data[0];
    const up = conv2dTranspose(x, w, { outputShape: [1, 6, 6, 2], padding: 'same', strides: 2 });
    expect(up.shape).toEqual([1, 6, 6, 2]);
    expect(sum(mul(a, up)).data[0]).toBeCloseTo(lhs, 10);
  });

  it('depthwiseConv2d convolves each channel with its own filters, channels ordered c·m + j', () => {
    const x = filled([1, 4, 4, 3], 8), w = filled([2, 2, 3, 2], 9);
    const y = depthwiseConv2d(x, w, { padding: 'valid' });
    expect(y.shape).toEqual([1, 3, 3, 6]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 3; c++) for (let m = 0; m < 2; m++) {
      let s = 0;
      for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) s += x.data[((i + p) * 4 + (j + q)) * 3 + c] * w.data[((p * 2 + q) * 3 + c) * 2 + m];
      expect(y.data[(i * 3 + j) * 6 + c * 2 + m]).toBeCloseTo(s, 12);
    }
    checkGrads((a, b) => depthwiseConv2d(a, b, { padding: 'same' }), [filled([1, 3, 3, 2], 10), filled([2, 2, 2, 1], 11)], 2, { order: 2 });
  });
});
