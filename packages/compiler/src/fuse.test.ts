import { describe, expect, it, vi } from 'vitest';
import { abstract, add, div, evaluate, exp, mul, neg, sigmoid, sub, sum, tensor, trace, type Tensor } from '@chainrule/core';
import { elementwiseFusion, elementwiseProgram, fusionGroups, fused, type Arg } from './fuse.js';
import { describeGraph } from './describe.js';

const input = (index: number): Arg => ({ kind: 'input', index });
const step = (index: number): Arg => ({ kind: 'step', index });
const seq = (n: number, scale = 0.37, shift = 0) => Array.from({ length: n }, (_, i) => Math.sin(i * scale + shift) * 2);
const values = (t: Tensor): number[] => Array.from(t.data);

describe('fusionGroups', () => {
  it('puts a chain with broadcast operands into one group', () => {
    const g = trace((x, w, b) => sigmoid(add(mul(x, w), b)), abstract([4, 3]), abstract([4, 3]), abstract([3]));
    expect(fusionGroups(g).groups).toEqual([[3, 4, 5]]);
  });

  it('leaves out a value also read outside the group, and groups it alone', () => {
    const g = trace((x) => {
      const e = exp(x);
      return [sum(e), neg(mul(e, x))];
    }, abstract([3]));
    // %1 = exp is read by sum (%2, not fusable) and by mul (%3): it stays a value of its own.
    const { groups } = fusionGroups(g);
    expect(groups).toEqual([[1], [3, 4]]);
  });

  it('never fuses a graph output or a node of another shape into a group', () => {
    const g = trace((x, y) => {
      const e = exp(x);
      return [e, mul(add(e, 1), y)];
    }, abstract([3]), abstract([2, 3]));
    const { groups } = fusionGroups(g);
    expect(groups).toContainEqual([2]); // exp: a graph output, and of shape [3] under a [2, 3] root
    expect(groups.flat()).not.toContain(undefined);
  });

  it('splits chains longer than maxSteps', () => {
    const g = trace((x) => {
      let h = x;
      for (let i = 0; i < 10; i++) h = neg(h);
      return h;
    }, abstract([2]));
    expect(fusionGroups(g, { maxSteps: 4 }).groups.map((m) => m.length)).toEqual([2, 4, 4]);
  });
});

