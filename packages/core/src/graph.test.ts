import { describe, it, expect } from 'vitest';
import * as t from 'io-ts';
import { right } from 'fp-ts/lib/Either.js';
import {
  trace, abstract, encodeGraph, decodeGraph, evaluate, coreRegistry, Registry, defineOp, grad, sum, mul, sigmoid, matmul,
  softmaxCrossEntropy, tensor, toNested, add, exp, MAX_ELEMENTS, type Tensor,
} from './index.js';

const seedLoss = (w: Tensor, x: Tensor, y: Tensor) => sum(softmaxCrossEntropy(matmul(x, w), y));

describe('graph JSON', () => {
  it('round-trips a traced graph and its gradient graph, and both still compute the same', () => {
    const specs = [abstract([3, 2], 'float64'), abstract([4, 3], 'float64'), abstract([4, 2], 'float64')];
    const feeds = [
      tensor([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], { dtype: 'float64' }),
      tensor([[1, 2, 3], [0, 1, 0], [2, 2, 2], [-1, 0, 1]], { dtype: 'float64' }),
      tensor([[1, 0], [0, 1], [1, 0], [0, 1]], { dtype: 'float64' }),
    ];
    for (const f of [seedLoss, grad(seedLoss)]) {
      const g = trace(f, ...specs);
      const json = JSON.stringify(encodeGraph(g));
      const decoded = decodeGraph(json, coreRegistry());
      expect(decoded._tag).toBe('Right');
      if (decoded._tag !== 'Right') return;
      expect(decoded.right.nodes.map((n) => n.op.name)).toEqual(g.nodes.map((n) => n.op.name));
      expect(JSON.stringify(encodeGraph(decoded.right))).toBe(json);
      const [a] = evaluate(g, feeds), [b] = evaluate(decoded.right, feeds);
      expect(toNested(b)).toEqual(toNested(a));
    }
  });
  it('captured constants are stored in the JSON', () => {
    const w = tensor([1, 2, NaN]);
    const g = trace((x: Tensor) => mul(x, w), abstract([3]));
    const back = decodeGraph(JSON.parse(JSON.stringify(encodeGraph(g))), coreRegistry());
    if (back._tag !== 'Right') throw new Error(back.left.message);
    expect(toNested(evaluate(back.right, [tensor([1, 1, 1])])[0])).toEqual([1, 2, NaN]);
  });
  it('malformed JSON gives a readable Left naming the path and the problem', () => {
    const reg = coreRegistry();
    const good = encodeGraph(trace((x: Tensor) => sigmoid(x), abstract([2])));
    const bad = (mutate: (g: any) => void): string => {
      const g = JSON.parse(JSON.stringify(good));
      mutate(g);
      const r = decodeGraph(g, reg);
      if (r._tag === 'Right') throw new Error('expected a Left');
      return r.left.message;
    };
    expect(decodeGraph('{not json', reg)).toMatchObject({ _tag: 'Left', left: { message: expect.stringMatching(/not valid JSON/) } });
    expect(bad((g) => (g.version = 2))).toMatch(/version: expected 1, got 2/);
    expect(bad((g) => (g.nodes[1].op = 'acme.nope'))).toMatch(/nodes\[1\]\.op: unknown op 'acme\.nope'/);
    expect(bad((g) => (g.nodes[1].shape = [3]))).toMatch(/nodes\[1\]: declared float32\[3\] but core\.sigmoid gives float32\[2\]/);
    expect(bad((g) => (g.nodes[1].inputs = [1]))).toMatch(/nodes\[1\]\.inputs\[0\]: 1 is not an earlier node/);
    expect(bad((g) => (g.nodes[0].shape = [-1]))).toMatch(/nodes\[0\]\.shape\[0\] must be a non-negative integer, got -1/);
    expect(bad((g) => (g.outputs = [7]))).toMatch(/outputs\[0\]: node 7 does not exist/);
  });
  it('a bad attrs value in JSON is reported under the node path', () => {
    const g = encodeGraph(trace((x: Tensor) => sum(x, { axis: 0 }), abstract([2])));
    const j = JSON.parse(JSON.stringify(g));
    j.nodes[1].attrs.axis = 'zero';
    const r = decodeGraph(j, coreRegistry());
    expect(r._tag === 'Left' && r.left.message).toMatch(/nodes\[1\]\.attrs: axis: expected \(number \| ReadonlyArray<number>\), got "zero"$/);
  });
});

