import { describe, expect, it } from 'vitest';
import { abstract, add, evaluate, matmul, sigmoid, sum, tensor, trace } from '@chainrule/core';
import { elementwiseFusion } from './fuse.js';
import { matmulEpilogues, epilogueKernel } from './epilogue.js';
import { matmulInto } from '@chainrule/core/kernels';
import { jsBackend, type Backend } from '@chainrule/core';
import { describeGraph } from './describe.js';

const seq = (n: number, shift: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + shift));
const passes = (g: Parameters<typeof matmulEpilogues>[0]) => matmulEpilogues(elementwiseFusion()(g));

/** sigmoid(op(A)·op(B) + b) by plain loops in float64. */
const reference = (a: number[], b: number[], bias: number[], m: number, k: number, n: number, ta: boolean, tb: boolean): number[] => {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      out.push(1 / (1 + Math.exp(-(s + bias[j]))));
    }
  }
  return out;
};

describe('matmulEpilogues', () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`runs bias-add and activation on the product in place (transposeA ${ta}, transposeB ${tb})`, () => {
      const [m, k, n] = [5, 7, 6];
      const sa = ta ? [k, m] : [m, k], sb = tb ? [n, k] : [k, n];
      const g = trace((x, w, b) => sigmoid(add(matmul(x, w, { transposeA: ta, transposeB: tb }), b)), abstract(sa, 'float64'), abstract(sb, 'float64'), abstract([n], 'float64'));
      const f = passes(g);
      expect(describeGraph(f)).toBe('%0 = input\n%1 = input\n%2 = input\n%3 = compiler.matmulEpilogue{core.add core.sigmoid}(%0, %1, %2)\n→ %3');
      const a = seq(m * k, 1), b = seq(k * n, 2), bias = seq(n, 3);
      const got = Array.from(evaluate(f, [tensor(a, { shape: sa, dtype: 'float64' }), tensor(b, { shape: sb, dtype: 'float64' }), tensor(bias, { dtype: 'float64' })])[0].data);
      const want = reference(a, b, bias, m, k, n, ta, tb);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
    });
  }

  it('leaves a product that something else also reads', () => {
    const g = trace((x, w, b) => {
      const y = matmul(x, w);
      return [sigmoid(add(y, b)), sum(y)];
    }, abstract([2, 3]), abstract([3, 4]), abstract([4]));
    expect(passes(g).nodes.map((n) => n.op.name)).toContain('core.matmul');
  });

  it('leaves a batched product', () => {
    const g = trace((x, w) => sigmoid(matmul(x, w)), abstract([2, 2, 3]), abstract([2, 3, 4]));
    expect(passes(g).nodes.map((n) => n.op.name)).toContain('core.matmul');
  });

  it("uses the backend's own matmul kernel for the product when it has one", () => {
    let calls = 0;
    const backend: Backend = {
      name: 'counting',
      kernels: {
        'core.matmul': ([a, b], out, { transposeA = false, transposeB = false }, { inputs }) => {
          calls++;
          const [r, c] = inputs[0].shape;
          matmulInto(a, 0, b, 0, out, 0, transposeA ? c : r, transposeA ? r : c, out.length / (transposeA ? c : r), transposeA, transposeB);
        },
      },
    };
    const g = passes(trace((x, w, b) => sigmoid(add(matmul(x, w), b)), abstract([2, 3], 'float64'), abstract([3, 2], 'float64'), abstract([2], 'float64')));
    const node = g.nodes[3];
    const avals = { inputs: node.inputs.map((j) => g.nodes[j]), output: node };
    const ins = [new Float64Array([1, 2, 3, 4, 5, 6]), new Float64Array([1, 0, 0, 1, 1, 1]), new Float64Array([0.5, -0.5])];
    const viaBackend = new Float64Array(4), viaCore = new Float64Array(4);
    epilogueKernel(backend)(ins, viaBackend, node.attrs as never, avals);
    epilogueKernel(jsBackend)(ins, viaCore, node.attrs as never, avals);
    expect(calls).toBe(1);
    expect(Array.from(viaBackend)).toEqual(Array.from(viaCore));
    // [[1,2,3],[4,5,6]]·[[1,0],[0,1],[1,1]] = [[4,5],[10,11]], + bias, then σ
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    expect(Array.from(viaCore)).toEqual([s(4.5), s(4.5), s(10.5), s(10.5)]);
  });
});
