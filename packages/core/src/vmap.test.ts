import { describe, it, expect, vi } from 'vitest';
import * as t from 'io-ts';
import { right } from 'fp-ts/lib/Either.js';
import {
  tensor, vmap, grad, valueAndGrad, jvp, jit, mul, add, sub, exp, sigmoid, sum, matmul, reshape, broadcastTo, moveAxis,
  softmax, logSoftmax, softmaxCrossEntropy, oneHot, defineOp, allocate, ChainruleError, type Tensor,
} from './index.js';
import { unstack, stack, seeded, maxDiff } from '../test/batch.js';

/** The reference: f applied to each example in a JavaScript loop, results stacked. */
const loop = (f: (...xs: Tensor[]) => Tensor, args: readonly (Tensor | null)[], fixed: readonly Tensor[] = []) => {
  const n = args.find((a) => a !== null)!.shape[0];
  const per = args.map((a) => (a === null ? null : unstack(a)));
  return stack(Array.from({ length: n }, (_, b) => f(...per.map((p, k) => (p === null ? fixed[k] : p[b])))));
};

describe('vmap equals a loop', () => {
  const x = seeded([4, 2, 3], 1), y = seeded([4, 3], 2), w = seeded([3, 5], 3);
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ['elementwise chain', (a) => exp(sigmoid(a)), [x]],
    ['broadcast of ranks 2 and 1', (a, b) => mul(a, b), [x, y]],
    ['sum over all axes', (a) => sum(a), [x]],
    ['sum over axis -1 kept', (a) => sum(a, { axis: -1, keepDims: true }), [x]],
    ['matmul of two batched operands', (a, b) => matmul(a, reshape(b, { shape: [3, 1] })), [x, y]],
    ['reshape with -1', (a) => reshape(a, { shape: [-1] }), [x]],
    ['broadcastTo a larger rank', (b) => broadcastTo(b, { shape: [2, 3] }), [y]],
    ['moveAxis', (a) => moveAxis(a, { source: 0, destination: -1 }), [x]],
    ['softmax and logSoftmax', (a) => add(softmax(a, { axis: 0 }), logSoftmax(a)), [x]],
    ['softmaxCrossEntropy with probability labels', (a, b) => softmaxCrossEntropy(a, softmax(b)), [x, x]],
  ];
  for (const [name, f, args] of cases) {
    it(name, () => {
      expect(maxDiff(vmap(f)(...args), loop(f, args))).toBeLessThan(1e-12);
    });
  }

  it('an unbatched argument (null in inAxes) is shared by every example', () => {
    const f = (a: Tensor, m: Tensor) => matmul(a, m);
    expect(maxDiff(vmap(f, { inAxes: [0, null] })(x, w), loop(f, [x, null], [x, w]))).toBeLessThan(1e-12);
    const g = (m: Tensor, a: Tensor) => matmul(reshape(a, { shape: [1, 3] }), m);
    expect(maxDiff(vmap(g, { inAxes: [null, 0] })(w, y), loop(g, [null, y], [w]))).toBeLessThan(1e-12);
  });

  it('oneHot of batched class indices', () => {
    const idx = tensor([[0, 2], [1, 1], [2, 0]], { dtype: 'float64' });
    const f = (i: Tensor) => oneHot(i, { depth: 3 });
    expect(maxDiff(vmap(f)(idx), loop(f, [idx]))).toBe(0);
  });

  it('inAxes and outAxes other than 0 move the batch axis', () => {
    const f = (a: Tensor) => sum(a, { axis: 0 });
    // x is [4, 2, 3]; batching along axis 2 maps over its 3 slices of shape [4, 2].
    const got = vmap(f, { inAxes: 2, outAxes: 1 })(x);
    const want = moveAxis(loop(f, [moveAxis(x, { source: 2, destination: 0 })]), { source: 0, destination: 1 });
    expect(got.shape).toEqual([2, 3]);
    expect(maxDiff(got, want)).toBeLessThan(1e-12);
  });

  it('pytrees in and out, with a prefix spec per argument', () => {
    const params = { w: w, b: seeded([5], 4) };
    const f = (p: { w: Tensor; b: Tensor }, a: Tensor) => ({ out: add(matmul(reshape(a, { shape: [1, 3] }), p.w), p.b), scale: p.b });
    const r = vmap(f, { inAxes: [{ w: null, b: null }, 0], outAxes: { out: 0, scale: null } })(params, y);
    expect(r.scale).toBe(params.b);
    expect(maxDiff(r.out, loop((a) => f(params, a).out, [y]))).toBeLessThan(1e-12);
  });

  it('an output that does not depend on the batch is broadcast over it', () => {
    const r = vmap((_a: Tensor, m: Tensor) => sum(m), { inAxes: [0, null] })(y, w);
    expect(r.shape).toEqual([4]);
    expect(maxDiff(r, stack(unstack(y).map(() => sum(w))))).toBeLessThan(1e-12);
  });
});

