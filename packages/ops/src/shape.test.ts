// Tests of the shape family: data movement against multi-index reference loops, linear VJPs against finite differences, attribute errors.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { tensor, mul, trace, abstract, evaluate, encodeGraph, decodeGraph, Registry, coreOps, isOp, type Tensor, type DType } from '@chainrule/core';
import * as S from './shape.js';
import { checkGrads, arbShape, arbTensor, arbSeed, unravel, ravel, throwsWith } from '../test/fd.js';
import { flip, takeAlongAxis, scatterAddAlongAxis, tile, repeat } from './shape.js';

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const values = (x: Tensor) => Array.from(x.data);
/** A tensor whose values are its flat positions + 1 (so every element is distinguishable). */
const iota = (shape: readonly number[], dtype: DType = 'float64') => tensor(Array.from({ length: sizeOf(shape) }, (_, i) => i + 1), { shape: [...shape], dtype });
const square = (y: Tensor) => mul(y, y);

/** A reference output: for each output multi-index, the value `at` returns. */
const build = (shape: readonly number[], at: (idx: number[]) => number): number[] =>
  Array.from({ length: sizeOf(shape) }, (_, i) => at(unravel(i, shape)));


const dtypes = ['float64', 'float32'] as DType[];

describe('transpose, expandDims, squeeze', () => {
  const arbPermCase = arbShape({ maxRank: 4, maxDim: 3 }).chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length })));

  it.each(dtypes)('transpose moves element x[i] to out[i permuted] (%s)', (dtype) => {
    fc.assert(
      fc.property(arbPermCase, ([shape, perm]) => {
        const x = iota(shape, dtype);
        const y = S.transpose(x, { perm });
        const outShape = perm.map((p) => shape[p]);
        expect(y.shape).toEqual(outShape);
        expect(y.dtype).toBe(dtype);
        expect(values(y)).toEqual(build(outShape, (idx) => {
          const src = new Array<number>(shape.length);
          perm.forEach((p, k) => (src[p] = idx[k]));
          return x.data[ravel(src, shape)];
        }));
      }),
      { numRuns: 30 },
    );
  });

  it('transpose defaults to reversing the axes, and takes negative axes', () => {
    expect(S.transpose(tensor([[1, 2, 3], [4, 5, 6]])).shape).toEqual([3, 2]);
    expect(values(S.transpose(tensor([[1, 2, 3], [4, 5, 6]])))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(S.transpose(iota([2, 3, 4]), { perm: [0, -1, -2] }).shape).toEqual([2, 4, 3]);
  });

  it('expandDims and squeeze change the shape only', () => {
    const x = iota([2, 3]);
    expect(S.expandDims(x, { axis: 0 }).shape).toEqual([1, 2, 3]);
    expect(S.expandDims(x, { axis: -1 }).shape).toEqual([2, 3, 1]);
    expect(S.expandDims(x, { axis: [0, 2] }).shape).toEqual([1, 2, 1, 3]);
    expect(values(S.expandDims(x, { axis: 1 }))).toEqual(values(x));
    const z = iota([1, 3, 1], 'float32');
    expect(S.squeeze(z).shape).toEqual([3]);
    expect(S.squeeze(z, { axis: -1 }).shape).toEqual([1, 3]);
    expect(S.squeeze(z).dtype).toBe('float32');
  });

  it('VJPs and JVPs against finite differences (float64), second order through a square', () => {
    fc.assert(
      fc.property(arbPermCase.chain(([s, p]) => fc.tuple(fc.constant(p), arbTensor(s))), arbSeed, ([perm, x], seed) => {
        checkGrads((z) => S.transpose(z, { perm }), [x], seed);
        checkGrads((z) => square(S.transpose(z, { perm })), [x], seed, { order: 2 });
        checkGrads((z) => S.squeeze(S.expandDims(z, { axis: 0 })), [x], seed);
        checkGrads((z) => square(S.expandDims(z, { axis: -1 })), [x], seed, { order: 2 });
      }),
      { numRuns: 15 },
    );
  });

  it('rejects bad perms and axes with the op, shapes and attrs', () => {
    const x = iota([2, 3]);
    throwsWith(() => S.transpose(x, { perm: [0, 0] }), 'BadAttrs', 'ops.transpose', 'repeats axis 0', '[2, 3]', '"perm":[0,0]');
    throwsWith(() => S.transpose(x, { perm: [0] }), 'ops.transpose', '1 entries for an input of rank 2');
    throwsWith(() => S.transpose(x, { perm: [0, 2] }), 'ops.transpose', 'perm[1] = 2 is out of range');
    throwsWith(() => S.transpose(x, { perm: [0, 1.5] }), 'ops.transpose', 'perm[1] = 1.5');
    throwsWith(() => S.expandDims(x, { axis: 3 }), 'ops.expandDims', 'axis 3 is out of range for rank 3', '[2, 3]');
    throwsWith(() => S.expandDims(x, { axis: -4 }), 'ops.expandDims', 'axis -4');
    throwsWith(() => S.squeeze(x, { axis: 1 }), 'ops.squeeze', 'cannot squeeze axis 1 of size 3', '[2, 3]');
  });
});

