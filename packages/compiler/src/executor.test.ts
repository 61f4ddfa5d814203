import { describe, expect, it } from 'vitest';
import * as t from 'io-ts';
import { right } from 'fp-ts/lib/Either.js';
import {
  ChainruleError, abstract, defineOp, add, exp, grad, interpreter, jit, jsBackend, key, log, matmul, mul, getExecutor, setExecutor, sigmoid, withDebugNans,
  softmaxCrossEntropy, sum, tensor, trace, treeLeaves, valueAndGrad, type Backend, type Executor, type FloatArray, type Tensor,
} from '@chainrule/core';
import { mlp, type Params } from '@chainrule/nn';
import { adam, applyUpdates, type OptimizerState } from '@chainrule/optim';
import { compile, compiler } from './executor.js';

const seq = (n: number, shift = 0) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.61 + shift));

describe('compile', () => {
  it('runs a network step like the interpreter (float64: to rounding of the matmul sums)', () => {
    const loss = (w: Tensor, b: Tensor, x: Tensor, y: Tensor) => mul(sum(softmaxCrossEntropy(add(matmul(x, w), b), y)), 0.25);
    const step = (w: Tensor, b: Tensor, x: Tensor, y: Tensor) => valueAndGrad(loss, { argnums: [0, 1] })(w, b, x, y);
    const shapes = [[3, 5], [5], [4, 3], [4, 5]];
    const g = trace(step, ...shapes.map((s) => abstract(s, 'float64')));
    const feeds = shapes.map((s, k) => tensor(seq(s.reduce((a, c) => a * c, 1), k), { shape: s, dtype: 'float64' }));
    const want = interpreter.compile(g)(feeds);
    const { run, passes } = compile(g, { backend: jsBackend });
    expect(passes.graph.nodes.length).toBeLessThan(g.nodes.length);
    const got = run(feeds);
    got.forEach((t, k) => Array.from(t.data).forEach((v, i) => expect(v).toBeCloseTo(want[k].data[i], 12)));
  });

  it('returns fresh outputs: a jitted training step never hands out the arena', () => {
    const model = mlp({ sizes: [6, 8, 3], activation: 'sigmoid' });
    const opt = adam({ learningRate: 0.01 });
    const objective = (p: Params, x: Tensor, y: Tensor) => mul(sum(softmaxCrossEntropy(model.apply(p, x), y)), 0.5);
    const trainStep = (p: Params, s: OptimizerState, x: Tensor, y: Tensor): [Params, OptimizerState, Tensor] => {
      const [l, g] = valueAndGrad(objective)(p, x, y);
      const { updates, state } = opt.update(g, s, p);
      return [applyUpdates(p, updates), state, l];
    };
    const arenaBuffers = new Set<ArrayBufferLike>();
    const watching: Executor = {
      name: 'compiler-watched',
      compile: (graph, options) => {
        const c = compile(graph, { ...options, afterNode: (node, out) => {
          if (c.plan.storage[node.id].kind === 'arena') arenaBuffers.add(out.buffer);
        } });
        return c.run;
      },
    };
    const step = jit(trainStep, { executor: watching });
    const x = tensor(seq(12), { shape: [2, 6] });
    const y = tensor([[1, 0, 0], [0, 0, 1]]);
    const p0 = model.init(key(1));
    const s0 = opt.init(p0);
    const [p1, s1, l1] = step(p0, s0, x, y);
    const copies = treeLeaves([p1, s1, l1]).map((t) => Array.from((t as Tensor).data));
    const [p2, s2] = step(p1, s1, x, y);
    // The first call's results are untouched by the second call.
    expect(treeLeaves([p1, s1, l1]).map((t) => Array.from((t as Tensor).data))).toEqual(copies);
    expect(arenaBuffers.size).toBeGreaterThan(0);
    const results = [...treeLeaves([p1, s1, l1]), ...treeLeaves([p2, s2])] as Tensor[];
    for (const t of results) expect(arenaBuffers.has(t.data.buffer)).toBe(false);
    // And the second call's parameters are what the interpreter computes.
    const ref = jit(trainStep, { executor: interpreter });
    const [q1, r1] = ref(p0, s0, x, y);
    const [q2] = ref(q1, r1, x, y);
    const a = treeLeaves(p2) as Tensor[], b = treeLeaves(q2) as Tensor[];
    a.forEach((t, k) => Array.from(t.data).forEach((v, i) => expect(v).toBeCloseTo(b[k].data[i], 5)));
  });

  it("runs a backend's kernels into the arena", () => {
    let calls = 0;
    const backend: Backend = {
      name: 'summing',
      kernels: {
        'core.sum': ([x], out) => {
          calls++;
          let s = 0;
          for (let i = 0; i < x.length; i++) s += x[i];
          out[0] = s;
        },
      },
    };
    const g = trace((x) => exp(sum(exp(x))), abstract([3], 'float64'));
    const c = compile(g, { backend });
    const sumNode = c.passes.graph.nodes.find((n) => n.op.name === 'core.sum')!;
    expect(c.plan.storage[sumNode.id].kind).toBe('arena');
    const [y] = c.run([tensor([0, 1, 2], { dtype: 'float64' })]);
    expect(calls).toBe(1);
    expect(y.data[0]).toBeCloseTo(Math.exp(1 + Math.E + Math.exp(2)), 9);
  });

  it('treats an aliasing op that changes the size as an ordinary op', () => {
    // A plugin whose output is a view of the first half of its input's buffer.
    const head = defineOp({
      name: 'test.head',
      kind: 'movement',
      aliases: true,
      attrs: t.type({}),
      arity: 1,
      infer: ([x]) => right({ shape: [x.shape[0] / 2], dtype: x.dtype }),
      forward: ([x]) => x.data.subarray(0, x.size / 2),
      vjp: () => [null],
    });
    const g = trace((x) => exp(head(mul(x, 2))), abstract([4]));
    const c = compile(g);
    expect(c.plan.storage.map((s) => s.kind)).not.toContain('alias');
    expect(Array.from(c.run([tensor([0, 1, 2, 3])])[0].data)).toEqual(Array.from(interpreter.compile(g)([tensor([0, 1, 2, 3])])[0].data));
  });

  it('handles the odd graphs: an input or a constant returned, an output twice, empty tensors', () => {
    const c = tensor([7, 8]);
    const g = trace((x, e) => {
      const y = exp(x);
      return [x, c, y, y, mul(e, 2)];
    }, abstract([2]), abstract([0, 3]));
    const x = tensor([0, 1]), e = tensor(new Float32Array(0), { shape: [0, 3] });
    const [rx, rc, y1, y2, re] = compile(g).run([x, e]);
    expect(rx).toBe(x);
    expect(Array.from(rc.data)).toEqual([7, 8]);
    expect(y1.data[1]).toBeCloseTo(Math.E, 6);
    expect(y2).toBe(y1);
    expect(re.shape).toEqual([0, 3]);
  });

  it("leaves unfused the ops the backend has its own kernels for, and runs those kernels", () => {
    let calls = 0;
    const backend: Backend = {
      name: 'own-sigmoid',
      kernels: {
        'core.sigmoid': ([x], out) => {
          calls++;
          for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
        },
      },
    };
    const g = trace((x) => mul(sigmoid(mul(x, 2)), 3), abstract([3], 'float64'));
    const c = compile(g, { backend });
    expect(c.passes.graph.nodes.map((n) => n.op.name)).toEqual(['core.input', 'compiler.fused', 'core.sigmoid', 'compiler.fused']);
    const [y] = c.run([tensor([0, 1, -1], { dtype: 'float64' })]);
    expect(calls).toBe(1);
    [0, 1, -1].forEach((v, i) => expect(y.data[i]).toBeCloseTo(3 / (1 + Math.exp(-2 * v)), 12));
    // On js, with no kernel of its own, the three ops are one loop.
    expect(compile(g, { backend: jsBackend }).passes.graph.nodes.map((n) => n.op.name)).toEqual(['core.input', 'compiler.fused']);
  });

  it('calls afterNode once per compiled node with its output', () => {
    const g = trace((x) => sum(exp(mul(x, 2))), abstract([3]));
    const seen: [string, number[]][] = [];
    // On js (a suite run on wasm makes wasm the default, whose own kernels stay unfused).
    const c = compile(g, { backend: jsBackend, afterNode: (node, out: FloatArray) => seen.push([node.op.name, Array.from(out)]) });
    c.run([tensor([0, 1, 2])]);
    expect(seen.map((s) => s[0])).toEqual(['compiler.fused', 'core.sum']);
    expect(seen[0][1][1]).toBeCloseTo(Math.exp(2), 5);
  });

  it('replays the original graph under another transform', () => {
    const g = trace((x) => sigmoid(mul(x, x)), abstract([2], 'float64'));
    const { run } = compile(g);
    const dx = grad((x: Tensor) => sum(run([x])[0]))(tensor([0.5, -1], { dtype: 'float64' }));
    const s = (v: number) => 1 / (1 + Math.exp(-v * v));
    [0.5, -1].forEach((v, i) => expect(dx.data[i]).toBeCloseTo(s(v) * (1 - s(v)) * 2 * v, 12));
  });

  it('rejects feeds of the wrong count or shape with a clear error', () => {
    const { run } = compile(trace((x) => exp(x), abstract([2])));
    expect(() => run([])).toThrow(ChainruleError);
    expect(() => run([])).toThrow(/takes 1 inputs, got 0/);
    expect(() => run([tensor([1, 2, 3])])).toThrow(/input 0 expects float32\[2\]/);
  });
});

