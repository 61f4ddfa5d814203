// The MLP and the CNN: exported models agree with onnxruntime within 1e-5, come back equal, and their imports differentiate and fine-tune.

import { describe, it, expect } from 'vitest';
import type { Either } from 'fp-ts/lib/Either.js';
import { abstract, add, evaluate, grad, key, tensor, trace, uniform, mul, sub, treeLeaves, type Tensor } from '@chainrule/core';
import { mean, square } from '@chainrule/ops';
import { mlp, cnn, sequential, dense, conv2d, avgPool2d, flatten, activation, paramNames, type Model, type ActivationName } from '@chainrule/nn';
import { exportGraph, exportModel, importOnnx, decodeModelProto } from '../src/index.js';
import { runOrt, expectClose } from './ort.js';

const unwrap = <E, A>(e: Either<E, A>): A => {
  if (e._tag === 'Left') throw new Error(typeof e.left === 'string' ? e.left : (e.left as { message: string }).message);
  return e.right;
};

const checkModel = async (model: Model, batch: number, seed: number): Promise<void> => {
  const params = model.init(key(seed));
  const x = uniform(key(seed + 100), [batch, ...model.inputShape], { min: -1, max: 1, dtype: model.dtype });
  const want = model.apply(params, x);
  const bytes = unwrap(exportModel(model, params, { batch }));
  for (const level of ['disabled', 'all'] as const) {
    const got = (await runOrt(bytes, { input: x }, level)).output;
    expect([...got.dims]).toEqual([...want.shape]);
    expectClose(got.data, want.data, 1e-5, `onnxruntime, optimisations ${level}`);
  }
  const imported = unwrap(importOnnx(bytes));
  const [back] = imported.run(x);
  expectClose(back.data, want.data, 1e-6, 'round trip');
  // The params come back under their paths, with the same values.
  expect(Object.keys(imported.params).sort()).toEqual([...paramNames(params)].sort());
};

describe('exported models against onnxruntime', () => {
  it('the seed MLP (sigmoid hidden layer)', () => checkModel(mlp({ sizes: [12, 16, 8, 3], activation: 'sigmoid' }), 5, 1));

  const activations: ActivationName[] = ['relu', 'tanh', 'leakyRelu', 'elu', 'gelu', 'silu', 'softplus', 'softmax', 'logSoftmax'];
  it.each(activations)('an MLP with %s', (a) => checkModel(mlp({ sizes: [6, 10, 4], activation: a, outputActivation: a === 'softmax' || a === 'logSoftmax' ? a : 'linear' }), 4, 2));

  it('the default MNIST CNN', () => checkModel(cnn(), 2, 3));

  it('a float64 MLP', () => checkModel(mlp({ sizes: [5, 9, 4], activation: 'sigmoid', dtype: 'float64' }), 3, 5));

  it('a CNN with strides, valid padding and average pooling', () =>
    checkModel(
      sequential({
        inputShape: [11, 9, 2],
        layers: [conv2d(4, 3, { strides: 2, padding: 'valid' }), activation('relu'), avgPool2d(2, { padding: 'same' }), flatten(), dense(5)],
      }),
      3,
      4,
    ));

  it('writes a valid opset-17 model with named initializers', () => {
    const model = mlp({ sizes: [3, 4, 2] });
    const params = model.init(key(0));
    const msg = unwrap(decodeModelProto(unwrap(exportModel(model, params))));
    expect(msg.opset_import?.map((o) => [o.domain ?? '', Number(o.version)])).toEqual([['', 17]]);
    expect(msg.graph?.initializer?.map((t) => t.name).sort()).toEqual(['params[0].b', 'params[0].w', 'params[2].b', 'params[2].w']);
    expect(msg.graph?.input?.map((i) => i.name)).toEqual(['input']);
  });
});

