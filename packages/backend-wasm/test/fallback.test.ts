// Without WebAssembly SIMD the backend does not load, says why once, and the best backend is js.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsBackend } from '@chainrule/core';

const saved = process.env.CHAINRULE_BACKEND;
afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
  if (saved === undefined) delete process.env.CHAINRULE_BACKEND;
  else process.env.CHAINRULE_BACKEND = saved;
});

describe('an engine without SIMD128', () => {
  it('createWasmBackend throws, wasmBackend notes it once, bestBackend gives js', async () => {
    delete process.env.CHAINRULE_BACKEND; // a suite run on wasm sets it
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fresh = await import('../src/backend.js');
    expect(() => fresh.createWasmBackend({ threads: 1 })).toThrow("the wasm backend cannot load: this engine's WebAssembly lacks SIMD128");
    expect(fresh.wasmBackend()).toBeUndefined();
    expect(fresh.wasmBackend()).toBeUndefined();
    expect(fresh.bestBackend('')).toBe(jsBackend);
    expect(fresh.knownBackendNames()).toEqual(['js']);
    expect(() => fresh.bestBackend('wasm')).toThrow(/unknown backend "wasm"; known backends: js/);
    expect(await fresh.loadBestBackend()).toBe(jsBackend);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe("chainrule: the wasm backend cannot load: this engine's WebAssembly lacks SIMD128; using the js backend");
  });
});
