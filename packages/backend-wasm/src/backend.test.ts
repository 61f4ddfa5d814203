import { describe, expect, it } from 'vitest';
import { getBackend, jsBackend, setBackend } from '@chainrule/core';
import { bestBackend, createWasmBackend, describeBackend, installBestBackend, knownBackendNames, loadBestBackend, wasmBackend } from './backend.js';

describe('choosing the backend', () => {
  it('creates a backend named wasm with kernels for the core ops', () => {
    const b = createWasmBackend();
    expect(b.name).toBe('wasm');
    for (const op of ['core.matmul', 'core.add', 'core.sum', 'core.softmax', 'core.exp']) expect(typeof b.kernels[op]).toBe('function');
  });

  it('picks wasm by default and honours CHAINRULE_BACKEND', () => {
    expect(bestBackend('').name).toBe('wasm');
    expect(bestBackend('js')).toBe(jsBackend);
    expect(bestBackend('wasm')).toBe(wasmBackend());
    expect(() => bestBackend('gpu')).toThrow(/unknown backend "gpu"; known backends: wasm, js/);
    expect(knownBackendNames()).toEqual(['wasm', 'js']);
  });

  it('installBestBackend makes it the process default', () => {
    const previous = getBackend();
    try {
      expect(installBestBackend('wasm').name).toBe('wasm');
      expect(getBackend().name).toBe('wasm');
    } finally {
      setBackend(previous);
    }
  });

  it('loadBestBackend resolves to the shared wasm backend, or js when CHAINRULE_BACKEND says so', async () => {
    const saved = process.env.CHAINRULE_BACKEND;
    try {
      delete process.env.CHAINRULE_BACKEND;
      expect(await loadBestBackend()).toBe(wasmBackend());
      process.env.CHAINRULE_BACKEND = 'js';
      expect(await loadBestBackend()).toBe(jsBackend);
    } finally {
      if (saved === undefined) delete process.env.CHAINRULE_BACKEND;
      else process.env.CHAINRULE_BACKEND = saved;
    }
  });

  it('describes a backend with its threads', () => {
    expect(describeBackend(createWasmBackend({ threads: 1 }))).toBe('wasm (1 thread)');
    expect(describeBackend(createWasmBackend({ threads: 2 }))).toBe('wasm (2 threads)');
    expect(describeBackend(jsBackend)).toBe('js');
  });
});
