import { describe, expect, it } from 'vitest';
import { abstract, add, evaluate, exp, grad, jit, mul, sum, tensor, trace, interpreter, type Tensor } from '@chainrule/core';
import { cse, attrsKey, identityNumbers } from './cse.js';
import { compiler } from './executor.js';
import { describeGraph } from './describe.js';
import { freeze, graphBuilder, constantValue } from './rewrite.js';

describe('cse', () => {
  it('merges an op applied twice to the same input', () => {
    const g = trace((x) => add(exp(x), exp(x)), abstract([2]));
    expect(describeGraph(g)).toBe('%0 = input\n%1 = core.exp(%0)\n%2 = core.exp(%0)\n%3 = core.add(%1, %2)\n→ %3');
    expect(describeGraph(cse(g))).toBe('%0 = input\n%1 = core.exp(%0)\n%2 = core.add(%1, %1)\n→ %2');
  });

  it('merges chains: once the inputs merge, their readers do too', () => {
    const g = trace((x) => add(exp(exp(x)), exp(exp(x))), abstract([2]));
    expect(cse(g).nodes.map((n) => n.op.name)).toEqual(['core.input', 'core.exp', 'core.exp', 'core.add']);
  });

  it('does not merge different attrs', () => {
    const g = trace((x) => add(sum(x, { axis: 0 }), sum(x, { axis: 1 })), abstract([2, 2]));
    expect(cse(g).nodes).toHaveLength(g.nodes.length);
  });

  it('never merges two equal constants: each output keeps its own constant object', () => {
    const b = graphBuilder();
    const x = b.input([2]);
    const c1 = tensor([1, 2]), c2 = tensor([1, 2]);
    const k1 = b.constant(c1), k2 = b.constant(c2);
    const y1 = b.add(mul, [x, k1], {}), y2 = b.add(mul, [x, k2], {});
    const g = freeze(b.nodes, [x], [k1, k2, y1, y2]);
    const after = cse(g);
    expect(after.nodes).toHaveLength(g.nodes.length);
    expect(constantValue(after.nodes[after.outputs[0]])).toBe(c1);
    expect(constantValue(after.nodes[after.outputs[1]])).toBe(c2);
    // The two products read different constant nodes, so they are not merged either.
    expect(after.outputs[2]).not.toBe(after.outputs[3]);
  });

  it('never merges two inputs fed equal values: their gradients stay apart, compiled and interpreted', () => {
    // f(a, b) = Σ 2a + Σ 3b at a = b: ∂f/∂a = 2, ∂f/∂b = 3.
    const f = (a: Tensor, b: Tensor): Tensor => add(sum(mul(a, 2)), sum(mul(b, 3)));
    const v = tensor([0.5, -1.5]);
    const df = grad(f, { argnums: [0, 1] });
    for (const executor of [interpreter, compiler]) {
      const [ga, gb] = jit(df, { executor })(v, v) as [Tensor, Tensor];
      expect(Array.from(ga.data)).toEqual([2, 2]);
      expect(Array.from(gb.data)).toEqual([3, 3]);
    }
    const g = trace(df, abstract([2]), abstract([2]));
    expect(cse(g).inputs).toEqual(g.inputs);
    expect(new Set(cse(g).inputs).size).toBe(2);
  });

  it('gives the same values as the graph before', () => {
    const g = trace((x) => mul(exp(x), add(exp(x), x)), abstract([3]));
    const feeds = [tensor([0.1, 0.2, -0.3])];
    expect(Array.from(evaluate(cse(g), feeds)[0].data)).toEqual(Array.from(evaluate(g, feeds)[0].data));
  });
});

describe('attrsKey', () => {
  it('keys plain data by value and objects by identity', () => {
    const id = identityNumbers();
    expect(attrsKey({ keepDims: true, axis: [0, 1] }, id)).toBe(attrsKey({ axis: [0, 1], keepDims: true }, id));
    expect(attrsKey({ axis: 0 }, id)).not.toBe(attrsKey({ axis: 1 }, id));
    expect(attrsKey({ value: -0 }, id)).not.toBe(attrsKey({ value: 0 }, id));
    const t1 = tensor([1]), t2 = tensor([1]);
    expect(attrsKey({ value: t1 }, id)).toBe(attrsKey({ value: t1 }, id));
    expect(attrsKey({ value: t1 }, id)).not.toBe(attrsKey({ value: t2 }, id));
  });
});