describe('slice and unslice', () => {
  /** A shape with a valid window on every axis: begin, size (−1 sometimes), stride. */
  const arbWindow = arbShape({ minRank: 1, maxRank: 3, maxDim: 5 }).chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.tuple(
        ...shape.map((d) =>
          fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: d - b })), fc.integer({ min: 1, max: 3 }))),
        ),
      ),
    ),
  );

  it.each(dtypes)('slice reads x[begin + i·stride] (%s)', (dtype) => {
    fc.assert(
      fc.property(arbWindow, ([shape, win]) => {
        const x = iota(shape, dtype);
        const begin = win.map((w) => w[0]), size = win.map((w) => w[1]), strides = win.map((w) => w[2]);
        const y = S.slice(x, { begin, size, strides });
        const outShape = shape.map((d, k) => Math.ceil((size[k] === -1 ? d - begin[k] : size[k]) / strides[k]));
        expect(y.shape).toEqual(outShape);
        expect(values(y)).toEqual(build(outShape, (idx) => x.data[ravel(idx.map((i, k) => begin[k] + i * strides[k]), shape)]));
        // unslice puts them back: zeros elsewhere
        const back = S.unslice(y, { shape, begin, strides });
        const kept = new Set(build(outShape, (idx) => ravel(idx.map((i, k) => begin[k] + i * strides[k]), shape)));
        expect(values(back)).toEqual(values(x).map((v, i) => (kept.has(i) ? v : 0)));
      }),
      { numRuns: 40 },
    );
  });

  it('short begin/size lists leave the remaining axes whole', () => {
    expect(values(S.slice(tensor([[1, 2, 3], [4, 5, 6]]), { begin: [1] }))).toEqual([4, 5, 6]);
    expect(values(S.slice(tensor([[1, 2, 3], [4, 5, 6]]), { begin: [0, 1], size: [-1, 2] }))).toEqual([2, 3, 5, 6]);
  });

  it('VJPs and JVPs against finite differences (float64), second order through a square', () => {
    fc.assert(
      fc.property(arbWindow.chain(([s, w]) => fc.tuple(fc.constant(w), arbTensor(s))), arbSeed, ([win, x], seed) => {
        const attrs = { begin: win.map((w) => w[0]), size: win.map((w) => w[1]), strides: win.map((w) => w[2]) };
        checkGrads((z) => square(S.slice(z, attrs)), [x], seed, { order: 2 });
        const y = S.slice(x, attrs);
        checkGrads((z) => S.unslice(z, { shape: [...x.shape], begin: attrs.begin, strides: attrs.strides }), [y], seed);
      }),
      { numRuns: 20 },
    );
  });

  it('rejects windows that do not fit', () => {
    const x = iota([2, 3]);
    throwsWith(() => S.slice(x, { begin: [0, 4] }), 'BadAttrs', 'ops.slice', 'begin[1] = 4 must be an integer in [0, 3]', '[2, 3]', '"begin":[0,4]');
    throwsWith(() => S.slice(x, { begin: [1, 1], size: [2, 1] }), 'ShapeMismatch', 'ops.slice', 'axis 0: begin 1 + size 2 exceeds its size 2');
    throwsWith(() => S.slice(x, { begin: [0, 0], strides: [0, 1] }), 'ops.slice', 'strides[0] = 0 must be a positive integer');
    throwsWith(() => S.slice(x, { begin: [0, 0, 0] }), 'ops.slice', 'at most 2 entries');
    throwsWith(() => S.slice(x, { begin: [-1, 0] }), 'ops.slice', 'begin[0] = -1');
    throwsWith(() => S.unslice(iota([3]), { shape: [4], begin: [1], strides: [2] }), 'ops.unslice', 'do not fit in 4');
  });
});

