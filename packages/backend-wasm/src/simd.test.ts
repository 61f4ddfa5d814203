import { describe, expect, it } from 'vitest';
import { wasmUnsupported } from './simd.js';

describe('wasmUnsupported', () => {
  it('finds SIMD in this engine', () => {
    expect(wasmUnsupported()).toBeUndefined();
  });

  it('says why when WebAssembly or SIMD is missing', () => {
    expect(wasmUnsupported({})).toBe('this engine has no WebAssembly');
    const noSimd = { ...WebAssembly, validate: () => false } as unknown as typeof WebAssembly;
    expect(wasmUnsupported({ WebAssembly: noSimd })).toMatch(/lacks SIMD128/);
  });

  it('validates a real module with the probe only when the engine validates SIMD', () => {
    let seen: Uint8Array | undefined;
    const spy = { ...WebAssembly, validate: (b: Uint8Array) => { seen = b; return WebAssembly.validate(b); } } as unknown as typeof WebAssembly;
    expect(wasmUnsupported({ WebAssembly: spy })).toBeUndefined();
    // The probe is a complete module: compiling it gives a function returning a v128.
    expect(() => new WebAssembly.Module(seen as Uint8Array<ArrayBuffer>)).not.toThrow();
  });
});