describe('nested vmap', () => {
  it('vmap(vmap(f)) over two axes equals a double loop (pairwise squared distances)', () => {
    const a = seeded([3, 2], 5), b = seeded([4, 2], 6);
    const d2 = (p: Tensor, q: Tensor) => sum(mul(sub(p, q), sub(p, q)));
    const got = vmap((p: Tensor) => vmap((q: Tensor) => d2(p, q))(b))(a);
    const want = stack(unstack(a).map((p) => stack(unstack(b).map((q) => d2(p, q)))));
    expect(got.shape).toEqual([3, 4]);
    expect(maxDiff(got, want)).toBeLessThan(1e-12);
  });

  it('both levels batched on the same argument', () => {
    const z = seeded([2, 3, 4], 7);
    const got = vmap(vmap((r: Tensor) => softmax(r)))(z);
    const want = stack(unstack(z).map((m) => stack(unstack(m).map((r) => softmax(r)))));
    expect(maxDiff(got, want)).toBeLessThan(1e-12);
  });
});

describe('vmap composes with grad, jvp and jit', () => {
  const w = seeded([3, 2], 11), xs = seeded([5, 3], 12), ys = seeded([5, 2], 13);
  // One example's loss: squared error of a sigmoid layer.
  const loss = (m: Tensor, x: Tensor, y: Tensor) => {
    const p = sigmoid(matmul(reshape(x, { shape: [1, 3] }), m));
    const e = sub(reshape(p, { shape: [2] }), y);
    return sum(mul(e, e));
  };

  it('vmap(grad(loss)) gives per-example gradients equal to a loop of grads', () => {
    const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })(w, xs, ys);
    const want = stack(unstack(xs).map((x, b) => grad(loss)(w, x, unstack(ys)[b]) as Tensor));
    expect(perExample.shape).toEqual([5, 3, 2]);
    expect(maxDiff(perExample, want)).toBeLessThan(1e-12);
  });

  it('grad of a vmapped sum equals the sum of the per-example gradients', () => {
    const total = (m: Tensor) => sum(vmap((x: Tensor, y: Tensor) => loss(m, x, y))(xs, ys));
    const want = sum(vmap(grad(loss), { inAxes: [null, 0, 0] })(w, xs, ys), { axis: 0 });
    expect(maxDiff(grad(total)(w), want)).toBeLessThan(1e-12);
  });

  it('jit(vmap(grad)) and vmap(jit(grad)) agree with the eager result', () => {
    const eager = vmap(grad(loss), { inAxes: [null, 0, 0] })(w, xs, ys);
    const a = jit(vmap(grad(loss), { inAxes: [null, 0, 0] }));
    expect(maxDiff(a(w, xs, ys), eager)).toBeLessThan(1e-12);
    expect(a.traceCount).toBe(1);
    expect(maxDiff(vmap(jit(grad(loss)), { inAxes: [null, 0, 0] })(w, xs, ys), eager)).toBeLessThan(1e-12);
  });

  it('jvp of a vmapped function and vmap of a jvp equal a loop of jvps', () => {
    const f = (x: Tensor) => exp(mul(sigmoid(x), x));
    const tan = seeded([5, 3], 14);
    const want = stack(unstack(xs).map((x, b) => jvp(f, [x], [unstack(tan)[b]])[1] as Tensor));
    expect(maxDiff(jvp(vmap(f), [xs], [tan])[1] as Tensor, want)).toBeLessThan(1e-12);
    expect(maxDiff(vmap((x: Tensor, v: Tensor) => jvp(f, [x], [v])[1] as Tensor)(xs, tan), want)).toBeLessThan(1e-12);
  });

  it('grad(grad) through vmap: second derivatives per example', () => {
    const d2 = vmap(grad(grad((x: Tensor) => sum(mul(sigmoid(x), x)))));
    const v = seeded([4], 15);
    const s = (u: number) => 1 / (1 + Math.exp(-u));
    const want = Array.from(v.data).map((u) => s(u) * (1 - s(u)) * (2 + u * (1 - 2 * s(u))));
    Array.from(d2(v).data).forEach((g, i) => expect(g).toBeCloseTo(want[i], 12));
  });

  it('valueAndGrad under vmap batches both the values and the gradients', () => {
    const [vals, grads] = vmap(valueAndGrad(loss), { inAxes: [null, 0, 0] })(w, xs, ys) as [Tensor, Tensor];
    expect(vals.shape).toEqual([5]);
    expect(grads.shape).toEqual([5, 3, 2]);
    unstack(xs).forEach((x, b) => expect(vals.data[b]).toBeCloseTo(loss(w, x, unstack(ys)[b]).item(), 12));
  });
});

