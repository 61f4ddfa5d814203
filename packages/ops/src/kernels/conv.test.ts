// Tests of the conv2d kernels: forward and both gradients against seven-loop references, adjoint identities, padding rules and argument checks.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { DType, FloatArray } from '@chainrule/core';
import {
  conv2dForward, conv2dBackwardInput, conv2dBackwardFilter, convOutputSize, samePadding,
  type Pads2d, type Pair,
} from './conv.js';
import { lcg, randomArray } from '../../test/seeded.js';

interface ConvCase {
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  strides: Pair;
  dilations: Pair;
  pads: Pads2d;
  dtype: DType;
}

const outShape = ({ xShape: [n, h, w], wShape: [kh, kw, , o], strides, dilations, pads }: ConvCase) => [
  n,
  convOutputSize(h, kh, strides[0], dilations[0], pads[0], pads[1]),
  convOutputSize(w, kw, strides[1], dilations[1], pads[2], pads[3]),
  o,
] as [number, number, number, number];

// The definition, seven loops deep, in float64. It visits every (output, tap) pair once and calls
// `visit(yIndex, xIndex, wIndex)` for the taps that land inside the input; forward and both
// backward references are built from it, so each is the plain sum the kernel must equal.
const eachTap = (c: ConvCase, visit: (yi: number, xi: number, wi: number) => void): void => {
  const [n, h, w, ch] = c.xShape;
  const [kh, kw, , o] = c.wShape;
  const [, oh, ow] = outShape(c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let q = 0; q < o; q++)
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++)
              for (let cc = 0; cc < ch; cc++) {
                const y = i * c.strides[0] + ky * c.dilations[0] - c.pads[0];
                const x = j * c.strides[1] + kx * c.dilations[1] - c.pads[2];
                if (y < 0 || y >= h || x < 0 || x >= w) continue;
                visit(((b * oh + i) * ow + j) * o + q, ((b * h + y) * w + x) * ch + cc, ((ky * kw + kx) * ch + cc) * o + q);
              }
};

const referenceForward = (c: ConvCase, x: FloatArray, w: FloatArray) => {
  const size = outShape(c).reduce((s, d) => s * d, 1);
  const value = new Float64Array(size), scale = new Float64Array(size);
  eachTap(c, (yi, xi, wi) => { value[yi] += x[xi] * w[wi]; scale[yi] += Math.abs(x[xi] * w[wi]); });
  return { value, scale };
};

const referenceBackwardInput = (c: ConvCase, dy: FloatArray, w: FloatArray) => {
  const size = c.xShape.reduce((s, d) => s * d, 1);
  const value = new Float64Array(size), scale = new Float64Array(size);
  eachTap(c, (yi, xi, wi) => { value[xi] += dy[yi] * w[wi]; scale[xi] += Math.abs(dy[yi] * w[wi]); });
  return { value, scale };
};

const referenceBackwardFilter = (c: ConvCase, x: FloatArray, dy: FloatArray) => {
  const size = c.wShape.reduce((s, d) => s * d, 1);
  const value = new Float64Array(size), scale = new Float64Array(size);
  eachTap(c, (yi, xi, wi) => { value[wi] += dy[yi] * x[xi]; scale[wi] += Math.abs(dy[yi] * x[xi]); });
  return { value, scale };
};

const eps = (dtype: DType) => (dtype === 'float32' ? 4e-6 : 1e-13);

const expectClose = (what: string, c: ConvCase, got: FloatArray, ref: { value: Float64Array; scale: Float64Array }) => {
  expect(got.length).toBe(ref.value.length);
  expect(got).toBeInstanceOf(c.dtype === 'float32' ? Float32Array : Float64Array);
  for (let i = 0; i < got.length; i++) {
    const tol = eps(c.dtype) * (ref.scale[i] + 1);
    if (!(Math.abs(got[i] - ref.value[i]) <= tol)) {
      throw new Error(`${what} ${JSON.stringify(c)}: [${i}] = ${got[i]}, expected ${ref.value[i]} ± ${tol}`);
    }
  }
};

const dotF64 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

