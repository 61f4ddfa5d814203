// Checks that chainrule and TensorFlow.js compute the same thing in each benchmark case.

import { describe, expect, it } from 'vitest';
import { jsBackend, type Backend } from '@chainrule/core';
import { createWasmBackend } from '@chainrule/backend-wasm';
import { chainruleChain, chainruleCnn, chainruleMatmul, chainruleMlp } from './chainrule.js';
import { jaxMatmul, jaxMlp, loadJax } from './jaxjs.js';
import { CHAIN, MLP, chainData, mlpData, squareMatrix } from './problems.js';
import { tfChain, tfMatmul, tfMlp, useTfBackend, type TfBackend } from './tfjs.js';

/** The per-op chain's gradient by hand, in float64: forward values kept, then the chain rule backwards. */
const referenceChainGrad = (): Float64Array => {
  const { x, w, b } = chainData();
  const out = new Float64Array(CHAIN.size);
  for (let j = 0; j < CHAIN.size; j++) {
    const hs: number[] = [];
    let h = x[j];
    for (let i = 0; i < CHAIN.ops; i++) {
      hs.push(h);
      const k = i % 3;
      h = k === 0 ? h * w[j] : k === 1 ? h + b[j] : 1 / (1 + Math.exp(-h));
    }
    let g = 1;
    for (let i = CHAIN.ops - 1; i >= 0; i--) {
      const k = i % 3;
      if (k === 0) g *= w[j];
      else if (k === 2) {
        const s = 1 / (1 + Math.exp(-hs[i]));
        g *= s * (1 - s);
      }
    }
    out[j] = g;
  }
  return out;
};

/** The MLP's mean cross-entropy at the initial parameters, by plain loops in float64. */
const referenceMlpLoss = (): number => {
  const d = mlpData(42);
  const { inputs, hidden, classes, batch } = MLP;
  let total = 0;
  for (let r = 0; r < batch; r++) {
    const h = new Float64Array(hidden);
    for (let j = 0; j < hidden; j++) {
      let z = d.b1[j];
      for (let i = 0; i < inputs; i++) z += d.x[r * inputs + i] * d.w1[i * hidden + j];
      h[j] = 1 / (1 + Math.exp(-z));
    }
    const logits = new Float64Array(classes);
    for (let c = 0; c < classes; c++) {
      let z = d.b2[c];
      for (let j = 0; j < hidden; j++) z += h[j] * d.w2[j * classes + c];
      logits[c] = z;
    }
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((s, z) => s + Math.exp(z - m), 0));
    for (let c = 0; c < classes; c++) if (d.y[r * classes + c] === 1) total += lse - logits[c];
  }
  return total / batch;
};

const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-6, Math.abs(b[i])));
  return worst;
};

// chainrule's bodies are checked on the reference backend and on wasm (two threads: the pool's path).
const BACKENDS: readonly [string, Backend][] = [['js', jsBackend], ['wasm', createWasmBackend({ threads: 2 })]];
const MODES = BACKENDS.flatMap(([name, b]) => (['eager', 'jit'] as const).map((m) => [m, name, b] as const));

describe('per-op chain', () => {
  const expected = referenceChainGrad();

  it.each(MODES)('chainrule %s on %s gives the hand-derived gradient', (mode, _name, backend) => {
    const g = chainruleChain(mode, backend)();
    expect(maxRelDiff(g, expected)).toBeLessThan(1e-3);
  });

  it.each(['cpu', 'wasm'] as const)('tfjs-%s gives the hand-derived gradient', async (backend: TfBackend) => {
    await useTfBackend(backend);
    const { run, dispose } = tfChain();
    const g = run();
    dispose();
    expect(maxRelDiff(g, expected)).toBeLessThan(1e-3);
  });
});

