import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { matmul, withBackend, type DType } from '@chainrule/core';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '@chainrule/ops';
import { createWasmBackend, defaultThreads } from './backend.js';
import { ThreadPool, splitRange } from './threads.js';
import { randomTensor } from '../test/helpers.js';

const one = createWasmBackend({ threads: 1 });
const two = createWasmBackend({ threads: 2 });

const maxRelDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let scale = 0, d = 0;
  for (let i = 0; i < x.length; i++) { scale = Math.max(scale, Math.abs(x[i])); d = Math.max(d, Math.abs(x[i] - y[i])); }
  return scale === 0 ? d : d / scale;
};

describe('splitRange', () => {
  it('covers [0, total) with aligned, ordered, non-empty ranges', () => {
    fc.assert(fc.property(fc.nat(1000), fc.integer({ min: 1, max: 8 }), fc.constantFrom(1, 4), (total, parts, multiple) => {
      const r = splitRange(total, parts, multiple);
      expect(r.length).toBeLessThanOrEqual(parts);
      let at = 0;
      for (const [a, b] of r) {
        expect(a).toBe(at);
        expect(b).toBeGreaterThan(a);
        if (b < total) expect(b % multiple).toBe(0);
        at = b;
      }
      expect(at).toBe(total);
    }));
  });
});

describe('two threads', () => {
  it('matmul split by output rows equals one thread exactly', () => {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      for (const [m, k, n] of [[130, 67, 90], [257, 300, 33], [64, 64, 64]]) {
        const a = randomTensor([m, k], dtype, m), b = randomTensor([n, k], dtype, n);
        const x = withBackend(one, () => matmul(a, b, { transposeB: true })), y = withBackend(two, () => matmul(a, b, { transposeB: true }));
        expect(maxRelDiff(x.data, y.data)).toBe(0);
      }
    }
  });

  it('conv2d and its input gradient equal one thread exactly; the filter gradient within 1e-6 (float32) / 1e-14 (float64)', () => {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      const x = randomTensor([5, 17, 13, 6], dtype, 1), w = randomTensor([3, 3, 6, 10], dtype, 2);
      const attrs = { padding: 'same' as const, strides: [2, 1] as const };
      const y1 = withBackend(one, () => conv2d(x, w, attrs)), y2 = withBackend(two, () => conv2d(x, w, attrs));
      expect(maxRelDiff(y1.data, y2.data)).toBe(0);
      const dy = randomTensor(y1.shape, dtype, 3);
      const i1 = withBackend(one, () => conv2dBackpropInput(dy, w, { ...attrs, inputShape: [5, 17, 13, 6] }));
      const i2 = withBackend(two, () => conv2dBackpropInput(dy, w, { ...attrs, inputShape: [5, 17, 13, 6] }));
      expect(maxRelDiff(i1.data, i2.data)).toBe(0);
      const f1 = withBackend(one, () => conv2dBackpropFilter(x, dy, { ...attrs, filterShape: [3, 3, 6, 10] }));
      const f2 = withBackend(two, () => conv2dBackpropFilter(x, dy, { ...attrs, filterShape: [3, 3, 6, 10] }));
      expect(maxRelDiff(f1.data, f2.data)).toBeLessThanOrEqual(dtype === 'float32' ? 1e-6 : 1e-14);
    }
  });

  it('a kernel that traps in a worker is an error naming the worker and the kernel', () => {
    const b = createWasmBackend({ threads: 2 });
    const rt = b.runtime;
    const bad = rt.memory.buffer.byteLength + 4096;
    expect(() => rt.parallel([
      { fn: 'unaryF32', args: [0, rt.base, rt.base, 4, 0] },
      { fn: 'unaryF32', args: [0, bad, bad, 4, 0] },
    ])).toThrow(/wasm worker 1 failed in unaryF32: .*out of bounds/);
    // The pool still works afterwards.
    const a = randomTensor([64, 64], 'float32', 1);
    expect(maxRelDiff(withBackend(b, () => matmul(a, a)).data, withBackend(one, () => matmul(a, a)).data)).toBe(0);
  });

  it('a terminated pool gives an error, not a hang', async () => {
    const b = createWasmBackend({ threads: 2 });
    const a = randomTensor([128, 128], 'float32', 1);
    withBackend(b, () => matmul(a, a));
    b.runtime.terminate();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => withBackend(b, () => matmul(a, a))).toThrow(/wasm worker 1 is gone \(it was terminated\)/);
  });

  it('a worker that never starts gives an error after the start timeout', () => {
    // (module (import "env" "missing" (func))): instantiating it in the worker fails.
    const broken = new WebAssembly.Module(new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
      0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x6d, 0x69, 0x73, 0x73, 0x69, 0x6e, 0x67, 0x00, 0x00,
    ]));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const pool = new ThreadPool(broken, memory, ['f'], 0, 2, 300);
    expect(() => pool.run([{ fn: 'f', args: [] }, { fn: 'f', args: [] }], { f: () => undefined })).toThrow(/wasm worker 1 did not start within 0.3 s/);
    pool.terminate();
  });

  it('the pool never keeps a process alive', () => {
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `import('${entry}').then(({ createWasmBackend }) => { const b = createWasmBackend({ threads: 2 }); b.runtime.parallel([{ fn: 'heapBase', args: [] }, { fn: 'heapBase', args: [] }]); console.log('ran'); })`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout.trim()).toBe('ran');
    expect(r.status).toBe(0);
  });

  it('defaults to the available cores in Node', () => {
    expect(defaultThreads()).toBeGreaterThanOrEqual(1);
    expect(createWasmBackend().runtime.threads).toBe(defaultThreads());
  });
});
