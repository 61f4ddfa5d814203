import { describe, expect, it } from 'vitest';
import { abstract, evaluate, logSoftmax, mul, softmaxCrossEntropy, sum, tensor, trace, valueAndGrad, type Tensor } from '@chainrule/core';
import { shareLogSoftmax } from './softmax.js';
import { dce } from './dce.js';

const count = (g: { nodes: readonly { op: { name: string } }[] }, name: string) => g.nodes.filter((n) => n.op.name === name).length;

describe('shareLogSoftmax', () => {
  for (const labels of ['one-hot', 'indices'] as const) {
    it(`computes the log-softmax once for the loss and its gradient (${labels} labels)`, () => {
      const loss = (z: Tensor, y: Tensor) => sum(softmaxCrossEntropy(z, y));
      const yShape = labels === 'one-hot' ? [3, 4] : [3];
      const g = trace(valueAndGrad(loss), abstract([3, 4], 'float64'), abstract(yShape, 'float64'));
      expect(count(g, 'core.logSoftmax')).toBe(1);
      expect(count(g, 'core.softmaxCrossEntropy')).toBe(1);
      const s = dce(shareLogSoftmax(g));
      expect(count(s, 'core.logSoftmax')).toBe(1);
      expect(count(s, 'core.softmaxCrossEntropy')).toBe(0);
      expect(count(s, 'compiler.crossEntropy')).toBe(1);
      const z = tensor([[1000, 0, -3, 2], [0.5, 0.25, -1, 3], [-2, -2, -2, -2]], { dtype: 'float64' });
      const y = labels === 'one-hot' ? tensor([[1, 0, 0, 0], [0, 0.5, 0, 0.5], [0, 0, 1, 0]], { dtype: 'float64' }) : tensor([0, 3, 2], { dtype: 'float64' });
      const want = evaluate(g, [z, y]).map((t) => Array.from(t.data));
      const got = evaluate(s, [z, y]).map((t) => Array.from(t.data));
      got.forEach((vs, k) => vs.forEach((v, i) => expect(v).toBeCloseTo(want[k][i], 12)));
    });
  }

  it('reuses a log-softmax that comes before the loss', () => {
    const g = trace((z, y) => [logSoftmax(z), mul(softmaxCrossEntropy(z, y), 2)], abstract([2, 3]), abstract([2, 3]));
    const s = dce(shareLogSoftmax(g));
    expect(count(s, 'core.logSoftmax')).toBe(1);
    expect(count(s, 'compiler.crossEntropy')).toBe(1);
  });

  it('leaves a loss alone when nothing else needs the log-softmax', () => {
    const g = trace((z, y) => softmaxCrossEntropy(z, y), abstract([2, 3]), abstract([2, 3]));
    expect(shareLogSoftmax(g).nodes.map((n) => n.op.name)).toEqual(g.nodes.map((n) => n.op.name));
  });
});
