// Tests of the params helpers: counting scalars and comparing params with an outline.

import { describe, it, expect } from 'vitest';
import { tensor, trace, zeros } from '@chainrule/core';
import { key } from '@chainrule/core';
import { cnn, mlp } from './model.js';
import { checkParams, countParamShapes, countParams, paramNames, type ParamShapes } from './params.js';

describe('countParams', () => {
  it('adds the sizes of every tensor in the tree', () => {
    expect(countParams([{ w: zeros([3, 4]), b: zeros([4]) }, {}, { w: zeros([4, 2]) }])).toBe(12 + 4 + 8);
    expect(countParams({})).toBe(0);
  });
  it('countParamShapes counts an outline as countParams counts the drawn params', () => {
    // 784·128 + 128 + 128·10 + 10, by hand
    expect(countParamShapes(mlp({ sizes: [784, 128, 10], activation: 'sigmoid' }).paramShapes())).toBe(101770);
    const c = cnn({ inputShape: [28, 28, 1], classes: 10, filters: [8, 16] });
    expect(countParamShapes(c.paramShapes())).toBe(countParams(c.init(key(0))));
    // a huge layer is counted without allocating it
    expect(countParamShapes(mlp({ sizes: [784, 1e8, 10] }).paramShapes())).toBe(784e8 + 1e8 + 1e9 + 10);
  });
});

describe('checkParams', () => {
  const outline: ParamShapes = [{ w: { shape: [2, 3], dtype: 'float32' }, b: { shape: [3], dtype: 'float32' } }, {}];
  it('accepts params of the outline', () => {
    expect(checkParams(outline, [{ w: zeros([2, 3]), b: zeros([3]) }, {}])).toBeUndefined();
  });
  it('names the path and the difference', () => {
    expect(checkParams(outline, [{ w: zeros([2, 4]), b: zeros([3]) }, {}])).toBe('at [0].w: expected float32[2, 3], got float32[2, 4]');
    expect(checkParams(outline, [{ w: zeros([2, 3], 'float64'), b: zeros([3]) }, {}])).toMatch(/\[0\]\.w: expected float32\[2, 3\], got float64/);
    expect(checkParams(outline, [{ w: zeros([2, 3]) }, {}])).toMatch(/at \[0\]: expected keys \{b, w\}, got \{w\}/);
    expect(checkParams(outline, [{ w: zeros([2, 3]), b: zeros([3]) }])).toMatch(/expected 2 entries, got 1/);
    expect(checkParams(outline, { w: tensor(1) })).toMatch(/at \(root\): expected an array of 2/);
    expect(checkParams(outline, [{ w: [1], b: zeros([3]) }, {}])).toMatch(/at \[0\]\.w: expected a tensor/);
  });
});

describe('paramNames', () => {
  it('names each leaf by its path, arrays by index and records by sorted key', () => {
    expect(paramNames([{ w: zeros([2, 3]), b: zeros([3]) }, {}, { w: zeros([3, 1]) }])).toEqual(['params[0].b', 'params[0].w', 'params[2].w']);
    expect(paramNames({ z: zeros([1]), a: [zeros([1]), zeros([1])] }, 'p')).toEqual(['p.a[0]', 'p.a[1]', 'p.z']);
  });
  it('follows the order in which trace makes the leaves graph inputs', () => {
    // every leaf has its own size, so the traced input shapes show which leaf became which input
    const params = { dense: { w: zeros([5]), b: zeros([2]) }, out: [zeros([3]), zeros([4])] };
    const g = trace((p: typeof params) => p.out[0], params);
    expect(g.inputs.map((id) => g.nodes[id].shape)).toEqual([[2], [5], [3], [4]]);
    expect(paramNames(params)).toEqual(['params.dense.b', 'params.dense.w', 'params.out[0]', 'params.out[1]']);
  });
});
