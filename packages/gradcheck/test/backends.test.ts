// checkBackend over the standard library: the reference backend passes, and kernels that are wrong in the ways SIMD kernels go wrong are caught.

import { describe, expect, it } from 'vitest';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { jsBackend, type Backend, type FloatArray, type Kernel } from '@chainrule/core';
import { broadcastIndex } from '@chainrule/core/kernels';
import { standardRegistry } from '@chainrule/ops';
import { checkBackend } from '../src/index.js';

const registry = standardRegistry();

/** A correct add kernel for equal shapes that forgets the last element when the size is not a multiple of 4. */
const tailDroppingAdd: Kernel = (ins: readonly FloatArray[], out: FloatArray, _attrs, avals) => {
  const [a, b] = ins;
  const same = a.length === out.length && b.length === out.length;
  const n = same && out.length % 4 !== 0 ? out.length - 1 : out.length;
  // Broadcasting itself is right (the conformance cases broadcast each operand along any axis).
  const ia = broadcastIndex(avals.inputs[0].shape, avals.output.shape), ib = broadcastIndex(avals.inputs[1].shape, avals.output.shape);
  for (let i = 0; i < out.length; i++) out[i] = 0;
  for (let i = 0; i < n; i++) out[i] = a[ia[i]] + b[ib[i]];
};

describe('checkBackend', () => {
  it('passes the reference backend on every standard op, both dtypes', () => {
    const r = checkBackend(jsBackend, registry, { numRuns: 3 });
    if (isLeft(r)) throw new Error(r.left.message);
    const names = r.right.ops.map((o) => o.op);
    expect(names).toContain('core.matmul');
    expect(names).toContain('ops.conv2d');
    expect(r.right.ops.every((o) => o.samples > 0)).toBe(true);
  });

  it('catches a kernel that drops the tail of an odd-sized array, naming op, dtype and element', () => {
    const broken: Backend = { name: 'broken', kernels: { 'core.add': tailDroppingAdd } };
    const r = checkBackend(broken, registry, { ops: ['core.add'], numRuns: 20 });
    expect(isLeft(r)).toBe(true);
    if (isLeft(r)) {
      expect(r.left.op).toBe('core.add');
      expect(r.left.message).toMatch(/backend broken: core\.add element \d+ is 0 where the reference gives/);
    }
  });

  it('catches a float32 kernel that is only accurate to a few digits', () => {
    const sloppyExp: Kernel = ([x], out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.exp(x[i]) * (out instanceof Float32Array ? 1 + 3e-3 : 1);
    };
    const r = checkBackend({ name: 'sloppy', kernels: { 'core.exp': sloppyExp } }, registry, { ops: ['core.exp'] });
    expect(isLeft(r) && r.left.dtype).toBe('float32');
  });

  it('reports a kernel that throws where the reference does not', () => {
    const throwing: Kernel = () => {
      throw new Error('out of wasm memory');
    };
    const r = checkBackend({ name: 'throws', kernels: { 'ops.relu': throwing } }, registry, { ops: ['ops.relu'] });
    expect(isLeft(r) && r.left.message).toMatch(/ops\.relu threw out of wasm memory/);
  });

  it('says which ops ran a kernel of the backend itself', () => {
    const exact: Kernel = ([x], out) => {
      for (let i = 0; i < out.length; i++) out[i] = -x[i];
    };
    const r = checkBackend({ name: 'negonly', kernels: { 'core.neg': exact } }, registry, { ops: ['core.neg', 'core.exp'] });
    expect(isRight(r) && Object.fromEntries(r.right.ops.map((o) => [o.op, o.ownKernel]))).toEqual({ 'core.neg': true, 'core.exp': false });
  });
});
