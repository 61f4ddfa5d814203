// NaN anomaly mode: off by default; when on, the first non-finite output names its op, node, pass and inputs.

import { describe, expect, it, afterEach } from 'vitest';
import { add, div, mul } from './ops/binary.js';
import { log, exp } from './ops/unary.js';
import { sum } from './ops/reduce.js';
import { tensor } from './tensor.js';
import { grad, jit, jvp, valueAndGrad } from './transforms.js';
import { setDebugNans, withDebugNans, debugNans } from './debug-nans.js';
import { ChainruleError } from './errors.js';

afterEach(() => {
  setDebugNans(false);
});

const thrown = (f: () => unknown): ChainruleError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ChainruleError) return e;
    throw e;
  }
  throw new Error('expected a ChainruleError');
};

describe('NaN anomaly mode', () => {
  it('is off by default: a NaN flows on silently', () => {
    expect(debugNans()).toBe(false);
    expect(Number.isNaN(log(tensor([-1])).data[0])).toBe(true);
  });

  it('names the op of an eager call and says its inputs were finite', () => {
    setDebugNans(true);
    const e = thrown(() => log(tensor([2, -1, 3])));
    expect(e.code).toBe('NonFinite');
    expect(e.op).toBe('core.log');
    expect(e.message).toMatch(/produced 1 NaN and 0 infinite values of 3 \(first at element 1: NaN\) in the forward pass \(an eager call\); input 0 finite/);
    expect(e.message).toContain('input shapes [3]');
  });

  it('says when an input was already non-finite', () => {
    const e = thrown(() => withDebugNans(() => add(tensor([NaN, 1]), tensor([1, 1]))));
    expect(e.message).toMatch(/input 0 has 1 NaN and 0 infinite of 2, input 1 finite/);
  });

  it('under jit, names the node of the graph', () => {
    const f = jit((x) => sum(log(x)), { debugNans: true });
    const e = thrown(() => f(tensor([1, 0])));
    expect(e.op).toBe('core.log');
    expect(e.message).toMatch(/0 NaN and 1 infinite values of 2 \(first at element 1: -Infinity\) in the forward pass \(node 1\)/);
    // The same function without the option runs through.
    expect(jit((x) => sum(log(x)))(tensor([1, 0])).data[0]).toBe(-Infinity);
  });

  it('finds a non-finite value that only the backward pass produces, naming the rule that made it', () => {
    // d(x/y)/dy = −x/y²: with y = 1e-30 in float32 the quotient is finite (1e30) but the derivative overflows.
    const f = (y: ReturnType<typeof tensor>) => sum(div(tensor([1]), y));
    const [value] = valueAndGrad(f)(tensor([1e-30]));
    expect(Number.isFinite(value.data[0])).toBe(true);
    const e = thrown(() => grad(f, { debugNans: true })(tensor([1e-30])));
    expect(e.op).toBe('core.div');
    expect(e.message).toMatch(/in the backward pass \(node \d+, made by the VJP rule of core\.div at node \d+\)/);
    expect(e.message).toMatch(/input 0 finite, input 1 finite/);
  });

  it('covers forward mode too', () => {
    const e = thrown(() => withDebugNans(() => jvp((x) => mul(exp(x), 0), [tensor([100])], [tensor([1])])));
    expect(e.op).toBe('core.exp');
    expect(e.message).toMatch(/forward pass/);
    const e2 = thrown(() => withDebugNans(() => jvp((x) => log(x), [tensor([1e-30])], [tensor([1e10])])));
    expect(e2.message).toMatch(/in forward mode \(node \d+, made by the JVP rule of core\.log at node \d+\)/);
  });

  it('withDebugNans restores the previous setting', () => {
    withDebugNans(() => expect(debugNans()).toBe(true));
    expect(debugNans()).toBe(false);
  });
});
