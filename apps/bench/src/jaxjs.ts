// The jax-js side of the matmul and MLP cases (`@jax-js/jax` 0.1.25 on its wasm device), with its `.ref` / dispose conventions.

import { MLP, squareMatrix, type MlpData } from './problems.js';

/** The part of jax-js's API the cases use. */
type JaxArray = { readonly ref: JaxArray; dataSync(): Float32Array; dispose(): void; sub(o: JaxArray | number): JaxArray; mul(o: JaxArray | number): JaxArray };
interface Jax {
  readonly numpy: {
    array(data: Float32Array, options: { shape: number[] }): JaxArray;
    matmul(a: JaxArray, b: JaxArray): JaxArray;
    add(a: JaxArray, b: JaxArray): JaxArray;
    multiply(a: JaxArray, b: JaxArray): JaxArray;
    negative(a: JaxArray): JaxArray;
    sum(a: JaxArray): JaxArray;
  };
  readonly nn: { sigmoid(a: JaxArray): JaxArray; logSoftmax(a: JaxArray, axis: number): JaxArray };
  readonly tree: { ref<T>(t: T): T; map<T>(f: (...xs: JaxArray[]) => JaxArray, ...trees: T[]): T; dispose(t: unknown): void };
  init(...devices: string[]): Promise<string[]>;
  defaultDevice(d: string): string;
  jit<F>(f: F): F;
  valueAndGrad<F>(f: F): (...args: unknown[]) => [JaxArray, MlpTree];
}
type MlpTree = { w1: JaxArray; b1: JaxArray; w2: JaxArray; b2: JaxArray };

let loaded: Jax | undefined;

/**
 * Loads jax-js on its wasm device. It reads `navigator` when imported, which Node 20 lacks,
 * so a minimal one is defined first.
 *
 * @example
 * const jax = await loadJax()
 */
export const loadJax = async (): Promise<Jax> => {
  if (loaded !== undefined) return loaded;
  const g = globalThis as { navigator?: unknown };
  g.navigator ??= { hardwareConcurrency: 1, userAgent: 'node' };
  const jax = (await import('@jax-js/jax')) as unknown as Jax;
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  loaded = jax;
  return jax;
};

/**
 * The matmul case on jax-js: one n×n product of the seeded matrices, read back (reading
 * consumes the result, so nothing is left to dispose); `a.ref` keeps the inputs alive.
 *
 * @example
 * const { run, dispose } = jaxMatmul(await loadJax(), 512); run(); dispose()
 */
export const jaxMatmul = (jax: Jax, n: number): { run: () => Float32Array; dispose: () => void } => {
  const a = jax.numpy.array(squareMatrix(n, 1), { shape: [n, n] });
  const b = jax.numpy.array(squareMatrix(n, 2), { shape: [n, n] });
  return { run: () => jax.numpy.matmul(a.ref, b.ref).dataSync(), dispose: () => { a.dispose(); b.dispose(); } };
};

/**
 * The MLP step on jax-js: valueAndGrad of the same loss and the SGD update, eager or under
 * `jit`; params are moved into each step (its result replaces them), x and y passed by `.ref`.
 *
 * @example
 * const m = jaxMlp(await loadJax(), mlpData(42), 'jit'); m.step(); m.dispose()
 */
export const jaxMlp = (jax: Jax, data: MlpData, mode: 'eager' | 'jit'): { step: () => number; dispose: () => void } => {
  const { numpy: np, nn, tree } = jax;
  const { inputs, hidden, classes, batch, learningRate } = MLP;
  let params: MlpTree = {
    w1: np.array(data.w1, { shape: [inputs, hidden] }), b1: np.array(data.b1, { shape: [hidden] }),
    w2: np.array(data.w2, { shape: [hidden, classes] }), b2: np.array(data.b2, { shape: [classes] }),
  };
  const x = np.array(data.x, { shape: [batch, inputs] }), y = np.array(data.y, { shape: [batch, classes] });
  const loss = (p: MlpTree, xb: JaxArray, yb: JaxArray): JaxArray => {
    const h = nn.sigmoid(np.add(np.matmul(xb, p.w1), p.b1));
    const logits = np.add(np.matmul(h, p.w2), p.b2);
    return np.negative(np.sum(np.multiply(nn.logSoftmax(logits, -1), yb))).mul(1 / batch);
  };
  const sgd = (p: MlpTree, xb: JaxArray, yb: JaxArray): [JaxArray, MlpTree] => {
    const [l, g] = jax.valueAndGrad(loss)(tree.ref(p), xb, yb);
    return [l, tree.map((w, dw) => w.sub(dw.mul(learningRate)), p, g)];
  };
  const step = mode === 'jit' ? jax.jit(sgd) : sgd;
  return {
    step: () => {
      const [l, next] = step(params, x.ref, y.ref);
      params = next;
      return l.dataSync()[0];
    },
    dispose: () => { tree.dispose(params); x.dispose(); y.dispose(); },
  };
};
