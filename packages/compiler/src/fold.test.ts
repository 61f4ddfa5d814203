import { describe, expect, it } from 'vitest';
import { add, broadcastTo, evaluate, exp, mul, tensor, zeros } from '@chainrule/core';
import { freeze, graphBuilder } from './rewrite.js';
import { constantFolding, fold } from './fold.js';
import { describeGraph } from './describe.js';

describe('fold', () => {
  // Tracing computes ops on constants eagerly, so these graphs are built by hand, as a pass
  // earlier in the pipeline (simplify, fusion) can leave them.
  it('computes a node whose inputs are all constants once', () => {
    const b = graphBuilder();
    const x = b.input([2]);
    const p = b.add(mul, [b.constant(tensor(2)), b.constant(tensor(3))], {});
    const g = freeze(b.nodes, [x], [b.add(add, [x, p], {})]);
    expect(describeGraph(g)).toBe('%0 = input\n%1 = constant [2]\n%2 = constant [3]\n%3 = core.mul(%1, %2)\n%4 = core.add(%0, %3)\n→ %4');
    // The old constants stay until dce; the product is a new constant.
    expect(describeGraph(fold(g))).toBe('%0 = input\n%1 = constant [2]\n%2 = constant [3]\n%3 = constant [6]\n%4 = core.add(%0, %3)\n→ %4');
  });

  it('folds chains of constants and leaves anything reading an input alone', () => {
    const b = graphBuilder();
    const x = b.input([1]);
    const e = b.add(exp, [b.add(exp, [b.constant(tensor(0))], {})], {});
    const g = freeze(b.nodes, [x], [b.add(mul, [x, e], {})]);
    const f = fold(g);
    const c = f.nodes[f.nodes[f.outputs[0]].inputs[1]];
    expect(c.op.name).toBe('core.constant');
    expect((c.attrs as { value: { data: Float32Array } }).value.data[0]).toBeCloseTo(Math.E, 6);
    expect(f.nodes[f.outputs[0]].op.name).toBe('core.mul');
  });

  it('never bakes a value bigger than the limit', () => {
    const b = graphBuilder();
    const x = b.input([100, 100]);
    const big = freeze(b.nodes, [x], [b.add(add, [x, b.add(broadcastTo, [b.constant(tensor(1))], { shape: [100, 100] })], {})]);
    expect(fold(big).nodes.some((n) => n.op.name === 'core.broadcastTo')).toBe(true);
    const small = constantFolding({ maxElements: 20_000 })(big);
    expect(small.nodes.some((n) => n.op.name === 'core.broadcastTo')).toBe(false);
    expect(Array.from(evaluate(small, [zeros([100, 100])])[0].data.slice(0, 3))).toEqual([1, 1, 1]);
  });
});
