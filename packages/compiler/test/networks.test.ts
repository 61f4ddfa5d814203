// Whole training steps of the library's networks, compiled and interpreted, agree over several steps.

import { describe, expect, it } from 'vitest';
import { interpreter, jit, key, mul, softmaxCrossEntropy, sum, tensor, treeLeaves, valueAndGrad, type DType, type Executor, type Tensor } from '@chainrule/core';
import { cnn, mlp, type Model, type Params } from '@chainrule/nn';
import { adam, applyUpdates, type OptimizerState } from '@chainrule/optim';
import { compiler } from '../src/executor.js';
import { runPasses } from '../src/passes.js';

const seq = (n: number, shift: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + shift));

/** Runs `steps` Adam steps of the model's mean softmax cross-entropy; returns the losses and the final parameters. */
const train = (model: Model, executor: Executor, x: Tensor, y: Tensor, steps: number) => {
  const opt = adam({ learningRate: 0.01 });
  const objective = (p: Params, xb: Tensor, yb: Tensor) => mul(sum(softmaxCrossEntropy(model.apply(p, xb), yb)), 1 / x.shape[0]);
  const step = jit((p: Params, s: OptimizerState, xb: Tensor, yb: Tensor): [Params, OptimizerState, Tensor] => {
    const [l, g] = valueAndGrad(objective)(p, xb, yb);
    const { updates, state } = opt.update(g, s, p);
    return [applyUpdates(p, updates), state, l];
  }, { executor });
  let p = model.init(key(3));
  let s = opt.init(p);
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const [p2, s2, l] = step(p, s, x, y);
    [p, s] = [p2, s2];
    losses.push(l.item());
  }
  return { losses, params: treeLeaves(p) as Tensor[], graph: [...step.graphs.values()][0] };
};

const close = (a: readonly number[], b: readonly number[], tol: number) => a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));

describe('training steps compiled and interpreted', () => {
  for (const dtype of ['float64', 'float32'] as DType[]) {
    const tol = dtype === 'float64' ? 1e-9 : 1e-4;
    it(`a small CNN (conv, relu, max pool, dense), ${dtype}`, () => {
      const model = cnn({ inputShape: [8, 8, 1], filters: [3], hidden: [5], classes: 3, dtype });
      const x = tensor(seq(4 * 64, 1), { shape: [4, 8, 8, 1], dtype });
      const y = tensor([0, 2, 1, 2], { dtype });
      const want = train(model, interpreter, x, y, 4);
      const got = train(model, compiler, x, y, 4);
      close(got.losses, want.losses, tol);
      got.params.forEach((t, k) => close(Array.from(t.data), Array.from(want.params[k].data), tol));
      // The activation after the conv and the dense layers was fused.
      expect(runPasses(got.graph).graph.nodes.some((n) => n.op.name.startsWith('compiler.'))).toBe(true);
    });

    it(`an MLP with tanh, ${dtype}`, () => {
      const model = mlp({ sizes: [6, 7, 4], activation: 'tanh', dtype });
      const x = tensor(seq(30, 2), { shape: [5, 6], dtype });
      const y = tensor([0, 1, 2, 3, 0], { dtype });
      const want = train(model, interpreter, x, y, 5);
      const got = train(model, compiler, x, y, 5);
      close(got.losses, want.losses, tol);
      got.params.forEach((t, k) => close(Array.from(t.data), Array.from(want.params[k].data), tol));
      expect(want.losses.at(-1)!).toBeLessThan(want.losses[0]);
    });
  }
});