describe('graph JSON: only valid graphs decode', () => {
  const reg = coreRegistry();
  // A two-node document: one input x of shape [3] and one node `op(x)`.
  const doc = (op: string, attrs: unknown, shape: readonly unknown[], extra: Record<string, unknown> = {}) => ({
    version: 1,
    nodes: [
      { id: 0, op: 'core.input', inputs: [], attrs: {}, shape: [3], dtype: 'float32' },
      { id: 1, op, inputs: [0], attrs, shape, dtype: 'float32' },
    ],
    inputs: [0],
    outputs: [1],
    ...extra,
  });
  const leftOf = (value: unknown) => {
    const r = decodeGraph(value, reg);
    if (r._tag === 'Right') throw new Error('expected a Left');
    return r.left;
  };
  it('the document template decodes when nothing is wrong', () => {
    expect(decodeGraph(doc('core.oneHot', { depth: 4 }, [3, 4]), reg)._tag).toBe('Right');
  });
  it('a core.input node missing from inputs is a Left, so evaluate never meets an unfed input', () => {
    expect(leftOf(doc('core.sigmoid', {}, [3], { inputs: [] })).message).toMatch(/nodes\[0\]: a core\.input node that is not listed in inputs/);
    expect(leftOf(doc('core.sigmoid', {}, [3], { inputs: [0, 0] })).message).toMatch(/inputs\[1\]: node 0 is listed twice/);
  });
  it('dims must be non-negative safe integers', () => {
    for (const bad of [1e300, 2 ** 53 + 2, -1, 1.5]) {
      const d = doc('core.sigmoid', {}, [3]);
      d.nodes[0].shape = [bad];
      expect(leftOf(d).message).toMatch(/nodes\[0\]\.shape/);
    }
  });
  it('attrs that make an op allocate past MAX_ELEMENTS are refused at decode with TooLarge', () => {
    // Declared shapes small (so only infer sees the size), and declared as the op would give.
    for (const [op, attrs, shape] of [
      ['core.oneHot', { depth: 1e9 }, [3, 2]],
      ['core.oneHot', { depth: 1e9 }, [3, 1e9]],
      ['core.broadcastTo', { shape: [1e5, 1e5] }, [1e5, 1e5]],
      ['core.broadcastTo', { shape: [1e5, 1e5, 3] }, [3]],
    ] as const) {
      const l = leftOf(doc(op, attrs, shape));
      expect(l.code).toBe('TooLarge');
      expect(l.message).toMatch(/over the limit of 268435456/);
    }
    expect(MAX_ELEMENTS).toBe(2 ** 28);
  });
  it('nodes that are each under the ceiling but together over it are refused', () => {
    const big = 2 ** 26;
    const nodes = [{ id: 0, op: 'core.input', inputs: [], attrs: {}, shape: [big], dtype: 'float32' }];
    for (let i = 1; i < 5; i++) nodes.push({ id: i, op: 'core.sigmoid', inputs: [i - 1], attrs: {}, shape: [big], dtype: 'float32' });
    const l = leftOf({ version: 1, nodes, inputs: [0], outputs: [4] });
    expect(l.code).toBe('TooLarge');
    expect(l.message).toMatch(/nodes\[4\]: the nodes up to here hold 335544320 elements together/);
  });
  it('deeply nested input is a Left naming the limit, never a stack overflow', () => {
    for (const depth of [5000, 100000]) {
      const text = `{"version":1,"nodes":[{"id":0,"op":"core.input","inputs":[],"attrs":${'['.repeat(depth)}${']'.repeat(depth)},"shape":[3],"dtype":"float32"}],"inputs":[0],"outputs":[0]}`;
      const l = leftOf(text);
      expect(l.code).toBe('TooLarge');
      expect(l.message).toMatch(/nested deeper than 64 levels/);
      expect(l.message.length).toBeLessThan(400);
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(leftOf(doc('core.sigmoid', cyclic, [3])).message).toMatch(/nested deeper than 64 levels \(or cyclic\)/);
  });
  it('a huge bad value is quoted as a short preview', () => {
    const l = leftOf(doc('x'.repeat(5_000_000), {}, [3]));
    expect(l.message).toMatch(/unknown op 'xxxx/);
    expect(l.message.length).toBeLessThan(200);
    const many = leftOf({ version: 1, nodes: Array.from({ length: 100000 }, () => 'junk'), inputs: [], outputs: [] });
    expect(many.message).toMatch(/and 99992 more problems/);
  });
  it('__proto__, constructor and prototype keys are refused', () => {
    for (const k of ['__proto__', 'constructor', 'prototype']) {
      const text = JSON.stringify(doc('core.sum', { axis: 0 }, [])).replace('"axis":0', `"axis":0,"${k}":{"keepDims":true}`);
      expect(leftOf(text).message).toMatch(new RegExp(`nodes\\[1\\]\\.attrs\\.${k}: key '${k}' is not allowed`));
    }
  });
  it('unknown attr keys are refused with a suggestion', () => {
    expect(leftOf(doc('core.sum', { axes: [0] }, [])).message).toMatch(/nodes\[1\]\.attrs: unknown attr "axes" \(did you mean 'axis'\?\)/);
  });
  it('a value whose getters throw gives a Left, not an exception', () => {
    const hostile = doc('core.sigmoid', {}, [3]);
    Object.defineProperty(hostile.nodes[1], 'op', { get: () => { throw new Error('boom'); }, enumerable: true });
    expect(leftOf(hostile).message).toMatch(/could not be decoded \(boom\)/);
  });
});

describe('Registry', () => {
  const twin = defineOp({
    name: 'core.add',
    attrs: t.type({}),
    arity: 2,
    infer: ([a]) => right(a),
    forward: ([a]) => a.data,
    vjp: ({ cotangent }) => [cotangent, cotangent],
  });
  it('with returns a new registry and leaves the old one unchanged', () => {
    const swishLike = defineOp({
      name: 'test.double',
      attrs: t.type({}),
      arity: 1,
      infer: ([a]) => right(a),
      forward: ([a]) => a.data.map((v) => 2 * v),
      vjp: ({ cotangent }) => [mul(cotangent, 2)],
    });
    const base = coreRegistry();
    const next = base.with(swishLike);
    expect(next._tag).toBe('Right');
    expect(base.has('test.double')).toBe(false);
    expect(next._tag === 'Right' && next.right.has('test.double')).toBe(true);
    expect(next._tag === 'Right' && next.right.with(swishLike)._tag).toBe('Right'); // same plugin twice is fine
  });
  it('a name clash with a different plugin is a Left', () => {
    const r = coreRegistry().with(twin);
    expect(r._tag).toBe('Left');
    expect(r._tag === 'Left' && r.left.message).toMatch(/'core\.add' is already registered/);
    expect(Registry.of(add, exp, twin)._tag).toBe('Left');
  });
  it('defineOp rejects malformed plugin definitions with a message', () => {
    expect(() => defineOp({ name: 'nonamespace' } as never)).toThrow(/namespaced/);
    expect(() => defineOp({ name: 'a.b', attrs: {} } as never)).toThrow(/io-ts codec/);
    expect(() => defineOp({ name: 'a.b', attrs: t.type({}), arity: 1, infer: () => right({ shape: [], dtype: 'float32' }), forward: () => new Float32Array(1) } as never)).toThrow(/vjp must be a function/);
  });
});

describe('formatErrors', () => {
  it('names paths through intersections and unions without member indices', async () => {
    const { formatErrors } = await import('./codec.js');
    const codec = t.intersection([t.type({ padding: t.string }), t.partial({ strides: t.union([t.number, t.array(t.number)]) })]);
    const r = codec.decode({ padding: 3, strides: 'x' });
    if (r._tag !== 'Left') throw new Error('expected a Left');
    expect(formatErrors(r.left)).toBe('padding: expected string, got 3; strides: expected (number | Array<number>), got "x"');
  });
});

describe('kernel output checks', () => {
  it('a forward kernel that returns the wrong size or dtype is reported with the op name', () => {
    const short = defineOp({
      name: 'test.short',
      attrs: t.type({}),
      arity: 1,
      infer: ([a]) => right(a),
      forward: ([a]) => new Float32Array(a.size - 1),
      vjp: ({ cotangent }) => [cotangent],
    });
    expect(() => short(tensor([1, 2, 3]))).toThrow(/BadRule: forward returned 2 Float32Array values for an output of float32\[3\].*test\.short/);
    expect(() => short(tensor([1, 2], { dtype: 'float64' }))).toThrow(/BadRule.*test\.short/);
  });
});
