import { describe, expect, it } from 'vitest';
import { abstract, add, broadcastTo, evaluate, mul, neg, reshape, sub, sum, tensor, trace, grad, type Tensor } from '@chainrule/core';
import { transpose } from '@chainrule/ops';
import { simplify } from './simplify.js';
import { dce } from './dce.js';
import { describeGraph } from './describe.js';

const clean = (g: Parameters<typeof simplify>[0]) => dce(simplify(g));
const values = (g: Parameters<typeof simplify>[0], feeds: Tensor[]) => evaluate(g, feeds).map((t) => Array.from(t.data));

describe('simplify', () => {
  it('drops ×1, +0, −0 and −(−x)', () => {
    const g = trace((x) => neg(neg(sub(add(mul(x, 1), 0), 0))), abstract([3]));
    expect(describeGraph(clean(g))).toBe('%0 = input\n→ %0');
  });

  it('keeps ×1 and +0 when the constant broadcasts x to a bigger shape', () => {
    const g = trace((x) => mul(x, tensor([[1], [1]])), abstract([3]));
    expect(clean(g).nodes.map((n) => n.op.name)).toContain('core.mul');
  });

  it('keeps ×c for a constant that is not all ones', () => {
    const g = trace((x) => mul(x, tensor([1, 2, 1])), abstract([3]));
    expect(clean(g).nodes).toHaveLength(3);
  });

  it('joins reshape∘reshape into one reshape and drops a reshape back to the same shape', () => {
    const g = trace((x) => reshape(reshape(x, { shape: [6] }), { shape: [3, 2] }), abstract([2, 3]));
    expect(describeGraph(clean(g))).toBe('%0 = input\n%1 = core.reshape(%0)\n→ %1');
    expect(clean(g).nodes[1].attrs).toEqual({ shape: [3, 2] });
    const back = trace((x) => reshape(reshape(x, { shape: [6] }), { shape: [2, 3] }), abstract([2, 3]));
    expect(describeGraph(clean(back))).toBe('%0 = input\n→ %0');
  });

  it('composes transpose∘transpose into one permutation, or none', () => {
    const g = trace((x) => transpose(transpose(x, { perm: [1, 2, 0] }), { perm: [0, 2, 1] }), abstract([2, 3, 4]));
    const s = clean(g);
    expect(s.nodes.map((n) => n.op.name)).toEqual(['core.input', 'ops.transpose']);
    // y = xᵖ with p = [1, 2, 0]; z = yᵠ with q = [0, 2, 1]: z's axis k is x's axis p[q[k]].
    expect(s.nodes[1].attrs).toEqual({ perm: [1, 0, 2] });
    const x = tensor(Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4] });
    expect(values(s, [x])).toEqual(values(g, [x]));
    const inverse = trace((v) => transpose(transpose(v)), abstract([2, 3]));
    expect(describeGraph(clean(inverse))).toBe('%0 = input\n→ %0');
  });

  it('turns a sum over exactly the broadcast axes into a scale', () => {
    const g = trace((x) => sum(broadcastTo(x, { shape: [4, 3] }), { axis: 0 }), abstract([3]));
    const s = clean(g);
    expect(s.nodes.map((n) => n.op.name)).toEqual(['core.input', 'core.constant', 'core.mul']);
    const x = tensor([1, 2, 3]);
    expect(values(s, [x])).toEqual([[4, 8, 12]]);
    expect(values(g, [x])).toEqual([[4, 8, 12]]);
    const kept = trace((v) => sum(broadcastTo(v, { shape: [4, 3] }), { axis: [0], keepDims: true }), abstract([1, 3]));
    expect(values(clean(kept), [tensor([[1, 2, 3]])])).toEqual([[4, 8, 12]]);
    expect(clean(kept).nodes.some((n) => n.op.name === 'core.sum')).toBe(false);
  });

  it('turns a sum over axes of size 1 into a reshape', () => {
    const g = trace((x) => sum(x, { axis: 0 }), abstract([1, 3]));
    expect(describeGraph(clean(g))).toBe('%0 = input\n%1 = core.reshape(%0)\n→ %1');
    const kept = trace((x) => sum(x, { axis: [0, 2], keepDims: true }), abstract([1, 3, 1]));
    expect(describeGraph(clean(kept))).toBe('%0 = input\n→ %0');
    expect(values(clean(g), [tensor([[1, 2, 3]])])).toEqual([[1, 2, 3]]);
  });

  it('keeps a sum that reduces more or fewer axes than the broadcast added', () => {
    const more = trace((x) => sum(broadcastTo(x, { shape: [4, 3] })), abstract([3]));
    expect(clean(more).nodes.some((n) => n.op.name === 'core.sum')).toBe(true);
    const fewer = trace((x) => sum(broadcastTo(x, { shape: [2, 4, 3] }), { axis: 0 }), abstract([3]));
    expect(clean(fewer).nodes.some((n) => n.op.name === 'core.sum')).toBe(true);
  });

  it('shrinks a gradient graph (the all-ones cotangent times x) and keeps its values', () => {
    const f = (x: Tensor) => sum(mul(x, x));
    const g = trace(grad(f), abstract([2, 3]));
    const s = clean(g);
    expect(g.nodes.filter((n) => n.op === mul)).toHaveLength(2);
    expect(s.nodes.filter((n) => n.op === mul)).toHaveLength(0);
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(values(s, [x])).toEqual(values(g, [x]));
  });
});
