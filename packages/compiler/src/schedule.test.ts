import { describe, expect, it } from 'vitest';
import { abstract, add, evaluate, exp, matmul, mul, neg, sum, tensor, trace, type Graph } from '@chainrule/core';
import { schedule } from './schedule.js';
import { planMemory, type PlanRules } from './plan.js';

const rules: PlanRules = { writesInto: () => true, inPlaceInputs: () => [], aliases: () => false };
const isTopological = (g: Graph): boolean => g.nodes.every((n, i) => n.id === i && n.inputs.every((j) => j < i));
const ops = (g: Graph): string[] => g.nodes.map((n) => n.op.name).sort();

describe('schedule', () => {
  it('runs first what frees memory: a big temporary is consumed before the next big one is made', () => {
    // a = exp(x) and b = neg(x) are big; each is summed. Traced order: a, b, Σa, Σb (both alive
    // at once); scheduled: a, Σa, b, Σb.
    const g = trace((x) => {
      const a = exp(x), b = neg(x);
      return add(sum(a), sum(b));
    }, abstract([1000]));
    const s = schedule(g);
    expect(isTopological(s)).toBe(true);
    expect(ops(s)).toEqual(ops(g));
    expect(s.nodes.map((n) => n.op.name)).toEqual(['core.input', 'core.exp', 'core.sum', 'core.neg', 'core.sum', 'core.add']);
    expect(planMemory(s, rules).peakBytes).toBeLessThan(planMemory(g, rules).peakBytes);
    const x = tensor(Array.from({ length: 1000 }, (_, i) => i / 1000));
    expect(evaluate(s, [x])[0].item()).toBe(evaluate(g, [x])[0].item());
  });

  it('keeps inputs (in order), outputs and what every node reads', () => {
    const g = trace((w, x, y) => [mul(matmul(x, w), 2), exp(y), sum(x)], abstract([3, 2]), abstract([4, 3]), abstract([5]));
    const s = schedule(g);
    expect(isTopological(s)).toBe(true);
    expect(s.inputs.map((i) => s.nodes[i].shape)).toEqual(g.inputs.map((i) => g.nodes[i].shape));
    const feeds = [tensor([[1, 2], [3, 4], [5, 6]]), tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]), tensor([0, 1, 2, 3, 4])];
    expect(evaluate(s, feeds).map((t) => Array.from(t.data))).toEqual(evaluate(g, feeds).map((t) => Array.from(t.data)));
  });

  it('returns a graph already in its order unchanged', () => {
    const g = trace((x) => exp(neg(x)), abstract([2]));
    expect(schedule(g)).toBe(g);
  });
});