describe('concat, stack, split', () => {
  /** 1–3 shapes equal except along one axis (whose sizes vary, 0 included), and that axis. */
  const arbJoin = arbShape({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((shape) =>
    fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 })),
  ).map(([shape, axis, sizes]) => {
    const a = axis < 0 ? axis + shape.length : axis;
    return { axis, shapes: sizes.map((n) => shape.map((d, k) => (k === a ? n : d))) };
  });

  it.each(dtypes)('concat places input k after the earlier ones along the axis (%s)', (dtype) => {
    fc.assert(
      fc.property(arbJoin, ({ axis, shapes }) => {
        let offset = 0;
        const xs = shapes.map((s) => {
          const x = tensor(Array.from({ length: sizeOf(s) }, (_, i) => offset + i + 1), { shape: s, dtype });
          offset += sizeOf(s);
          return x;
        });
        const a = axis < 0 ? axis + shapes[0].length : axis;
        const y = S.concat(xs, { axis });
        const outShape = shapes[0].map((d, k) => (k === a ? shapes.reduce((acc, s) => acc + s[a], 0) : d));
        expect(y.shape).toEqual(outShape);
        expect(y.dtype).toBe(dtype);
        expect(values(y)).toEqual(build(outShape, (idx) => {
          let c = idx[a], k = 0;
          while (c >= shapes[k][a]) c -= shapes[k++][a];
          return xs[k].data[ravel(idx.map((v, d) => (d === a ? c : v)), shapes[k])];
        }));
      }),
      { numRuns: 30 },
    );
  });

  it('stack joins along a new axis; split undoes concat', () => {
    const a = tensor([1, 2]), b = tensor([3, 4]);
    expect(values(S.stack([a, b]))).toEqual([1, 2, 3, 4]);
    expect(S.stack([a, b], { axis: -1 }).shape).toEqual([2, 2]);
    expect(values(S.stack([a, b], { axis: 1 }))).toEqual([1, 3, 2, 4]);
    const x = iota([2, 6]);
    const parts = S.split(x, { numOrSizes: 3, axis: 1 });
    expect(parts.map((p) => p.shape)).toEqual([[2, 2], [2, 2], [2, 2]]);
    expect(values(S.concat(parts, { axis: 1 }))).toEqual(values(x));
    const uneven = S.split(x, { numOrSizes: [1, -1, 2], axis: -1 });
    expect(uneven.map((p) => p.shape)).toEqual([[2, 1], [2, 3], [2, 2]]);
    expect(values(uneven[1])).toEqual([2, 3, 4, 8, 9, 10]);
  });

  it('VJPs and JVPs against finite differences (float64), second order through a square', () => {
    fc.assert(
      fc.property(arbJoin.chain(({ axis, shapes }) => fc.tuple(fc.constant(axis), fc.tuple(...shapes.map((s) => arbTensor(s))))), arbSeed, ([axis, xs], seed) => {
        checkGrads((...zs) => S.concat(zs, { axis }), xs, seed);
        checkGrads((...zs) => square(S.concat(zs, { axis })), xs, seed, { order: 2 });
        if (xs[0].shape[0] >= 1) {
          checkGrads((z) => S.concat(S.split(z, { numOrSizes: [1, -1] }).map((p, k) => mul(p, k + 2))), [xs[0]], seed);
        }
      }),
      { numRuns: 20 },
    );
    fc.assert(
      fc.property(arbShape({ maxRank: 2 }).chain((s) => fc.tuple(arbTensor(s), arbTensor(s))), fc.integer({ min: 0, max: 2 }), arbSeed, ([a, b], axis, seed) => {
        const ax = Math.min(axis, a.shape.length);
        checkGrads((x, y) => S.stack([x, y], { axis: ax }), [a, b], seed);
      }),
      { numRuns: 15 },
    );
  });

  it('rejects mismatched inputs and bad attrs', () => {
    const x = iota([2, 3]), y = iota([3, 3]);
    throwsWith(() => S.concat([x, y], { axis: 1 }), 'ShapeMismatch', 'ops.concat', "input 1 has shape [3, 3], which differs from input 0's [2, 3] off axis 1", '[2, 3], [3, 3]', '"axis":1');
    throwsWith(() => S.concat([x, y], { axis: 2 }), 'BadAttrs', 'ops.concat', 'axis 2 is out of range for rank 2');
    throwsWith(() => S.concat([]), 'ops.concat', 'non-empty');
    throwsWith(() => S.concat([tensor(1), tensor(2)]), 'ops.concat', 'scalars');
    throwsWith(() => S.concat([x, tensor([[1, 2, 3]], { dtype: 'float32' })]), 'DtypeMismatch', 'ops.concat');
    throwsWith(() => S.stack([x, y]), 'ShapeMismatch', 'ops.stack', 'input 1 has shape [3, 3]', '[2, 3], [3, 3]');
    throwsWith(() => S.stack([x, x], { axis: 3 }), 'BadAttrs', 'ops.stack', 'axis 3 is out of range for rank 3', '"axis":3');
    throwsWith(() => S.split(x, { numOrSizes: 2, axis: 1 }), 'ops.split', 'numOrSizes 2 must be a positive integer that divides axis 1', '[2, 3]');
    throwsWith(() => S.split(x, { numOrSizes: [1, 1], axis: 1 }), 'ops.split', 'do not add up to axis 1');
    throwsWith(() => S.split(x, { numOrSizes: [-1, -1] }), 'ops.split', 'at most one -1');
    throwsWith(() => S.split(x, { numOrSizes: 2, axis: 2 }), 'ops.split', 'axis 2 is out of range');
    throwsWith(() => S.split(x, { numOrSizes: 'two' } as unknown as S.SplitAttrs), 'ops.split', 'numOrSizes');
  });
});