// Checks all three kernels against the references, plus the adjoint identities
// ⟨dy, conv(x, w)⟩ = ⟨∂x, x⟩ = ⟨∂w, w⟩ (conv is linear in each argument).
const checkConv = (c: ConvCase, seed = 1): void => {
  const rand = lcg(seed);
  const yShape = outShape(c);
  const x = randomArray(c.dtype, c.xShape.reduce((s, d) => s * d, 1), rand);
  const w = randomArray(c.dtype, c.wShape.reduce((s, d) => s * d, 1), rand);
  const dy = randomArray(c.dtype, yShape.reduce((s, d) => s * d, 1), rand);
  const [x0, w0, dy0] = [x.slice(), w.slice(), dy.slice()];

  const y = conv2dForward(x, c.xShape, w, c.wShape, c.strides, c.dilations, c.pads);
  const dx = conv2dBackwardInput(dy, yShape, w, c.wShape, c.xShape, c.strides, c.dilations, c.pads);
  const dw = conv2dBackwardFilter(x, c.xShape, dy, yShape, c.wShape, c.strides, c.dilations, c.pads);

  const yRef = referenceForward(c, x, w);
  expectClose('forward', c, y, yRef);
  expectClose('backward input', c, dx, referenceBackwardInput(c, dy, w));
  expectClose('backward filter', c, dw, referenceBackwardFilter(c, x, dy));

  const lhs = dotF64(dy, yRef.value);
  const scale = dotF64(Array.from(dy, Math.abs), yRef.scale) + 1;
  expect(Math.abs(dotF64(dx, x) - lhs)).toBeLessThanOrEqual(eps(c.dtype) * 10 * scale);
  expect(Math.abs(dotF64(dw, w) - lhs)).toBeLessThanOrEqual(eps(c.dtype) * 10 * scale);

  expect(x).toEqual(x0);
  expect(w).toEqual(w0);
  expect(dy).toEqual(dy0);
};

const padsFor = (mode: 'same' | 'valid', xShape: readonly number[], wShape: readonly number[], strides: Pair, dilations: Pair): Pads2d => {
  if (mode === 'valid') return [0, 0, 0, 0];
  const [t, b] = samePadding(xShape[1], wShape[0], strides[0], dilations[0]);
  const [l, r] = samePadding(xShape[2], wShape[1], strides[1], dilations[1]);
  return [t, b, l, r];
};

describe('convOutputSize and samePadding', () => {
  it('follow TensorFlow for known cases', () => {
    expect(samePadding(28, 3, 1, 1)).toEqual([1, 1]);
    expect(samePadding(5, 2, 2, 1)).toEqual([0, 1]);
    expect(samePadding(4, 3, 2, 1)).toEqual([0, 1]);
    expect(samePadding(7, 3, 1, 2)).toEqual([2, 2]);
    expect(samePadding(6, 1, 2, 1)).toEqual([0, 0]);
    expect(convOutputSize(28, 3, 1, 1, 1, 1)).toBe(28);
    expect(convOutputSize(28, 3, 2, 1, 0, 0)).toBe(13);
    expect(convOutputSize(2, 3, 1, 1, 0, 0)).toBe(0);
  });

  it('SAME gives ceil(in / stride) outputs, VALID gives ceil((in - span + 1) / stride)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }),
      (size, k, stride, dilation) => {
        const [before, after] = samePadding(size, k, stride, dilation);
        expect(after - before === 0 || after - before === 1).toBe(true);
        expect(convOutputSize(size, k, stride, dilation, before, after)).toBe(Math.ceil(size / stride));
        const span = dilation * (k - 1) + 1;
        expect(convOutputSize(size, k, stride, dilation, 0, 0)).toBe(Math.max(0, Math.ceil((size - span + 1) / stride)));
      },
    ));
  });
});

