// The core.matmul kernel: batch broadcasting and transposes handled here, the product in wasm (assembly/matmul.ts).

import type { Kernel } from '@chainrule/core';
import { broadcastIndex } from '@chainrule/core/kernels';
import type { MatmulAttrs } from '@chainrule/core';
import { Frame, type WasmRuntime } from './runtime.js';

/**
 * The kernel for `core.matmul` on a runtime: copies op(A) and op(B) in, runs the packed SIMD
 * product once per batch (batch dimensions broadcast by offset, never by copy), copies C out.
 *
 * @example
 * const k = matmulKernel(instantiate()); k([a, b], out, {}, avals)
 */
export const matmulKernel = (rt: WasmRuntime): Kernel<MatmulAttrs> => (inputs, out, attrs, avals) => {
  const [a, b] = inputs;
  const sa = avals.inputs[0].shape, sb = avals.inputs[1].shape, so = avals.output.shape;
  const transA = attrs.transposeA === true, transB = attrs.transposeB === true;
  const r = so.length;
  const m = so[r - 2], n = so[r - 1];
  const k = transA ? sa[sa.length - 2] : sa[sa.length - 1];
  const S = out.BYTES_PER_ELEMENT;
  const f = new Frame(rt);
  const pa = f.take(a.byteLength), pb = f.take(b.byteLength), pc = f.take(out.byteLength);
  f.commit();
  rt.put(a, pa);
  rt.put(b, pb);
  const run = S === 8 ? rt.exports.matmulF64 : rt.exports.matmulF32;
  const batchShape = so.slice(0, -2);
  const batches = out.length / Math.max(1, m * n);
  if (batches === 1 && m * n > 0) {
    run(pa, pb, pc, m, k, n, transA ? 1 : 0, transB ? 1 : 0, 0, m, rt.matmulScratch);
  } else if (m * n > 0) {
    const ia = broadcastIndex(sa.slice(0, -2), batchShape), ib = broadcastIndex(sb.slice(0, -2), batchShape);
    for (let q = 0; q < batches; q++) {
      run(pa + ia[q] * m * k * S, pb + ib[q] * k * n * S, pc + q * m * n * S, m, k, n, transA ? 1 : 0, transB ? 1 : 0, 0, m, rt.matmulScratch);
    }
  }
  rt.get(out, pc);
};
