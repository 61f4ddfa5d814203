// Tests of the kernel layer: which kernel runs, the process default, the env override and the backend options.

import { describe, expect, it, afterEach } from 'vitest';
import { defineOp, type Op } from './op.js';
import { noAttrs, inferSame } from './ops/infer.js';
import { add, mul } from './ops/binary.js';
import { neg } from './ops/unary.js';
import { tensor, allocate, type FloatArray } from './tensor.js';
import { trace, jit, abstract } from './transforms.js';
import { evaluate } from './interpreter.js';
import { jsBackend, getBackend, setBackend, withBackend, chooseBackend, resolveBackend, kernelFor, type Backend, type Kernel } from './backend.js';
import { ChainruleError } from './errors.js';

/** A backend whose neg kernel doubles instead (so a test can tell which kernel ran) and counts its calls. */
const marking = (): Backend & { calls: number } => {
  const b = {
    name: 'marking',
    calls: 0,
    kernels: {
      'core.neg': ((ins: readonly FloatArray[], out: FloatArray) => {
        b.calls++;
        for (let i = 0; i < out.length; i++) out[i] = 2 * ins[0][i];
      }) as Kernel,
    },
  };
  return b;
};

afterEach(() => {
  setBackend(jsBackend);
});

describe('choosing a kernel', () => {
  it('falls back to the reference forward when the backend has no kernel for the op', () => {
    const b = marking();
    const y = withBackend(b, () => add(tensor([1, 2]), tensor([10, 20])));
    expect(Array.from(y.data)).toEqual([11, 22]);
    expect(kernelFor(add, b)).toBeUndefined();
  });

  it("runs the backend's kernel for an op it has, writing into a fresh output", () => {
    const b = marking();
    const x = tensor([1, -3]);
    const y = withBackend(b, () => neg(x));
    expect(Array.from(y.data)).toEqual([2, -6]);
    expect(b.calls).toBe(1);
    expect(Array.from(x.data)).toEqual([1, -3]);
    expect(y.data).not.toBe(x.data);
  });

  it("picks a plugin's own kernel for the active backend over the backend's table and the forward", () => {
    let pluginCalls = 0;
    const triple: Op<{}> = defineOp({
      name: 'test.triple',
      attrs: noAttrs,
      arity: 1,
      kind: 'elementwise',
      infer: inferSame,
      forward: ([x], _, out) => {
        const o = allocate(out.dtype, x.size);
        for (let i = 0; i < o.length; i++) o[i] = 3 * x.data[i];
        return o;
      },
      vjp: ({ cotangent }) => [mul(cotangent, 3)],
      kernels: {
        marking: (ins, out) => {
          pluginCalls++;
          for (let i = 0; i < out.length; i++) out[i] = 3 * ins[0][i];
        },
      },
    });
    const b = marking();
    expect(Array.from(triple(tensor([1, 2])).data)).toEqual([3, 6]);
    expect(pluginCalls).toBe(0);
    expect(Array.from(withBackend(b, () => triple(tensor([1, 2]))).data)).toEqual([3, 6]);
    expect(pluginCalls).toBe(1);
  });

  it('restores the previous default after withBackend, even when the function throws', () => {
    const b = marking();
    expect(() => withBackend(b, () => { throw new Error('boom'); })).toThrow('boom');
    expect(getBackend()).toBe(jsBackend);
  });

  it('rejects something that is not a backend', () => {
    expect(() => setBackend({ name: 'x' } as unknown as Backend)).toThrow(ChainruleError);
  });
});

describe('the backend of evaluate and jit', () => {
  it('evaluate takes a backend option', () => {
    const g = trace((x) => neg(x), abstract([2]));
    const b = marking();
    expect(Array.from(evaluate(g, [tensor([1, 2])], { backend: b })[0].data)).toEqual([2, 4]);
    expect(Array.from(evaluate(g, [tensor([1, 2])])[0].data)).toEqual([-1, -2]);
  });

  it("jit's backend option wins over the process default, and each backend gets its own trace", () => {
    const b = marking();
    const f = jit((x) => neg(x), { backend: b });
    expect(Array.from(f(tensor([1, 2])).data)).toEqual([2, 4]);
    expect(b.calls).toBe(1);
    const g = jit((x) => neg(x));
    expect(Array.from(g(tensor([1])).data)).toEqual([-1]);
    setBackend(b);
    expect(Array.from(g(tensor([1])).data)).toEqual([2]);
    expect(g.traceCount).toBe(2);
  });
});

describe('the process default', () => {
  it('is the reference backend until something else is set', () => {
    expect(getBackend()).toBe(jsBackend);
    expect(jsBackend.name).toBe('js');
  });

  it('CHAINRULE_BACKEND picks among the available backends; unset means the first available', () => {
    const b = marking();
    expect(chooseBackend([b, jsBackend], 'js')).toBe(jsBackend);
    expect(chooseBackend([b, jsBackend], 'marking')).toBe(b);
    expect(chooseBackend([b, jsBackend], '')).toBe(b);
    const saved = process.env.CHAINRULE_BACKEND;
    try {
      // An undefined env argument reads CHAINRULE_BACKEND (which a suite run on wasm sets).
      delete process.env.CHAINRULE_BACKEND;
      expect(chooseBackend([b, jsBackend], undefined)).toBe(b);
      process.env.CHAINRULE_BACKEND = 'js';
      expect(chooseBackend([b, jsBackend])).toBe(jsBackend);
    } finally {
      if (saved === undefined) delete process.env.CHAINRULE_BACKEND;
      else process.env.CHAINRULE_BACKEND = saved;
    }
  });

  it('an unknown backend name is an error listing the known ones', () => {
    expect(() => chooseBackend([marking(), jsBackend], 'gpu')).toThrow(/unknown backend "gpu"; known backends: marking, js/);
    expect(() => resolveBackend('wasm', [jsBackend])).toThrow(ChainruleError);
  });
});

describe('defineOp checks the kernel-layer fields', () => {
  const base = { name: 'test.k', attrs: noAttrs, arity: 1, infer: inferSame, forward: () => new Float32Array(0), vjp: () => [null] } as const;
  it('rejects an unknown kind', () => {
    expect(() => defineOp({ ...base, kind: 'pointwise' as never })).toThrow(/kind must be one of elementwise, broadcast/);
  });
  it('rejects a kernel that is not a function', () => {
    expect(() => defineOp({ ...base, kernels: { js: 3 as never } })).toThrow(/kernels.js must be a function/);
  });
  it('an undeclared kind reads as opaque', async () => {
    const { opKind } = await import('./op.js');
    expect(opKind(defineOp({ ...base }))).toBe('opaque');
    expect(opKind(add)).toBe('broadcast');
  });
});