describe('gather and scatterAdd', () => {
  /** x's shape, an axis, and integer indices (negative ones included) into that axis. */
  const arbGather = arbShape({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((shape) =>
    fc.integer({ min: -shape.length, max: shape.length - 1 }).chain((axis) => {
      const n = shape[axis < 0 ? axis + shape.length : axis];
      return fc.tuple(fc.constant(shape), fc.constant(axis), arbShape({ maxRank: 2, maxDim: 3 }).chain((is) => fc.array(fc.integer({ min: -n, max: n - 1 }), { minLength: sizeOf(is), maxLength: sizeOf(is) }).map((v) => tensor(v, { shape: is }))));
    }),
  );

  it.each(dtypes)('gather reads x along the axis at each index; scatterAdd adds back (%s)', (dtype) => {
    fc.assert(
      fc.property(arbGather, ([shape, axis, idx]) => {
        const x = iota(shape, dtype);
        const a = axis < 0 ? axis + shape.length : axis, n = shape[a], ir = idx.shape.length;
        const y = S.gather(x, idx, { axis });
        const outShape = [...shape.slice(0, a), ...idx.shape, ...shape.slice(a + 1)];
        expect(y.shape).toEqual(outShape);
        expect(y.dtype).toBe(dtype);
        const at = (o: number[]) => {
          const k = idx.data[ravel(o.slice(a, a + ir), idx.shape)];
          return [...o.slice(0, a), k < 0 ? k + n : k, ...o.slice(a + ir)];
        };
        expect(values(y)).toEqual(build(outShape, (o) => x.data[ravel(at(o), shape)]));
        const back = S.scatterAdd(y, idx, { axis: a, size: n });
        const expected = new Array<number>(sizeOf(shape)).fill(0);
        build(outShape, (o) => (expected[ravel(at(o), shape)] += y.data[ravel(o, outShape)]));
        expect(values(back)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('take is gather; repeated indices accumulate in scatterAdd', () => {
    expect(S.take).toBe(S.gather);
    expect(values(S.gather(tensor([10, 20, 30]), tensor([2, 0, 2])))).toEqual([30, 10, 30]);
    expect(values(S.scatterAdd(tensor([1, 2, 3]), tensor([0, 2, 0]), { axis: 0, size: 3 }))).toEqual([4, 0, 2]);
  });

  it('VJPs and JVPs against finite differences (float64), second order through a square', () => {
    fc.assert(
      fc.property(arbGather.chain(([s, a, i]) => fc.tuple(fc.constant(a), fc.constant(i), arbTensor(s))), arbSeed, ([axis, idx, x], seed) => {
        checkGrads((z) => square(S.gather(z, idx, { axis })), [x], seed, { order: 2 });
        const a = axis < 0 ? axis + x.shape.length : axis;
        checkGrads((u) => S.scatterAdd(u, idx, { axis: a, size: x.shape[a] }), [S.gather(x, idx, { axis })], seed);
      }),
      { numRuns: 20 },
    );
  });

  it('rejects bad indices (when the kernel runs) and bad axes, naming the op', () => {
    const x = iota([2, 3]);
    throwsWith(() => S.gather(x, tensor([3]), { axis: 1 }), 'BadArgument', 'ops.gather', 'index 3 at position 0 is not an integer in [-3, 3)', '[2, 3], [1]');
    throwsWith(() => S.gather(x, tensor([0.5])), 'ops.gather', 'index 0.5');
    throwsWith(() => S.gather(x, tensor([0]), { axis: 2 }), 'BadAttrs', 'ops.gather', 'axis 2 is out of range for rank 2');
    throwsWith(() => S.scatterAdd(iota([2, 2]), tensor([0, 1, 1]), { axis: 0, size: 2 }), 'ops.scatterAdd', 'must hold the indices');
  });
});

describe('pad', () => {
  const arbPad = arbShape({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((s) =>
    fc.tuple(fc.constant(s), fc.tuple(...s.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))), fc.constantFrom(0, -1.5)),
  );

  it.each(dtypes)('pad surrounds x with the value (%s)', (dtype) => {
    fc.assert(
      fc.property(arbPad, ([shape, paddings, value]) => {
        const x = iota(shape, dtype);
        const y = S.pad(x, { paddings, value });
        const outShape = shape.map((d, k) => paddings[k][0] + d + paddings[k][1]);
        expect(y.shape).toEqual(outShape);
        expect(values(y)).toEqual(build(outShape, (o) => {
          const src = o.map((c, k) => c - paddings[k][0]);
          return src.every((c, k) => c >= 0 && c < shape[k]) ? x.data[ravel(src, shape)] : value;
        }));
      }),
      { numRuns: 30 },
    );
  });

  it('VJP and JVP against finite differences (float64), second order through a square', () => {
    fc.assert(
      fc.property(arbPad.chain(([s, p]) => fc.tuple(fc.constant(p), arbTensor(s))), arbSeed, ([paddings, x], seed) => {
        checkGrads((z) => square(S.pad(z, { paddings, value: 2 })), [x], seed, { order: 2 });
      }),
      { numRuns: 15 },
    );
  });

  it('rejects bad paddings', () => {
    const x = iota([2, 3]);
    throwsWith(() => S.pad(x, { paddings: [[0, 0], [-1, 2]] }), 'BadAttrs', 'ops.pad', 'paddings[1] = [-1, 2] must be non-negative integers', '[2, 3]', '"paddings":[[0,0],[-1,2]]');
    throwsWith(() => S.pad(x, { paddings: [[1, 1]] }), 'ops.pad', '1 pairs for an input of rank 2');
    throwsWith(() => S.pad(x, { paddings: [[0, 0], [0.5, 0]] }), 'ops.pad', '[0.5, 0]');
    throwsWith(() => S.pad(x, { paddings: [[0, 0], [1]] as unknown as [number, number][] }), 'BadAttrs', 'ops.pad', 'paddings');
  });
});

describe('re-exports', () => {
  it('reshape, broadcastTo and oneHot are core\'s', () => {
    expect(S.reshape.name).toBe('core.reshape');
    expect(S.broadcastTo.name).toBe('core.broadcastTo');
    expect(values(S.oneHot(tensor([0, 2]), { depth: 3 }))).toEqual([1, 0, 0, 0, 0, 1]);
  });
});

describe('graphs with shape ops', () => {
  it('survive a JSON round trip: attrs encode, decode and re-infer', () => {
    const f = (x: Tensor, i: Tensor) =>
      S.pad(S.gather(S.transpose(S.slice(x, { begin: [0, 1], size: [-1, 3], strides: [1, 2] }), { perm: [1, 0] }), i, { axis: -1 }), { paddings: [[1, 0], [0, 2]], value: -1 });
    const g = trace(f, abstract([3, 7], 'float64'), abstract([2], 'float64'));
    const r = Registry.of(...coreOps, ...(Object.values(S) as unknown[]).filter(isOp));
    if (r._tag === 'Left') throw new Error(r.left.message);
    const back = decodeGraph(JSON.stringify(encodeGraph(g)), r.right);
    if (back._tag === 'Left') throw new Error(back.left.message);
    const x = iota([3, 7]), i = tensor([2, 0], { dtype: 'float64' });
    expect(values(evaluate(back.right, [x, i])[0])).toEqual(values(f(x, i)));
  });
});

// flip, takeAlongAxis, scatterAddAlongAxis, tile and repeat: values against NumPy's definitions by hand.

const f64 = (v: number[], shape?: number[]): Tensor => tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });
const vals = (x: Tensor) => Array.from(x.data);

describe('flip', () => {
  it('reverses the named axes', () => {
    expect(vals(flip(f64([1, 2, 3])))).toEqual([3, 2, 1]);
    const m = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(vals(flip(m, { axis: 1 }))).toEqual([3, 2, 1, 6, 5, 4]);
    expect(vals(flip(m, { axis: 0 }))).toEqual([4, 5, 6, 1, 2, 3]);
    expect(vals(flip(m))).toEqual([6, 5, 4, 3, 2, 1]);
  });
  it('has derivatives that agree with finite differences', () => {
    checkGrads((x) => flip(x, { axis: [0, 2] }), [f64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [2, 2, 2])], 1, { order: 2 });
  });
});

describe('takeAlongAxis and scatterAddAlongAxis', () => {
  it('pick and put back along an axis with the other axes aligned', () => {
    const x = f64([10, 30, 20, 5, 6, 7], [2, 3]);
    expect(vals(takeAlongAxis(x, f64([1, 2, 0, -1], [2, 2]), { axis: 1 }))).toEqual([30, 20, 5, 7]);
    expect(vals(takeAlongAxis(x, f64([1, 0, 0], [1, 3]), { axis: 0 }))).toEqual([5, 30, 20]);
    expect(vals(scatterAddAlongAxis(f64([1, 2, 3, 4], [2, 2]), f64([2, 2, 0, 1], [2, 2]), { axis: 1, size: 3 }))).toEqual([0, 0, 3, 3, 4, 0]);
  });
  it('refuses indices out of range and mismatched shapes, naming the op', () => {
    throwsWith(() => takeAlongAxis(f64([1, 2, 3]), f64([3])), 'ops.takeAlongAxis', 'index 3');
    throwsWith(() => takeAlongAxis(f64([1, 2, 3, 4], [2, 2]), f64([0, 1, 0], [3, 1]), { axis: 1 }), 'differ on axis 0');
  });
  it('are each other’s transposes, with derivatives that agree with finite differences', () => {
    const idx = f64([2, 0, 0, 1], [2, 2]);
    checkGrads((x) => takeAlongAxis(x, idx, { axis: 1 }), [f64([0.1, -0.4, 0.9, 1.5, -2, 0.3], [2, 3])], 2, { order: 2 });
    checkGrads((u) => scatterAddAlongAxis(u, idx, { axis: 1, size: 3 }), [f64([0.5, -1, 2, 0.25], [2, 2])], 3, { order: 2 });
  });
});

describe('tile and repeat', () => {
  it('tile repeats the whole tensor', () => {
    expect(vals(tile(f64([1, 2]), { reps: [2] }))).toEqual([1, 2, 1, 2]);
    const t2 = tile(f64([1, 2, 3, 4], [2, 2]), { reps: [2, 1] });
    expect(t2.shape).toEqual([4, 2]);
    expect(vals(t2)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(tile(f64([1, 2]), { reps: [3, 2] }).shape).toEqual([3, 4]);
  });
  it('repeat repeats each element', () => {
    expect(vals(repeat(f64([1, 2]), { repeats: 2 }))).toEqual([1, 1, 2, 2]);
    expect(vals(repeat(f64([1, 2, 3, 4], [2, 2]), { repeats: 2, axis: 0 }))).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
    expect(vals(repeat(f64([1, 2, 3, 4], [2, 2]), { repeats: 3, axis: -1 }))).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    throwsWith(() => repeat(f64([1]), { repeats: 1.5 }), 'non-negative integer');
  });
  it('differentiate through their reshapes and broadcasts', () => {
    checkGrads((x) => tile(x, { reps: [2, 3] }), [f64([0.5, -1, 2], [1, 3])], 4, { order: 2 });
    checkGrads((x) => repeat(x, { repeats: 2, axis: 1 }), [f64([0.5, -1, 2, 3], [2, 2])], 5, { order: 2 });
  });
});