describe('elementwiseFusion', () => {
  it('rewrites each group into one fused node with the same values', () => {
    const g = trace((x, w, b) => sigmoid(add(mul(x, w), b)), abstract([4, 3]), abstract([4, 3]), abstract([3]));
    const f = elementwiseFusion()(g);
    expect(describeGraph(f)).toBe('%0 = input\n%1 = input\n%2 = input\n%3 = compiler.fused{core.mul core.add core.sigmoid}(%0, %1, %2)\n→ %3');
    const feeds = [tensor(seq(12), { shape: [4, 3] }), tensor(seq(12, 0.5, 1), { shape: [4, 3] }), tensor(seq(3, 1, 2))];
    const want = values(evaluate(g, feeds)[0]);
    const got = values(evaluate(f, feeds)[0]);
    // float32: the fused loop keeps intermediates in float64, the interpreter rounds each.
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('inlines scalar constants as literals', () => {
    const g = trace((x) => sub(1, mul(x, 2)), abstract([3]));
    const f = elementwiseFusion()(g);
    const node = f.nodes.find((n) => n.op === fused)!;
    expect(node.inputs).toHaveLength(1);
    expect((node.attrs as { program: { source: string } }).program.source).toContain('1 - t0');
    expect(values(evaluate(f, [tensor([1, 2, 3])])[0])).toEqual([-1, -3, -5]);
  });
});

describe('elementwiseProgram', () => {
  it('broadcasts every input pattern like the reference ops (float64, exact)', () => {
    // out[2,3,4] = ((full + trailing) · leading − column) / scalar, negated and exponentiated
    const shapes = [[2, 3, 4], [4], [2, 1, 1], [3, 1], []];
    const xs = shapes.map((s, k) => tensor(seq(s.reduce((a, b) => a * b, 1), 0.3 + k / 7, k), { shape: s, dtype: 'float64' }));
    const program = elementwiseProgram([2, 3, 4], 'float64', shapes, [
      { op: add, args: [input(0), input(1)], attrs: {} },
      { op: mul, args: [step(0), input(2)], attrs: {} },
      { op: sub, args: [step(1), input(3)], attrs: {} },
      { op: div, args: [step(2), input(4)], attrs: {} },
      { op: neg, args: [step(3)], attrs: {} },
      { op: exp, args: [step(4)], attrs: {} },
    ]);
    const out = new Float64Array(24);
    program.kernel(xs.map((x) => x.data), out);
    const want = exp(neg(div(sub(mul(add(xs[0], xs[1]), xs[2]), xs[3]), xs[4])));
    expect(Array.from(out)).toEqual(values(want));
  });

  it('writes literals exactly, -0 and NaN included', () => {
    const p = elementwiseProgram([2], 'float64', [[2]], [
      { op: mul, args: [input(0), { kind: 'literal', value: -0 }], attrs: {} },
      { op: add, args: [step(0), { kind: 'literal', value: NaN }], attrs: {} },
    ]);
    const out = new Float64Array(2);
    p.kernel([new Float64Array([1, 2])], out);
    expect(Number.isNaN(out[0]) && Number.isNaN(out[1])).toBe(true);
    const q = elementwiseProgram([1], 'float64', [[1]], [{ op: mul, args: [input(0), { kind: 'literal', value: -0 }], attrs: {} }]);
    const o = new Float64Array(1);
    q.kernel([new Float64Array([3])], o);
    expect(Object.is(o[0], -0)).toBe(true);
  });

  it('may write over a same-shaped input in place', () => {
    const p = elementwiseProgram([5], 'float32', [[5], [1]], [
      { op: mul, args: [input(0), input(1)], attrs: {} },
      { op: sigmoid, args: [step(0)], attrs: {} },
    ]);
    const x = new Float32Array([0, 1, -1, 2, -2]);
    const fresh = new Float32Array(5);
    p.kernel([x, new Float32Array([3])], fresh);
    p.kernel([x, new Float32Array([3])], x);
    expect(Array.from(x)).toEqual(Array.from(fresh));
    expect(fresh[1]).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
  });

  it('runs without generated code where new Function is forbidden, with the same values', () => {
    const shapes = [[2, 3], [3], []];
    const xs = shapes.map((sh, k) => tensor(seq(sh.reduce((a, b) => a * b, 1), 0.4, k), { shape: sh, dtype: 'float64' }));
    const steps = [
      { op: add, args: [input(0), input(1)], attrs: {} },
      { op: sigmoid, args: [step(0)], attrs: {} },
      { op: mul, args: [step(1), input(2)], attrs: {} },
      { op: sub, args: [{ kind: 'literal', value: 1 } as Arg, step(2)], attrs: {} },
    ];
    vi.stubGlobal('Function', function forbidden() {
      throw new EvalError('code generation from strings disallowed for this context');
    });
    let plain;
    try {
      plain = elementwiseProgram([2, 3], 'float64', shapes, steps);
    } finally {
      vi.unstubAllGlobals();
    }
    const generated = elementwiseProgram([2, 3], 'float64', shapes, steps);
    expect(generated.kernel.name).toBe('fused');
    expect(plain.kernel.name).not.toBe('fused'); // the step-by-step loop, not generated code
    const a = new Float64Array(6), b = new Float64Array(6);
    generated.kernel(xs.map((x) => x.data), a);
    plain.kernel(xs.map((x) => x.data), b);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(a)).toEqual(values(sub(1, mul(sigmoid(add(xs[0], xs[1])), xs[2]))));
  });

  it('shares generated code between programs of the same loop, each with its own constants', () => {
    const p = (c: number) => elementwiseProgram([3], 'float64', [[3]], [{ op: mul, args: [input(0), { kind: 'literal', value: c }], attrs: {} }, { op: exp, args: [step(0)], attrs: {} }]);
    const a = p(2), b = p(3), c = p(2);
    const run = (q: typeof a) => {
      const out = new Float64Array(3);
      q.kernel([new Float64Array([0, 1, 2])], out);
      return Array.from(out);
    };
    expect(run(a)).toEqual([1, Math.exp(2), Math.exp(4)]);
    expect(run(b)).toEqual([1, Math.exp(3), Math.exp(6)]);
    expect(run(c)).toEqual(run(a));
    expect(a.kernel).not.toBe(c.kernel); // one closure per program, from one factory
  });

  it('rejects an op without a scalar function', () => {
    expect(() => elementwiseProgram([1], 'float32', [[1]], [{ op: sum, args: [input(0)], attrs: {} }])).toThrow(/core.sum has no scalar function/);
  });
});
