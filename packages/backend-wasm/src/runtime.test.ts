import { describe, expect, it } from 'vitest';
import { add, matmul, tensor, withBackend } from '@chainrule/core';
import { createWasmBackend } from './backend.js';
import { Frame, align, instantiate } from './runtime.js';

describe('wasm runtime memory', () => {
  it('100,000 eager calls leave the memory flat', () => {
    const wasm = createWasmBackend();
    const a = tensor(new Float32Array(64).fill(1)), b = tensor(new Float32Array(64).fill(2));
    const m = tensor(new Float32Array(16 * 16).fill(1), { shape: [16, 16] });
    withBackend(wasm, () => { add(a, b); matmul(m, m); });
    const before = wasm.runtime.memory.buffer.byteLength;
    let last = 0;
    withBackend(wasm, () => {
      for (let i = 0; i < 100_000; i++) last = add(a, b).data[i % 64] + (i % 1000 === 0 ? matmul(m, m).data[0] : 0);
    });
    expect(last).toBe(3);
    expect(wasm.runtime.memory.buffer.byteLength).toBe(before);
  });

  it('grows the memory for a call that needs more, then stays at that size', () => {
    const wasm = createWasmBackend();
    const start = wasm.runtime.memory.buffer.byteLength;
    const big = tensor(new Float64Array(1 << 20).fill(0.5));
    const y = withBackend(wasm, () => add(big, big));
    expect(y.data[12345]).toBe(1);
    const grown = wasm.runtime.memory.buffer.byteLength;
    expect(grown).toBeGreaterThanOrEqual(start + 3 * 8 * (1 << 20));
    withBackend(wasm, () => add(big, big));
    expect(wasm.runtime.memory.buffer.byteLength).toBe(grown);
  });

  it('frames hand out aligned, disjoint regions after the scratch', () => {
    const rt = instantiate();
    const f = new Frame(rt);
    const p = f.take(10), q = f.take(100);
    f.commit();
    expect(p).toBe(rt.base);
    expect(q).toBe(align(p + 10));
    expect(q % 64).toBe(0);
    expect(rt.memory.buffer.byteLength).toBeGreaterThanOrEqual(q + 100);
  });
});