// A third-party op with no batch rule and an opaque kind: doubles its input's elements in reverse order.
const reverseTwice = defineOp({
  name: 'test.reverseTwice',
  attrs: t.type({}),
  arity: 1,
  infer: ([a]) => right(a),
  forward: ([a], _, out) => {
    const o = allocate(out.dtype, a.size);
    for (let i = 0; i < a.size; i++) o[i] = 2 * a.data[a.size - 1 - i];
    return o;
  },
  vjp: ({ cotangent: g }) => [reverseTwice(g)],
  jvp: ({ tangents: [tx] }) => (tx === null ? null : reverseTwice(tx)),
});

describe('an op without a batch rule', () => {
  it('runs in a loop, warns once naming it, and still differentiates', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const x = seeded([3, 4], 21);
      const f = (a: Tensor) => mul(reverseTwice(a), a);
      expect(maxDiff(vmap(f)(x), loop(f, [x]))).toBeLessThan(1e-12);
      vmap(f)(x);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toContain('test.reverseTwice');
      // Per-example gradients through the loop: its VJP is the op's VJP, batched in turn.
      const g = vmap(grad((a: Tensor) => sum(f(a))))(x);
      expect(maxDiff(g, stack(unstack(x).map((a) => grad((b: Tensor) => sum(f(b)))(a) as Tensor)))).toBeLessThan(1e-12);
      // An unbatched input of a looped op gets the sum of its examples' cotangents.
      const shared = seeded([4], 22);
      const h = (m: Tensor) => sum(vmap((a: Tensor) => mul(reverseTwice(m), a))(x));
      const want = stack([grad((m: Tensor) => sum(unstack(x).map((a) => mul(reverseTwice(m), a)).reduce((p, q) => add(p, q))))(shared) as Tensor]);
      expect(maxDiff(reshape(grad(h)(shared), { shape: [1, 4] }), want)).toBeLessThan(1e-12);
      // Forward mode and a nested vmap pass through the loop as well.
      const tan = seeded([3, 4], 23);
      expect(maxDiff(jvp(vmap(reverseTwice), [x], [tan])[1] as Tensor, vmap(reverseTwice)(tan))).toBeLessThan(1e-12);
      const z = seeded([2, 3, 4], 24);
      expect(maxDiff(vmap(vmap(reverseTwice))(z), stack(unstack(z).map((m) => stack(unstack(m).map((r) => reverseTwice(r))))))).toBeLessThan(1e-12);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('a batch rule that returns the wrong shape is an error naming the op', () => {
    const bad = defineOp({
      name: 'test.badBatch',
      kind: 'elementwise',
      attrs: t.type({}),
      arity: 1,
      infer: ([a]) => right(a),
      forward: ([a]) => a.data.slice(),
      vjp: ({ cotangent: g }) => [g],
      batch: ({ inputs: [a] }) => sum(a, { axis: 0 }),
    });
    expect(() => vmap((a: Tensor) => bad(a))(seeded([3, 2]))).toThrow(/BadRule.*batch rule gave float64\[2\].*test\.badBatch/);
  });
});

describe('vmap argument errors', () => {
  const x = seeded([3, 2]);
  it('names the arguments whose batch sizes differ', () => {
    expect(() => vmap((a: Tensor, b: Tensor) => add(a, b))(x, seeded([4, 2]))).toThrow(/batch sizes differ: args\[0\] has 3.*args\[1\] has 4/);
  });
  it('rejects no batched argument, a wrong inAxes length and an out-of-range axis', () => {
    expect(() => vmap((a: Tensor) => a, { inAxes: null })(x)).toThrow(ChainruleError);
    expect(() => vmap((a: Tensor) => a, { inAxes: [0, 0] })(x)).toThrow(/inAxes has 2 entries for 1 arguments/);
    expect(() => vmap((a: Tensor) => a, { inAxes: 2 })(x)).toThrow(/axis 2 is out of range for rank 2/);
    expect(() => vmap((a: Tensor, b: Tensor) => add(a, b), { inAxes: [0, null], outAxes: null })(x, x)).toThrow(/outAxes is null at output/);
  });
});
