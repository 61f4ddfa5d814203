// Tensors print their dtype, shape and values; large ones are summarised with … like NumPy.

import { describe, it, expect } from 'vitest';
import { inspect } from 'node:util';
import { tensor, arange } from './tensor.js';
import { reshape } from './ops/shape.js';
import { trace, abstract } from './transforms.js';
import { formatTensor } from './format.js';

describe('formatTensor', () => {
  it('prints a scalar and a vector on one line', () => {
    expect(String(tensor(0.5))).toBe('Tensor float32[] 0.5');
    expect(String(tensor([0.1, -2.5, 3]))).toBe('Tensor float32[3] [ 0.1, -2.5,    3]');
    expect(String(tensor([1, 2], { dtype: 'float64' }))).toBe('Tensor float64[2] [1, 2]');
  });

  it('rounds float32 to 6 and float64 to 12 significant digits', () => {
    expect(String(tensor([1 / 3]))).toBe('Tensor float32[1] [0.333333]');
    expect(String(tensor([1 / 3], { dtype: 'float64' }))).toBe('Tensor float64[1] [0.333333333333]');
    expect(String(tensor([NaN, Infinity, -1e-7]))).toBe('Tensor float32[3] [     NaN, Infinity,    -1e-7]');
  });

  it('prints a matrix as aligned rows and a rank-3 tensor with blank lines between blocks', () => {
    expect(String(tensor([[1, 2], [3, 40]]))).toBe('Tensor float32[2, 2]\n[[ 1,  2],\n [ 3, 40]]');
    expect(String(reshape(arange(0, 8), { shape: [2, 2, 2] }))).toBe(
      'Tensor float32[2, 2, 2]\n[[[0, 1],\n  [2, 3]],\n\n [[4, 5],\n  [6, 7]]]',
    );
  });

  it('keeps every value up to 1,000 elements and wraps long rows at 75 columns', () => {
    const [head, ...rows] = String(arange(0, 1000)).split('\n');
    const s = rows.join('\n');
    expect(head).toBe('Tensor float32[1000]');
    expect(s.split(/[[\],\s]+/).filter((w) => /^\d+$/.test(w))).toHaveLength(1000);
    expect(s).not.toContain('…');
    expect(Math.max(...s.split('\n').map((l) => l.length))).toBeLessThanOrEqual(75);
  });

  it('summarises more than 1,000 elements: the first and last 3 entries of each long axis', () => {
    const s = String(reshape(arange(0, 1010), { shape: [101, 10] }));
    const lines = s.split('\n');
    expect(lines[0]).toBe('Tensor float32[101, 10]');
    expect(lines[1]).toBe('[[   0,    1,    2, …,    7,    8,    9],');
    expect(lines[4]).toBe(' …,');
    expect(lines[7]).toBe(' [1000, 1001, 1002, …, 1007, 1008, 1009]]');
    expect(lines).toHaveLength(8);
  });

  it('says a tracer has no values, and prints an empty tensor', () => {
    let text = '';
    trace((x) => ((text = String(x)), x), abstract([2, 3]));
    expect(text).toBe('Tensor float32[2, 3] (a tracer: no values while tracing)');
    expect(formatTensor('float64', [0, 3], new Float64Array(0))).toBe('Tensor float64[0, 3] []');
  });

  it('is what console.log shows (util.inspect.custom), instead of the internal fields', () => {
    expect(inspect(tensor([1, 2]))).toBe('Tensor float32[2] [1, 2]');
    expect(inspect({ w: tensor([1, 2]) })).toBe('{ w: Tensor float32[2] [1, 2] }');
    expect(inspect(tensor([1, 2]))).not.toContain('_data');
  });
});
