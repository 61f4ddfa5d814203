// The core.matmul kernel: batch broadcasting and transposes handled here, the product in wasm (assembly/matmul.ts).

import type { Kernel } from '@chainrule/core';
import { broadcastIndex } from '@chainrule/core/kernels';
import type { MatmulAttrs } from '@chainrule/core';
import { Frame, type WasmRuntime } from './runtime.js';
import { splitRange } from './threads.js';

/** Products with fewer multiply-adds than this run on one thread: waking workers costs more. */
export const PARALLEL_MIN_MACS = 1 << 18;

/**
 * The kernel for `core.matmul` on a runtime: copies op(A) and op(B) in, runs the packed SIMD
 * product once per batch (batch dimensions broadcast by offset, never by copy), split by
 * output rows over the runtime's threads when large enough, copies C out.
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
  const fn = S === 8 ? 'matmulF64' : 'matmulF32';
  const ta = transA ? 1 : 0, tb = transB ? 1 : 0;
  // Threads split the output rows, in multiples of the 4-row register tile; each packs its own panels.
  const ranges = m * n * k >= PARALLEL_MIN_MACS ? splitRange(m, rt.threads, 4) : [[0, m] as [number, number]];
  const batchShape = so.slice(0, -2);
  const batches = m * n === 0 ? 0 : out.length / (m * n);
  const ia = batches > 1 ? broadcastIndex(sa.slice(0, -2), batchShape) : undefined;
  const ib = batches > 1 ? broadcastIndex(sb.slice(0, -2), batchShape) : undefined;
  for (let q = 0; q < batches; q++) {
    const qa = pa + (ia === undefined ? 0 : ia[q] * m * k * S), qb = pb + (ib === undefined ? 0 : ib[q] * k * n * S);
    rt.parallel(ranges.map(([i0, i1], t) => ({ fn, args: [qa, qb, pc + q * m * n * S, m, k, n, ta, tb, i0, i1, rt.scratch[t]] })));
  }
  rt.get(out, pc);
};
