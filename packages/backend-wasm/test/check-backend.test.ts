// The cross-backend check of @chainrule/gradcheck on the wasm backend: every standard op's conformance cases, both dtypes, 1 and 2 threads.

import { describe, expect, it } from 'vitest';
import { checkBackend } from '@chainrule/gradcheck';
import { standardRegistry } from '@chainrule/ops';
import { createWasmBackend } from '../src/backend.js';

describe.each([1, 2])('checkBackend on wasm with %i thread(s)', (threads) => {
  const wasm = createWasmBackend({ threads });
  it('agrees with the reference kernel for every standard op', () => {
    const r = checkBackend(wasm, standardRegistry(), { numRuns: 8, seed: threads });
    if (r._tag === 'Left') throw new Error(r.left.message);
    const own = r.right.ops.filter((o) => o.ownKernel).map((o) => o.op);
    // The ops this backend runs itself (the rest fall back to their reference kernels).
    for (const op of ['core.matmul', 'core.add', 'core.exp', 'core.sum', 'core.softmax', 'ops.conv2d', 'ops.conv2dBackpropFilter', 'ops.maxPool2d', 'ops.relu']) {
      expect(own).toContain(op);
    }
    for (const o of r.right.ops) expect(o.worstRatio).toBeLessThanOrEqual(1);
  });
});
