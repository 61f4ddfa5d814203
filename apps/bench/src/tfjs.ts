// The TensorFlow.js side of each benchmark case, on its 'cpu' or 'wasm' backend.

import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { CHAIN, MLP, chainData, squareMatrix, type MlpData } from './problems.js';
import type { MlpStepper } from './chainrule.js';

/** The TensorFlow.js backends the benchmark compares against. */
export type TfBackend = 'cpu' | 'wasm';

let wasmPathSet = false;

/**
 * Makes `backend` the active TensorFlow.js backend. The wasm binaries are loaded from the
 * installed @tensorflow/tfjs-backend-wasm package on disk, never from the network.
 *
 * @example
 * await useTfBackend('wasm')
 */
export const useTfBackend = async (backend: TfBackend): Promise<void> => {
  if (backend === 'wasm' && !wasmPathSet) {
    const require = createRequire(import.meta.url);
    const pkg = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    setWasmPaths(`${path.join(pkg, 'dist')}${path.sep}`);
    wasmPathSet = true;
  }
  // Production mode: TensorFlow.js's documented setting for speed (it skips debug checks and
  // its tfjs-node advice on stderr).
  tf.enableProdMode();
  const ok = await tf.setBackend(backend);
  if (!ok || tf.getBackend() !== backend) throw new Error(`TensorFlow.js backend '${backend}' failed to initialise`);
};

/** The TensorFlow.js version the numbers were measured with. */
export const tfVersion: string = tf.version.tfjs;

/** A benchmark body and the tensors to free once it has been timed. */
export interface Disposable<T> {
  readonly run: T;
  readonly dispose: () => void;
}

/**
 * The body of the matmul case on the active backend: one n×n float32 product of the seeded
 * matrices, read back; the body returns it.
 *
 * @example
 * const { run, dispose } = tfMatmul(512); run(); dispose()
 */
export const tfMatmul = (n: number): Disposable<() => Float32Array> => {
  const a = tf.tensor2d(squareMatrix(n, 1), [n, n]);
  const b = tf.tensor2d(squareMatrix(n, 2), [n, n]);
  return {
    run: () => {
      const c = tf.matMul(a, b);
      const values = c.dataSync() as Float32Array;
      c.dispose();
      return values;
    },
    dispose: () => tf.dispose([a, b]),
  };
};

/**
 * The MLP training step with TensorFlow.js's own autodiff: `optimizer.minimize` with plain
 * SGD on variables, on the active backend.
 *
 * @example
 * const { run } = tfMlp(mlpData(42)); run.step() // the loss, about 2.3
 */
export const tfMlp = (data: MlpData): Disposable<MlpStepper> => {
  const { inputs, hidden, classes, batch, learningRate } = MLP;
  const w1 = tf.variable(tf.tensor2d(data.w1, [inputs, hidden]));
  const b1 = tf.variable(tf.tensor1d(data.b1));
  const w2 = tf.variable(tf.tensor2d(data.w2, [hidden, classes]));
  const b2 = tf.variable(tf.tensor1d(data.b2));
  const x = tf.tensor2d(data.x, [batch, inputs]);
  const y = tf.tensor2d(data.y, [batch, classes]);
  const optimizer = tf.train.sgd(learningRate);
  const loss = (): tf.Scalar => {
    const h = tf.sigmoid(tf.add(tf.matMul(x, w1), b1));
    const logits = tf.add(tf.matMul(h, w2), b2);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  };
  return {
    run: {
      step: () => {
        const cost = optimizer.minimize(loss, true, [w1, b1, w2, b2])!;
        const value = cost.dataSync()[0];
        cost.dispose();
        return value;
      },
      params: () => ({
        w1: w1.dataSync() as Float32Array,
        b1: b1.dataSync() as Float32Array,
        w2: w2.dataSync() as Float32Array,
        b2: b2.dataSync() as Float32Array,
      }),
    },
    dispose: () => {
      tf.dispose([w1, b1, w2, b2, x, y]);
      optimizer.dispose();
    },
  };
};

/**
 * The per-op overhead case with `tf.grad`: 1,000 elementwise ops (x·w, x+b, sigmoid in
 * turn) on a [4] tensor, summed, differentiated; the body returns the gradient.
 *
 * @example
 * const { run } = tfChain(); run() // Float32Array of 4 gradients
 */
export const tfChain = (): Disposable<() => Float32Array> => {
  const d = chainData();
  const x = tf.tensor1d(d.x);
  const w = tf.tensor1d(d.w);
  const b = tf.tensor1d(d.b);
  const f = (v: tf.Tensor): tf.Scalar => {
    let h = v;
    for (let i = 0; i < CHAIN.ops; i++) {
      const k = i % 3;
      h = k === 0 ? tf.mul(h, w) : k === 1 ? tf.add(h, b) : tf.sigmoid(h);
    }
    return tf.sum(h);
  };
  const df = tf.grad(f);
  return {
    run: () => tf.tidy(() => df(x).dataSync() as Float32Array),
    dispose: () => tf.dispose([x, w, b]),
  };
};
