// Tests of models: mlp and cnn structure, JSON specs that rebuild the same model, and spec validation.

import { describe, it, expect } from 'vitest';
import { isLeft } from 'fp-ts/lib/Either.js';
import { foldIn, key, mul, softmaxCrossEntropy, sub, tensor, treeMap, uniform, valueAndGrad, zeros, type Tensor } from '@chainrule/core';
import { mean } from '@chainrule/ops';
import { activation, dense, flatten, type State } from './layer.js';
import { batchNorm } from './norm.js';
import { dropout } from './dropout.js';
import type { Params } from './params.js';
import { conv2d } from './conv.js';
import { buildModel, checkModelParams, cnn, mlp, modelCodec, sequential } from './model.js';
import { countParams } from './params.js';

describe('mlp', () => {
  const model = mlp({ sizes: [784, 128, 10], activation: 'sigmoid' });
  it('is the seed network: dense → sigmoid → dense, 101,770 params', () => {
    expect(model.spec.layers.map((l) => l.type)).toEqual(['dense', 'activation', 'dense']);
    expect(model.inputShape).toEqual([784]);
    expect(model.outputShape).toEqual([10]);
    const params = model.init(key(0));
    expect(countParams(params)).toBe(784 * 128 + 128 + 128 * 10 + 10);
    expect(checkModelParams(model, params)).toBeUndefined();
  });
  it('applies its layers in order', () => {
    const params = model.init(key(1)) as [{ w: Tensor; b: Tensor }, {}, { w: Tensor; b: Tensor }];
    const x = uniform(key(2), [3, 784]);
    const [l0, l1, l2] = model.layers;
    const want = l2.apply(params[2], l1.apply(params[1], l0.apply(params[0], x)));
    expect(Array.from(model.apply(params, x).data)).toEqual(Array.from(want.data));
  });
  it('draws the same params from the same key', () => {
    const a = model.init(key(5)) as { w: Tensor }[], b = model.init(key(5)) as { w: Tensor }[], c = model.init(key(6)) as { w: Tensor }[];
    expect(Array.from(a[0].w.data)).toEqual(Array.from(b[0].w.data));
    expect(Array.from(a[0].w.data)).not.toEqual(Array.from(c[0].w.data));
  });
  it('rejects bad sizes and wrong inputs with clear messages', () => {
    expect(() => mlp({ sizes: [3] })).toThrow(/at least two positive integers/);
    expect(() => model.apply(model.init(key(0)), zeros([2, 783]))).toThrow(/expected a batch of shape \[batch, 784\], got \[2, 783\]/);
    expect(() => model.apply([], zeros([2, 784]))).toThrow(/params must be an array of 3 entries/);
  });
});

describe('cnn', () => {
  it('is conv 3×3×8 → relu → pool → conv 3×3×16 → relu → pool → dense 64 → relu → dense 10 on 28×28×1', () => {
    const model = cnn();
    expect(model.spec.layers.map((l) => (l.type === 'activation' ? l.activation : l.type))).toEqual([
      'conv2d', 'relu', 'maxPool2d', 'conv2d', 'relu', 'maxPool2d', 'flatten', 'dense', 'relu', 'dense',
    ]);
    expect(model.outputShape).toEqual([10]);
    const params = model.init(key(0));
    expect(countParams(params)).toBe(3 * 3 * 1 * 8 + 8 + 3 * 3 * 8 * 16 + 16 + 7 * 7 * 16 * 64 + 64 + 64 * 10 + 10);
    expect(model.apply(params, uniform(key(1), [2, 28, 28, 1])).shape).toEqual([2, 10]);
  });
  it('without hidden layers is the plain conv → pool → conv → pool → dense 10', () => {
    const model = cnn({ hidden: [] });
    expect(countParams(model.init(key(0)))).toBe(3 * 3 * 1 * 8 + 8 + 3 * 3 * 8 * 16 + 16 + 7 * 7 * 16 * 10 + 10);
  });
});

