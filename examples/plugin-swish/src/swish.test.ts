// The swish plugin: values against the formula, the conformance kit, and graphs through the extended registry.

import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import {
  abstract, add, decodeGraph, defineOp, encodeGraph, evaluate, grad, jsBackend, kernelFor, matmul, sum, tensor, trace, withBackend,
  type Backend, type Registry, type Tensor,
} from '@chainrule/core';
import { standardRegistry } from '@chainrule/ops';
import { assertOpPlugin, checkBackend, checkGrads } from '@chainrule/gradcheck';
import { registryWithSwish, swish } from './index.js';

const reference = (v: number, beta: number): number => v / (1 + Math.exp(-beta * v));

const extended = (): Registry => {
  const r = registryWithSwish();
  if (isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describe('myorg.swish', () => {
  it('computes x·σ(βx), also for large |x|', () => {
    const xs = [-40, -3, -0.5, 0, 0.25, 2, 40];
    for (const beta of [1, 0.5, 2]) {
      const y = swish(tensor(xs, { dtype: 'float64' }), { beta });
      xs.forEach((v, i) => expect(y.data[i]).toBeCloseTo(reference(v, beta), 12));
    }
    expect(Array.from(swish(tensor([1, -1])).data)).toEqual(Array.from(Float32Array.from([reference(1, 1), reference(-1, 1)])));
  });

  it('passes the conformance kit', () => {
    // The cases and bad attrs are the ones the plugin declares beside its rules.
    const report = assertOpPlugin(swish, { registry: extended(), numRuns: 20 });
    for (const c of ['inference', 'purity', 'VJP', 'JVP', 'VJP of VJP', 'VJP of JVP', 'JSON round trip', 'bad attrs']) expect(report.checks).toContain(c);
  });

  it('has third derivatives that agree with finite differences', () => {
    expect(isRight(checkGrads((x: Tensor) => swish(x, { beta: 1.3 }), [tensor([-1.5, 0.2, 2])], { order: 3 }))).toBe(true);
  });
});

describe("swish's own kernel for the js backend", () => {
  it('is the kernel the js backend runs, and agrees with the reference forward (checkBackend)', () => {
    expect(kernelFor(swish, jsBackend)).toBe(swish.kernels?.js);
    const r = checkBackend(jsBackend, extended(), { ops: ['myorg.swish'], numRuns: 20 });
    if (isLeft(r)) throw new Error(r.left.message);
    expect(r.right.ops).toEqual([expect.objectContaining({ op: 'myorg.swish', ownKernel: true })]);
  });

  it('runs for eager calls on the js backend, and the reference forward elsewhere', () => {
    const plain: Backend = { name: 'plain', kernels: {} };
    const x = tensor([-2, 0.5, 3], { dtype: 'float64' });
    const viaKernel = swish(x, { beta: 1.25 });
    const viaForward = withBackend(plain, () => swish(x, { beta: 1.25 }));
    [-2, 0.5, 3].forEach((v, i) => {
      expect(viaKernel.data[i]).toBeCloseTo(reference(v, 1.25), 14);
      expect(viaForward.data[i]).toBe(viaKernel.data[i]);
    });
  });
});

describe('registering swish from outside the standard library', () => {
  const net = (x: Tensor, w: Tensor, b: Tensor): Tensor => sum(swish(add(matmul(x, w), b), { beta: 1.5 }));
  const x = tensor([[0.5, -1], [2, 0.25], [-0.75, 1]]);
  const w = tensor([[1, -0.5, 0.25], [0.5, 2, -1]]);
  const b = tensor([0.1, -0.2, 0.3]);

  it('round-trips a graph that uses it through JSON with the extended registry', () => {
    const g = trace(net, abstract([3, 2]), abstract([2, 3]), abstract([3]));
    const json = JSON.stringify(encodeGraph(g));
    expect(json).toContain('"op":"myorg.swish"');
    const decoded = decodeGraph(json, extended());
    if (isLeft(decoded)) throw new Error(decoded.left.message);
    expect(JSON.stringify(encodeGraph(decoded.right))).toBe(json);
    expect(evaluate(decoded.right, [x, w, b])[0].data[0]).toBe(net(x, w, b).data[0]);
  });

  it('round-trips the gradient graph too', () => {
    const dnet = grad(net, { argnums: [1, 2] });
    const g = trace(dnet, abstract([3, 2]), abstract([2, 3]), abstract([3]));
    const decoded = decodeGraph(JSON.stringify(encodeGraph(g)), extended());
    if (isLeft(decoded)) throw new Error(decoded.left.message);
    const [gw, gb] = evaluate(decoded.right, [x, w, b]);
    const [ew, eb] = dnet(x, w, b) as Tensor[];
    expect(Array.from(gw.data)).toEqual(Array.from(ew.data));
    expect(Array.from(gb.data)).toEqual(Array.from(eb.data));
  });

  it('is unknown to the standard registry alone, and its name is taken once registered', () => {
    const json = JSON.stringify(encodeGraph(trace((v: Tensor) => swish(v), abstract([2]))));
    const plain = decodeGraph(json, standardRegistry());
    expect(isLeft(plain) && plain.left.message).toContain("unknown op 'myorg.swish'");
    const reg = extended();
    expect(isRight(reg.with(swish))).toBe(true);
    const impostor = defineOp({ ...swish, name: 'myorg.swish', attrs: t.type({}) });
    const clash = reg.with(impostor);
    expect(isLeft(clash) && clash.left._tag).toBe('NameClash');
  });
});
