// The chainrule side of each benchmark case, built on @chainrule/core's public API.

import {
  add, grad, jit, key, matmul, mul, sigmoid, softmaxCrossEntropy, sub, sum, tensor, treeMap, valueAndGrad, withBackend,
  type Backend, type Executor, type Tensor,
} from '@chainrule/core';
import { cnn, type Params } from '@chainrule/nn';
import { CHAIN, CNN, MLP, chainData, cnnData, squareMatrix, type MlpData } from './problems.js';

/** The MLP's parameters as a chainrule pytree. */
export interface MlpParams {
  readonly w1: Tensor;
  readonly b1: Tensor;
  readonly w2: Tensor;
  readonly b2: Tensor;
}

/**
 * The body of the matmul case: one n×n float32 product of the seeded matrices, eager on
 * `backend`; the body returns the product.
 *
 * @example
 * const run = chainruleMatmul(512, jsBackend); run() // Float32Array of 512·512 values
 */
export const chainruleMatmul = (n: number, backend: Backend): (() => Float32Array) => {
  const a = tensor(squareMatrix(n, 1), { shape: [n, n] });
  const b = tensor(squareMatrix(n, 2), { shape: [n, n] });
  return () => withBackend(backend, () => matmul(a, b)).data as Float32Array;
};

/** Mean softmax cross-entropy of the 784 → 256 (sigmoid) → 10 network on one batch. */
const mlpLoss = (p: MlpParams, x: Tensor, y: Tensor): Tensor => {
  const h = sigmoid(add(matmul(x, p.w1), p.b1));
  const logits = add(matmul(h, p.w2), p.b2);
  return mul(sum(softmaxCrossEntropy(logits, y)), 1 / x.shape[0]);
};

/** One training step of the MLP case, with the loss before the update. */
export interface MlpStepper {
  /** Runs one SGD step and returns that step's loss (computed before the update). */
  readonly step: () => number;
  /** The current parameters as row-major arrays. */
  readonly params: () => Pick<MlpData, 'w1' | 'b1' | 'w2' | 'b2'>;
}

/**
 * The MLP training step with chainrule's own autodiff: `jit` of valueAndGrad plus the SGD
 * update, traced once and then replayed by the executor on `backend`.
 *
 * @example
 * const mlp = chainruleMlp(mlpData(42), jsBackend); mlp.step() // the loss, about 2.3
 */
export const chainruleMlp = (data: MlpData, backend: Backend, executor?: Executor): MlpStepper => {
  const { inputs, hidden, classes, batch, learningRate } = MLP;
  let params: MlpParams = {
    w1: tensor(data.w1, { shape: [inputs, hidden] }),
    b1: tensor(data.b1, { shape: [hidden] }),
    w2: tensor(data.w2, { shape: [hidden, classes] }),
    b2: tensor(data.b2, { shape: [classes] }),
  };
  const x = tensor(data.x, { shape: [batch, inputs] });
  const y = tensor(data.y, { shape: [batch, classes] });
  const sgdStep = jit((p: MlpParams, xb: Tensor, yb: Tensor): [Tensor, MlpParams] => {
    const [loss, g] = valueAndGrad(mlpLoss)(p, xb, yb);
    return [loss, treeMap((w, dw) => sub(w, mul(dw, learningRate)), p, g)];
  }, { backend, ...(executor === undefined ? {} : { executor }) });
  return {
    step: () => {
      const [loss, next] = sgdStep(params, x, y);
      params = next;
      return loss.item();
    },
    params: () => ({
      w1: params.w1.data as Float32Array,
      b1: params.b1.data as Float32Array,
      w2: params.w2.data as Float32Array,
      b2: params.b2.data as Float32Array,
    }),
  };
};

/** The two ways chainrule runs the per-op chain: tracing on every call, or traced once. */
export type ChainMode = 'eager' | 'jit';

/**
 * The per-op overhead case: 1,000 elementwise ops (x·w, x+b, sigmoid in turn) on a [4]
 * tensor, summed, and its gradient. `eager` calls `grad(f)(x)`, which traces, builds the
 * backward graph and runs it on every call; `jit` calls `jit(grad(f))`, which replays a
 * cached graph. The body returns the gradient.
 *
 * @example
 * const run = chainruleChain('jit', jsBackend); run() // Float32Array of 4 gradients
 */
export const chainruleChain = (mode: ChainMode, backend: Backend, executor?: Executor): (() => Float32Array) => {
  const d = chainData();
  const x = tensor(d.x);
  const w = tensor(d.w);
  const b = tensor(d.b);
  const f = (v: Tensor): Tensor => {
    let h = v;
    for (let i = 0; i < CHAIN.ops; i++) {
      const k = i % 3;
      h = k === 0 ? mul(h, w) : k === 1 ? add(h, b) : sigmoid(h);
    }
    return sum(h);
  };
  if (mode === 'jit') {
    const df = jit(grad(f), { backend, ...(executor === undefined ? {} : { executor }) });
    return () => (df(x) as Tensor).data as Float32Array;
  }
  const df = grad(f);
  return () => withBackend(backend, () => df(x) as Tensor).data as Float32Array;
};

/** One CNN training step, and the loss it saw. */
export interface CnnStepper {
  /** Runs one SGD step on batch `i` of the data and returns that step's loss. */
  readonly step: (i: number) => number;
  /** Batches in one epoch of the data. */
  readonly batches: number;
}

/**
 * The CNN training step: the CLI's `--model cnn` network (conv 3×3×16 → relu → pool → conv
 * 3×3×32 → relu → pool → dense 64 → dense 10), softmax cross-entropy, plain SGD, batch 32,
 * `jit` on `backend`; `cnnData` supplies seeded images and labels (the timing does not depend
 * on the pixel values).
 *
 * @example
 * const s = chainruleCnn(jsBackend); s.step(0) // about 2.3
 */
export const chainruleCnn = (backend: Backend, examples: number = CNN.batch, executor?: Executor): CnnStepper => {
  const { batch, learningRate } = CNN;
  const model = cnn({ filters: CNN.filters });
  const data = cnnData(7, examples);
  const batches = Math.floor(examples / batch);
  const xs = Array.from({ length: batches }, (_, i) => tensor(data.x.subarray(i * batch * 784, (i + 1) * batch * 784), { shape: [batch, 28, 28, 1] }));
  const ys = Array.from({ length: batches }, (_, i) => tensor(data.y.subarray(i * batch, (i + 1) * batch), { shape: [batch] }));
  const loss = (p: Params, xb: Tensor, yb: Tensor): Tensor => mul(sum(softmaxCrossEntropy(model.apply(p, xb), yb)), 1 / batch);
  const step = jit((p: Params, xb: Tensor, yb: Tensor): [Tensor, Params] => {
    const [l, g] = valueAndGrad(loss)(p, xb, yb);
    return [l, treeMap((w, dw) => sub(w, mul(dw, learningRate)), p, g)];
  }, { backend, ...(executor === undefined ? {} : { executor }) });
  let params = model.init(key(CNN.seed));
  return {
    batches,
    step: (i) => {
      const [l, next] = step(params, xs[i % batches], ys[i % batches]);
      params = next;
      return l.item();
    },
  };
};