describe('model specs', () => {
  const models = {
    mlp: mlp({ sizes: [5, 7, 3], activation: 'tanh', outputActivation: 'softmax', kernelInit: 'heNormal', dtype: 'float64' }),
    cnn: cnn({ inputShape: [8, 8, 2], filters: [3], hidden: [6], classes: 4 }),
  };
  for (const [name, model] of Object.entries(models)) {
    it(`${name}: JSON spec → buildModel gives the same model`, () => {
      const json = JSON.parse(JSON.stringify(model.spec));
      const rebuilt = buildModel(json);
      if (isLeft(rebuilt)) throw new Error(rebuilt.left);
      expect(rebuilt.right.spec).toEqual(model.spec);
      const params = model.init(key(3));
      const x = uniform(key(4), [2, ...model.inputShape], { dtype: model.dtype });
      expect(Array.from(rebuilt.right.apply(params, x).data)).toEqual(Array.from(model.apply(params, x).data));
      expect(modelCodec.encode(model)).toEqual(model.spec);
    });
  }
  it('names the wrong field of a bad spec', () => {
    const bad = (spec: unknown): string => {
      const r = buildModel(spec);
      return isLeft(r) ? r.left : 'accepted';
    };
    expect(bad({ inputShape: [2], dtype: 'float32', layers: [{ type: 'dense', units: -3, useBias: true, kernelInit: 'glorotUniform' }] })).toMatch(/layers\[0\]\.units: expected positive integer, got -3/);
    expect(bad({ inputShape: [2], dtype: 'float32', layers: [{ type: 'lstm' }] })).toMatch(/layers\[0\]\.type: expected one of dense, conv2d/);
    expect(bad({ inputShape: [2], dtype: 'float16', layers: [] })).toMatch(/dtype/);
    expect(bad({ inputShape: [4, 4, 1], dtype: 'float32', layers: [conv2d(2, 3).spec, dense(3).spec] })).toMatch(/layers\[1\] \(dense\): needs a flat input/);
    expect(bad('nope')).toMatch(/model spec/);
  });
  it('refuses specs that would allocate past MAX_ELEMENTS, nest too deep or carry prototype keys, and never throws', () => {
    const bad = (spec: unknown): string => {
      const r = buildModel(spec);
      return isLeft(r) ? r.left : 'accepted';
    };
    const d = (units: number) => ({ type: 'dense', units, useBias: true, kernelInit: 'glorotUniform' });
    expect(bad({ inputShape: [1e300], dtype: 'float32', layers: [] })).toMatch(/inputShape\[0\]: expected positive integer, got 1e\+300/);
    expect(bad({ inputShape: [2 ** 53 + 2], dtype: 'float32', layers: [] })).toMatch(/inputShape\[0\]: expected positive integer/);
    expect(bad({ inputShape: [100000], dtype: 'float32', layers: [d(100000)] })).toMatch(/layers\[0\] \(dense\): the params up to here hold 10000100000 elements, over the limit/);
    expect(bad({ inputShape: [2 ** 14], dtype: 'float32', layers: [d(2 ** 13), d(2 ** 14), d(2 ** 13)] })).toMatch(/layers\[1\] \(dense\): the params up to here hold \d+ elements, over the limit of 268435456/);
    expect(bad({ inputShape: [2 ** 20, 2 ** 10], dtype: 'float32', layers: [] })).toMatch(/inputShape: shape \[1048576, 1024\] has 1073741824 elements/);
    expect(bad(JSON.parse(`{"inputShape":[2],"dtype":"float32","layers":[${'['.repeat(10000)}${']'.repeat(10000)}]}`))).toMatch(/nested deeper than 64 levels/);
    expect(bad(JSON.parse('{"inputShape":[2],"dtype":"float32","layers":[],"__proto__":{"layers":[1]}}'))).toMatch(/__proto__: key '__proto__' is not allowed/);
    const hostile = Object.defineProperty({ dtype: 'float32', layers: [] }, 'inputShape', { get: () => { throw new Error('boom'); }, enumerable: true });
    expect(bad(hostile)).toBe('model spec: could not be read (boom)');
    // Built in code, a huge model can still be described and counted; drawing its params is refused.
    const huge = sequential({ inputShape: [100000], layers: [dense(100000)] });
    expect(() => huge.init(key(0))).toThrow(/TooLarge: .*\[100000, 100000\] has 10000000000 elements/);
  });
  it('sequential throws on layers that do not chain', () => {
    expect(() => sequential({ inputShape: [4, 4, 1], layers: [dense(2)] })).toThrow(/layers\[0\] \(dense\)/);
    expect(sequential({ inputShape: [4, 4, 1], layers: [flatten(), dense(2), activation('relu')] }).outputShape).toEqual([2]);
  });
});

describe('models with state and a train mode', () => {
  const model = sequential({ inputShape: [3], layers: [dense(6), batchNorm(), activation('relu'), dropout(0.2), dense(2)] });
  it('initState has one entry per layer, batchNorm running statistics among them', () => {
    const s = model.initState() as Record<string, Tensor>[];
    expect(s).toHaveLength(5);
    expect(Object.keys(s[1])).toEqual(['mean', 'variance']);
    expect(s.filter((e) => Object.keys(e).length === 0)).toHaveLength(4);
  });
  it('a train step: valueAndGrad with hasAux returns the loss, the next state and gradients, and the loss falls', () => {
    let params = model.init(key(0));
    let state = model.initState();
    const x = uniform(key(1), [16, 3], { min: -1, max: 1 });
    const y = tensor(Array.from({ length: 16 }, (_, i) => (x.data[i * 3] > 0 ? 1 : 0)));
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const k = foldIn(key(2), i);
      const lossOf = (p: Params): [Tensor, State] => {
        const r = model.call(p, state, x, { training: true, key: k });
        return [mean(softmaxCrossEntropy(r.y, y)), r.state];
      };
      const [[loss, next], grads] = valueAndGrad(lossOf, { hasAux: true })(params);
      losses.push((loss as Tensor).item());
      params = treeMap((p, g) => sub(p, mul(g, 0.3)), params, grads);
      state = next as State;
    }
    expect(losses[losses.length - 1]).toBeLessThan(0.6 * losses[0]);
    const running = (state as Record<string, Tensor>[])[1].mean;
    expect(Array.from(running.data).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    // eval mode: running statistics, no dropout, the same answer twice
    const a = model.call(params, state, x).y, b = model.call(params, state, x, { key: key(9) }).y;
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
  it('apply throws for batchNorm (it needs its state), call checks the state', () => {
    expect(() => model.apply(model.init(key(0)), zeros([2, 3]))).toThrow(/batchNorm layer: keeps running statistics as state/);
    expect(() => model.call(model.init(key(0)), [], zeros([2, 3]))).toThrow(/model: state must be an array of 5 entries/);
  });
});