describe('conv2d kernels', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`match the 7-deep reference on hand-picked shapes (${dtype})`, () => {
      const cases: Omit<ConvCase, 'dtype' | 'pads'>[] = [
        { xShape: [1, 5, 5, 1], wShape: [3, 3, 1, 1], strides: [1, 1], dilations: [1, 1] },
        { xShape: [2, 7, 6, 3], wShape: [3, 2, 3, 4], strides: [2, 1], dilations: [1, 2] },
        { xShape: [1, 8, 8, 2], wShape: [2, 2, 2, 5], strides: [2, 2], dilations: [1, 1] },
        { xShape: [3, 4, 4, 5], wShape: [1, 1, 5, 6], strides: [1, 1], dilations: [1, 1] }, // pointwise path
        { xShape: [2, 9, 7, 2], wShape: [3, 3, 2, 3], strides: [2, 2], dilations: [2, 2] },
        { xShape: [1, 3, 3, 2], wShape: [5, 5, 2, 2], strides: [1, 1], dilations: [1, 1] }, // filter larger than input
      ];
      let seed = 1;
      for (const base of cases) {
        for (const mode of ['same', 'valid'] as const) {
          checkConv({ ...base, dtype, pads: padsFor(mode, base.xShape, base.wShape, base.strides, base.dilations) }, seed++);
        }
        checkConv({ ...base, dtype, pads: [2, 0, 1, 3] }, seed++);
      }
    });
  }

  it('match the reference for random shapes, strides 1–2, dilations 1–2, same/valid/explicit pads, both dtypes', () => {
    const dims = fc.integer({ min: 1, max: 3 });
    fc.assert(fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }),
        c: dims, o: dims, kh: dims, kw: dims,
        strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
        dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
        padding: fc.oneof(fc.constantFrom('same' as const, 'valid' as const),
          fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))),
        dtype: fc.constantFrom<DType>('float32', 'float64'),
        seed: fc.nat(),
      }),
      ({ n, h, w, c, o, kh, kw, strides, dilations, padding, dtype, seed }) => {
        const xShape: ConvCase['xShape'] = [n, h, w, c];
        const wShape: ConvCase['wShape'] = [kh, kw, c, o];
        const pads = typeof padding === 'string' ? padsFor(padding, xShape, wShape, strides, dilations) : padding;
        checkConv({ xShape, wShape, strides, dilations, pads, dtype }, seed);
      },
    ), { numRuns: 200 });
  });

  it('stay exact across im2col chunk boundaries that split image rows', () => {
    // 2·24·24 = 1152 output rows of 3·3·20 = 180 taps: with 2¹⁶-element chunks that is 364 rows
    // a chunk, so chunks start mid-row and mid-image.
    for (const dtype of ['float32', 'float64'] as const) {
      checkConv({ xShape: [2, 24, 24, 20], wShape: [3, 3, 20, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], dtype }, 7);
    }
    checkConv({ xShape: [2, 30, 37, 16], wShape: [3, 2, 16, 2], strides: [2, 1], dilations: [2, 1], pads: [0, 2, 1, 0], dtype: 'float64' }, 8);
  });

  it('agree with central finite differences on a tiny case (float64)', () => {
    const c: ConvCase = { xShape: [1, 4, 3, 2], wShape: [2, 2, 2, 2], strides: [1, 2], dilations: [2, 1], pads: [1, 0, 1, 1], dtype: 'float64' };
    const rand = lcg(3);
    const yShape = outShape(c);
    const x = randomArray('float64', 24, rand), w = randomArray('float64', 16, rand);
    const dy = randomArray('float64', yShape.reduce((s, d) => s * d, 1), rand);
    // L(x, w) = ⟨dy, conv(x, w)⟩, so ∂L/∂x = backwardInput(dy) and ∂L/∂w = backwardFilter(x, dy).
    const loss = (xv: FloatArray, wv: FloatArray) => dotF64(dy, conv2dForward(xv, c.xShape, wv, c.wShape, c.strides, c.dilations, c.pads));
    const dx = conv2dBackwardInput(dy, yShape, w, c.wShape, c.xShape, c.strides, c.dilations, c.pads);
    const dw = conv2dBackwardFilter(x, c.xShape, dy, yShape, c.wShape, c.strides, c.dilations, c.pads);
    const h = 1e-6;
    const numeric = (arr: Float64Array, i: number, f: () => number) => {
      const v = arr[i];
      arr[i] = v + h; const up = f();
      arr[i] = v - h; const down = f();
      arr[i] = v;
      return (up - down) / (2 * h);
    };
    for (let i = 0; i < x.length; i++) expect(dx[i]).toBeCloseTo(numeric(x as Float64Array, i, () => loss(x, w)), 7);
    for (let i = 0; i < w.length; i++) expect(dw[i]).toBeCloseTo(numeric(w as Float64Array, i, () => loss(x, w)), 7);
  });

  it('compute a known 3×3 SAME example by hand', () => {
    // x = 1..9 on a 3×3 grid, w = all ones 3×3: each output is the sum of its (zero-padded) neighbourhood.
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = new Float32Array(9).fill(1);
    const y = conv2dForward(x, [1, 3, 3, 1], w, [3, 3, 1, 1], [1, 1], [1, 1], [1, 1, 1, 1]);
    expect(Array.from(y)).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });

  it('reject inconsistent shapes with a message that names the argument', () => {
    const x = new Float32Array(16), w = new Float32Array(9);
    expect(() => conv2dForward(x, [1, 4, 4, 1], w, [3, 3, 2, 1], [1, 1], [1, 1], [0, 0, 0, 0])).toThrow(/2 input channels but the input has 1/);
    expect(() => conv2dForward(x, [1, 4, 4, 1], w, [3, 3, 1, 1], [0, 1], [1, 1], [0, 0, 0, 0])).toThrow(/strides must be 2 integers ≥ 1/);
    expect(() => conv2dForward(x, [1, 4, 5, 1], w, [3, 3, 1, 1], [1, 1], [1, 1], [0, 0, 0, 0])).toThrow(/x has 16 elements/);
    expect(() => conv2dBackwardInput(new Float32Array(4), [1, 2, 2, 2], w, [3, 3, 1, 1], [1, 4, 4, 1], [1, 1], [1, 1], [0, 0, 0, 0]))
      .toThrow(/dyShape \[1, 2, 2, 2\] is not the output shape \[1, 2, 2, 1\]/);
  });
});
