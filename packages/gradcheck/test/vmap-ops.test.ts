// vmap over every standard op's conformance cases equals a loop over the examples, for the op and for its VJP.

import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { isLeft } from 'fp-ts/lib/Either.js';
import { vmap, vjp, tensor, sizeOf, type Tensor } from '@chainrule/core';
import { standardOps } from '@chainrule/ops';
import { declaredRuns, type OpSample } from '../src/index.js';
import { samplesOf } from '../src/conformance.js';

const B = 3;

/** x's elements rotated by k places: another example from the same value set (same domain, same distinctness). */
const rotate = (x: Tensor, k: number): Tensor => {
  const n = x.size, v = new Array<number>(n);
  for (let i = 0; i < n; i++) v[i] = x.data[(i + k) % n];
  return tensor(v, { shape: [...x.shape], dtype: x.dtype });
};

/** Tensors of one shape stacked along a new leading axis, by copying. */
const stack = (xs: readonly Tensor[]): Tensor => {
  const vals: number[] = [];
  for (const x of xs) vals.push(...x.data);
  return tensor(vals, { shape: [xs.length, ...xs[0].shape], dtype: xs[0].dtype });
};

/** Equal up to float64 rounding (batched kernels may sum in another order); NaN matches NaN. */
const expectClose = (got: Tensor, want: Tensor, what: string): void => {
  expect(got.shape, what).toEqual(want.shape);
  for (let i = 0; i < want.size; i++) {
    const a = got.data[i], b = want.data[i];
    if (Number.isNaN(b)) expect(Number.isNaN(a), `${what} element ${i}`).toBe(true);
    else expect(Math.abs(a - b), `${what} element ${i}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(b)));
  }
};

/** B examples from one sample: batched differentiated inputs rotated per example; fixed ones (indices, keys) and unbatched ones shared. */
const examplesOf = (s: OpSample, batched: readonly boolean[]): Tensor[][] =>
  Array.from({ length: B }, (_, b) => s.inputs.map((x, k) => (batched[k] && s.wrt.includes(k) ? rotate(x, b) : x)));

describe('vmap of every standard op equals a loop', () => {
  const warn = vi.spyOn(console, 'warn');
  for (const op of standardOps) {
    it(op.name, () => {
      for (const options of declaredRuns(op)) {
        const samples = samplesOf(op, options);
        if (isLeft(samples)) throw new Error(samples.left);
        // Which inputs carry the batch: any non-empty subset.
        const flags = fc.array(fc.boolean(), { minLength: 8, maxLength: 8 });
        fc.assert(
          fc.property(samples.right, flags, (s, f) => {
            const batched = s.inputs.map((_, k) => f[k]);
            if (!batched.some((b) => b)) batched[0] = true;
            const examples = examplesOf(s, batched);
            const args = s.inputs.map((x, k) => (batched[k] ? stack(examples.map((e) => e[k])) : x));
            const inAxes = batched.map((b) => (b ? 0 : null));
            const apply = (...xs: Tensor[]) => op(...xs, s.attrs);
            expectClose(vmap(apply, { inAxes })(...args), stack(examples.map((e) => apply(...e))), `${op.name} ${s}`);
            if (op.differentiable === false) return;
            // The VJP under vmap: one cotangent per example; every input's cotangent is per example.
            const out = apply(...s.inputs);
            const cts = Array.from({ length: B }, (_, b) => rotate(tensor(Array.from({ length: sizeOf(out.shape) }, (_, i) => Math.sin(i + 1)), { shape: [...out.shape], dtype: out.dtype }), b));
            const pull = (...xs: Tensor[]) => vjp(apply, ...xs.slice(0, -1))[1](xs[xs.length - 1]) as Tensor[];
            const got = vmap(pull, { inAxes: [...inAxes, 0] })(...args, stack(cts));
            const want = examples.map((e, b) => pull(...e, cts[b]));
            s.wrt.forEach((k) => expectClose(got[k], stack(want.map((w) => w[k])), `${op.name} VJP input ${k} ${s}`));
          }),
          { numRuns: 4, seed: 7 },
        );
      }
      // Every standard op batches by its own rule or its kind's, never by the warned loop.
      expect(warn).not.toHaveBeenCalled();
    });
  }
});
