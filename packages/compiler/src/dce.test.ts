import { describe, expect, it } from 'vitest';
import { abstract, evaluate, exp, neg, tensor, trace, add } from '@chainrule/core';
import { dce } from './dce.js';
import { graphBuilder, freeze } from './rewrite.js';
import { describeGraph } from './describe.js';

describe('dce', () => {
  it('drops nodes no output reads and renumbers the rest', () => {
    const b = graphBuilder();
    const x = b.input([2]);
    const dead = b.add(exp, [x], {});
    b.add(neg, [dead], {});
    const y = b.add(neg, [x], {});
    const before = freeze(b.nodes, [x], [y]);
    const after = dce(before);
    expect(describeGraph(after)).toBe('%0 = input\n%1 = core.neg(%0)\n→ %1');
    expect(Array.from(evaluate(after, [tensor([1, -2])])[0].data)).toEqual([-1, 2]);
  });

  it('keeps unused graph inputs (the signature) and returns a graph with nothing dead unchanged', () => {
    const g = trace((a, _b) => exp(a), abstract([2]), abstract([3]));
    expect(dce(g)).toBe(g);
    expect(dce(g).inputs).toHaveLength(2);
  });

  it('keeps what only another kept node reads', () => {
    const g = trace((a) => add(exp(a), neg(a)), abstract([2]));
    expect(dce(g).nodes).toHaveLength(g.nodes.length);
  });
});