describe('a gradient graph', () => {
  it("an MLP loss's gradient exports and onnxruntime computes the same gradient", async () => {
    const model = mlp({ sizes: [4, 6, 3], activation: 'tanh' });
    const params = model.init(key(21));
    const x = uniform(key(22), [5, 4], { min: -1, max: 1 }), target = uniform(key(23), [5, 3]);
    const loss = (p: typeof params, xb: Tensor) => mean(square(sub(model.apply(p, xb), target)));
    const g = trace((xb: Tensor) => treeLeaves(grad(loss)(params, xb)), abstract([5, 4]));
    const bytes = unwrap(exportGraph(g));
    const got = await runOrt(bytes, { input_0: x });
    const want = evaluate(g, [x]);
    want.forEach((w, k) => expectClose(got[`output_${k}`].data, w.data, 1e-5, `gradient ${k}`));
  });
});

describe('dynamic batch', () => {
  it.each([
    ['the MLP', mlp({ sizes: [5, 7, 3], activation: 'tanh' })],
    ['the CNN', cnn({ inputShape: [8, 8, 2], filters: [3], hidden: [4], classes: 3 })],
  ] as const)('%s exports once and runs at any batch size, in onnxruntime and imported', async (_, model) => {
    const params = model.init(key(11));
    const bytes = unwrap(exportModel(model, params));
    const imported = unwrap(importOnnx(bytes));
    expect(imported.inputs[0].shape).toEqual(['batch', ...model.inputShape]);
    for (const n of [1, 3, 7]) {
      const x = uniform(key(n), [n, ...model.inputShape], { min: -1, max: 1 });
      const want = model.apply(params, x);
      expectClose((await runOrt(bytes, { input: x })).output.data, want.data, 1e-5, `onnxruntime, batch ${n}`);
      expectClose(imported.run(x)[0].data, want.data, 1e-6, `imported, batch ${n}`);
    }
  });

  it('refuses a dynamic batch when the graph depends on it', () => {
    const model = mlp({ sizes: [2, 2] });
    const params = model.init(key(0));
    // A model whose apply bakes the batch size into a constant.
    const batchy = { ...model, apply: (p: typeof params, x: Tensor) => add(model.apply(p, x), tensor(Array.from({ length: x.shape[0] * 2 }, (_, i) => i), { shape: [x.shape[0], 2] })) };
    const r = exportModel(batchy, params);
    expect(r._tag === 'Left' && r.left._tag).toBe('BatchDependent');
    expect(exportModel(batchy, params, { batch: 4 })._tag).toBe('Right');
  });
});

describe('an imported model', () => {
  const model = cnn({ inputShape: [8, 8, 1], filters: [3], hidden: [6], classes: 4 });
  const params = model.init(key(7));
  const x = uniform(key(8), [3, 8, 8, 1], { min: -1, max: 1 });
  const target = uniform(key(9), [3, 4]);
  const imported = unwrap(importOnnx(unwrap(exportModel(model, params, { batch: 3 }))));

  it('has the gradients of the original model', () => {
    const lossOrig = (p: typeof params) => mean(square(sub(model.apply(p, x), target)));
    const lossImp = (p: Record<string, Tensor>) => mean(square(sub(imported.apply(p, x)[0], target)));
    const gOrig = grad(lossOrig)(params);
    const gImp = grad(lossImp)(imported.params) as Record<string, Tensor>;
    const names = paramNames(params);
    treeLeaves(gOrig).forEach((g, i) => expectClose(gImp[names[i]].data, g.data, 1e-6, names[i]));
  });

  it('fine-tunes: gradient steps on its params lower the loss', () => {
    const loss = (p: Record<string, Tensor>) => mean(square(sub(imported.apply(p, x)[0], target)));
    let p: Record<string, Tensor> = { ...imported.params };
    const first = loss(p).data[0];
    for (let step = 0; step < 20; step++) {
      const g = grad(loss)(p) as Record<string, Tensor>;
      p = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, sub(v, mul(g[k], 0.1))]));
    }
    expect(loss(p).data[0]).toBeLessThan(first * 0.9);
  });
});
