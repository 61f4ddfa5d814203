// Feature detection: does this engine validate a WebAssembly module that uses SIMD128?

// (module (func (result v128) v128.const i32x4 0 0 0 0)): the smallest module with a v128 op.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () → v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code section: one body, no locals, v128.const
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0x0b, // end
]);

/**
 * Why this engine cannot run the wasm backend, or undefined when it can (WebAssembly with
 * SIMD128 present).
 *
 * @example
 * wasmUnsupported() // undefined in Node 20 and current browsers
 */
export const wasmUnsupported = (engine: { readonly WebAssembly?: typeof WebAssembly } = globalThis as { readonly WebAssembly?: typeof WebAssembly }): string | undefined => {
  const wasm = engine.WebAssembly;
  if (wasm === undefined || typeof wasm.validate !== 'function') return 'this engine has no WebAssembly';
  try {
    return wasm.validate(SIMD_PROBE) ? undefined : 'this engine\'s WebAssembly lacks SIMD128';
  } catch {
    return 'this engine\'s WebAssembly lacks SIMD128';
  }
};