describe('compiler as the default executor', () => {
  it('is what jit uses once installed with setExecutor, and the interpreter after it is restored', () => {
    const names: string[] = [];
    const counting: Executor = { name: 'counting', compile: (g, o) => (names.push('compiled'), compiler.compile(g, o)) };
    const previous = setExecutor(counting);
    try {
      expect(getExecutor()).toBe(counting);
      const f = jit((x: Tensor) => exp(x));
      expect(Array.from(f(tensor([0])).data)).toEqual([1]);
      f(tensor([1]));
      expect(names).toEqual(['compiled']);
    } finally {
      setExecutor(previous);
    }
    expect(getExecutor()).toBe(interpreter);
    expect(() => setExecutor({} as Executor)).toThrow(/an executor is an object/);
  });
});

describe('NaN anomaly mode', () => {
  it('runs the graph as traced on the interpreter, naming the op that made the NaN', () => {
    const f = (x: Tensor) => sum(mul(exp(x), log(x)));
    const x = tensor([1, -1]);
    expect(Number.isNaN(jit(f, { executor: compiler })(x).item())).toBe(true);
    const thrown = (run: () => unknown): ChainruleError => {
      try {
        run();
      } catch (e) {
        return e as ChainruleError;
      }
      throw new Error('expected a NonFinite error');
    };
    const e = thrown(() => jit(f, { executor: compiler, debugNans: true })(x));
    expect(e.code).toBe('NonFinite');
    expect(e.op).toBe('core.log');
    expect(e.message).toMatch(/produced 1 NaN .*\(node 2\)/);
    expect(thrown(() => withDebugNans(() => compile(trace(f, abstract([2]))).run([x]))).op).toBe('core.log');
  });

  it('keeps where autodiff made each node through the passes', () => {
    const g = trace(grad((x: Tensor) => sum(sigmoid(mul(x, x)))), abstract([2]));
    const c = compile(g, { passes: [] });
    expect(c.passes.graph.nodes.filter((n) => n.origin?.pass === 'backward').length).toBe(g.nodes.filter((n) => n.origin?.pass === 'backward').length);
    const after = compile(g).passes.graph;
    for (const n of after.nodes) if (n.origin?.node !== undefined) expect(n.origin.node).toBeLessThan(after.nodes.length);
  });
});
