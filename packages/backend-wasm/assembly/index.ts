// The kernel module's exports: every function takes byte addresses in the imported memory and sizes.

import { KC, MC, NC } from './matmul';

export { matmulF32, matmulF64 } from './matmul';
export { unaryF32, unaryF64, binaryF32, binaryF64 } from './elementwise';
export { reduceF32, reduceF64, softmaxF32, softmaxF64 } from './reduce';

/** The first byte free for the caller's buffers (after the module's own static data). */
export function heapBase(): usize {
  return __heap_base;
}

/** Bytes of scratch one matmulF32/F64 call needs for packed panels, for elements of `size` bytes. */
export function matmulScratchBytes(size: i32): i32 {
  return (KC * NC + MC * KC) * size + 256;
}

export { conv2dF32, conv2dF64, conv2dInputF32, conv2dInputF64, conv2dFilterF32, conv2dFilterF64, convChunkRows, fromF64 } from './conv';
export { maxPoolF32, maxPoolF64, poolScatterF32, poolScatterF64, poolGatherF32, poolGatherF64, avgPoolF32, avgPoolF64 } from './pool';