describe('MLP step', () => {
  const reference = referenceMlpLoss();

  it.each(['eager', 'jit'] as const)('jax-js %s starts from the reference loss and agrees with chainrule after an update', async (mode) => {
    const theirs = jaxMlp(await loadJax(), mlpData(42), mode);
    const ours = chainruleMlp(mlpData(42), jsBackend);
    try {
      const t0 = theirs.step(), l0 = ours.step();
      expect(Math.abs(t0 - reference)).toBeLessThan(1e-4 * reference);
      expect(Math.abs(l0 - reference)).toBeLessThan(1e-4 * reference);
      const t1 = theirs.step(), l1 = ours.step();
      expect(Math.abs(l1 - t1)).toBeLessThan(1e-4 * t1);
    } finally {
      theirs.dispose();
    }
  });

  it.each(BACKENDS.flatMap(([name, b]) => (['cpu', 'wasm'] as const).map((tf) => [name, tf, b] as const)))('chainrule on %s and tfjs-%s agree on the loss and the update', async (_name, backend: TfBackend, ours0) => {
    const data = mlpData(42);
    const ours = chainruleMlp(data, ours0);
    await useTfBackend(backend);
    const { run: theirs, dispose } = tfMlp(data);
    try {
      const l0 = ours.step();
      const t0 = theirs.step();
      expect(Math.abs(l0 - reference)).toBeLessThan(1e-4 * reference);
      expect(Math.abs(t0 - reference)).toBeLessThan(1e-4 * reference);
      // The second loss depends on the first update, so it checks both gradients end to end.
      const l1 = ours.step();
      const t1 = theirs.step();
      expect(l1).toBeLessThan(l0);
      expect(Math.abs(l1 - t1)).toBeLessThan(1e-4 * t1);
      const p = ours.params();
      const q = theirs.params();
      for (const k of ['w1', 'b1', 'w2', 'b2'] as const) {
        let worst = 0;
        for (let i = 0; i < p[k].length; i++) worst = Math.max(worst, Math.abs(p[k][i] - q[k][i]));
        expect(worst, k).toBeLessThan(1e-5);
      }
    } finally {
      dispose();
    }
  });
});

describe('matmul case', () => {
  const n = 64;
  /** Element (i, j) of the seeded product by plain loops in float64. */
  const expectedAt = (i: number, j: number): number => {
    const a = squareMatrix(n, 1), b = squareMatrix(n, 2);
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
    return s;
  };
  const checkProduct = (c: Float32Array): void => {
    expect(c).toHaveLength(n * n);
    for (const [i, j] of [[0, 0], [5, 17], [63, 63]]) expect(c[i * n + j], `(${i}, ${j})`).toBeCloseTo(expectedAt(i, j), 4);
  };

  it.each(BACKENDS)('the chainrule body on %s multiplies the seeded matrices (checked against plain loops)', (_name, backend) => {
    checkProduct(chainruleMatmul(n, backend)());
  });

  it('the jax-js body multiplies the same matrices', async () => {
    const { run, dispose } = jaxMatmul(await loadJax(), n);
    try {
      checkProduct(run());
    } finally {
      dispose();
    }
  });

  it.each(['cpu', 'wasm'] as const)('the tfjs-%s body multiplies the same matrices', async (backend: TfBackend) => {
    await useTfBackend(backend);
    const { run, dispose } = tfMatmul(n);
    try {
      checkProduct(run());
    } finally {
      dispose();
    }
  });
});

describe('CNN step', () => {
  it('learns on its fixed batch, with the same losses on js and wasm', () => {
    const [js, wasm] = BACKENDS.map(([, b]) => chainruleCnn(b));
    const a = [0, 0, 0].map(() => js.step(0)), b = [0, 0, 0].map(() => wasm.step(0));
    expect(a[0]).toBeGreaterThan(2); // 10 classes: at least about ln 10 ≈ 2.3 at the start
    expect(Number.isFinite(a[2])).toBe(true);
    expect(a[2]).toBeLessThan(a[0]);
    for (let i = 0; i < 3; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4 * a[i]);
  });
});
