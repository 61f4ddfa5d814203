import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  tensor, grad, valueAndGrad, vjp, jvp, jit, trace, abstract, mul, add, sub, div, exp, log, sigmoid, sum, matmul,
  interpreter, getExecutor, setExecutor, type Executor,
  reshape, broadcastTo, neg, stopGradient, toNested, opCounts, ChainruleError, type Tensor,
} from './index.js';
import { numericGrad, numericDerivative } from '../test/fd.js';

const f64 = (v: number | number[] | number[][]) => tensor(v, { dtype: 'float64' });
const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe('second order', () => {
  // Scalar functions built from sigmoid, exp, log and mul, with their analytic second derivatives.
  const cases: [string, (x: Tensor) => Tensor, (x: number) => number][] = [
    ['sigmoid', (x) => sigmoid(x), (x) => sig(x) * (1 - sig(x)) * (1 - 2 * sig(x))],
    ['exp(2x)', (x) => exp(mul(x, 2)), (x) => 4 * Math.exp(2 * x)],
    ['log(x)·x', (x) => mul(log(x), x), (x) => 1 / x],
    ['x³', (x) => mul(x, mul(x, x)), (x) => 6 * x],
    ['σ(x)·exp(x)', (x) => mul(sigmoid(x), exp(x)), (x) => {
      const s = sig(x), d1 = s * (1 - s), d2 = d1 * (1 - 2 * s);
      return Math.exp(x) * (d2 + 2 * d1 + s);
    }],
  ];
  for (const [name, f, d2] of cases) {
    it(`grad(grad(${name})) matches the analytic second derivative`, () => {
      fc.assert(
        fc.property(fc.double({ min: 0.2, max: 2.5, noNaN: true }), (x0) => {
          const got = grad(grad((x: Tensor) => f(x)))(f64(x0)).item();
          expect(got).toBeCloseTo(d2(x0), 8);
        }),
        { numRuns: 25 },
      );
    });
  }
  it('third order of exp is exp', () => {
    expect(grad(grad(grad((x: Tensor) => exp(x))))(f64(0.7)).item()).toBeCloseTo(Math.exp(0.7), 10);
  });
  it('nested grad that closes over an outer tracer', () => {
    // f(x) = x · d/dy (x·y) = x², so f'' = 2
    const f = (x: Tensor) => mul(x, grad((y: Tensor) => mul(x, y))(f64(3)));
    expect(grad(grad(f))(f64(2)).item()).toBeCloseTo(2, 12);
  });
});

describe('reverse mode adds contributions along several paths', () => {
  it('a value used three times receives the sum of the three contributions', () => {
    // f(x) = Σ (2x + 3x + x·x) ⇒ ∂f/∂x = 2 + 3 + 2x
    const f = (x: Tensor) => sum(add(add(mul(x, 2), mul(x, 3)), mul(x, x)));
    const x = f64([1, -2, 0.5]);
    expect(toNested(grad(f)(x))).toEqual([7, 1, 6]);
    const [, pullback] = vjp((x: Tensor) => [mul(x, 2), mul(x, 3), mul(x, x)], x);
    const [g] = pullback([f64([1, 1, 1]), f64([1, 1, 1]), f64([1, 1, 1])]);
    expect(toNested(g as Tensor)).toEqual([7, 1, 6]);
  });
  it('two parameters with identical values keep separate gradients', () => {
    const p = { a: f64([2]), b: f64([2]) };
    // L = 3a + 5b: identical values, different gradients
    const g = grad((q: typeof p) => sum(add(mul(q.a, 3), mul(q.b, 5))))(p);
    expect(toNested(g.a)).toEqual([3]);
    expect(toNested(g.b)).toEqual([5]);
    // The same tensor object passed twice is still two arguments.
    const t = f64([1.5]);
    const [ga, gb] = grad((a: Tensor, b: Tensor) => sum(mul(a, mul(b, b))), { argnums: [0, 1] })(t, t);
    expect(toNested(ga)).toEqual([2.25]);
    expect(toNested(gb)).toEqual([4.5]);
  });
});

describe('deep graphs', () => {
  it('differentiates a chain of 100,000 ops without stack overflow', () => {
    const n = 100_000;
    const f = (x: Tensor) => {
      let y = x;
      for (let i = 0; i < n; i++) y = mul(y, 1.000001);
      return sum(y);
    };
    const [v, g] = valueAndGrad(f)(f64([1, 2]));
    const factor = Math.pow(1.000001, n);
    expect(v.item()).toBeCloseTo(3 * factor, 6);
    expect(toNested(g as Tensor)).toEqual([expect.closeTo(factor, 6), expect.closeTo(factor, 6)]);
  });
});

describe('transforms', () => {
  it('grad of a pytree argument has the same structure', () => {
    const params = { w: f64([[1, 2], [3, 4]]), b: [f64([0.5, -0.5])] };
    const x = f64([[1, 1]]);
    const loss = (p: typeof params) => sum(sigmoid(add(matmul(x, p.w), p.b[0])));
    const g = grad(loss)(params);
    expect(Object.keys(g).sort()).toEqual(['b', 'w']);
    expect(g.w.shape).toEqual([2, 2]);
    expect(g.b[0].shape).toEqual([2]);
    // Check against finite differences for every leaf.
    const numW = numericGrad((w) => loss({ ...params, w }), params.w);
    Array.from(g.w.data).forEach((v, i) => expect(v).toBeCloseTo(numW[i], 8));
    const numB = numericGrad((b) => loss({ ...params, b: [b] }), params.b[0]);
    Array.from(g.b[0].data).forEach((v, i) => expect(v).toBeCloseTo(numB[i], 8));
  });
  it('hasAux passes the auxiliary output through', () => {
    const [g, aux] = grad((x: Tensor) => [sum(mul(x, x)), { doubled: mul(x, 2), tag: 'ok' }], { hasAux: true })(f64([1, 3]));
    expect(toNested(g)).toEqual([2, 6]);
    expect(toNested(aux.doubled)).toEqual([2, 6]);
    expect(aux.tag).toBe('ok');
  });
  it('grad of a function that ignores its argument is zero', () => {
    expect(toNested(grad((x: Tensor) => sum(f64([1, 2])))(f64([5, 6])))).toEqual([0, 0]);
  });
  it('grad rejects non-scalar outputs and bad argnums with a clear error', () => {
    expect(() => grad((x: Tensor) => mul(x, 2))(f64([1, 2]))).toThrow(/scalar/);
    expect(() => grad((x: Tensor) => sum(x), { argnums: 3 })(f64([1]))).toThrow(/argnums/);
  });
  it('jvp agrees with vjp through the inner-product identity', () => {
    const vec = (n: number, m: number) => fc.array(fc.double({ min: -m, max: m, noNaN: true }), { minLength: n, maxLength: n });
    fc.assert(
      fc.property(vec(4, 2), vec(4, 1), vec(6, 1), (xs, vs, us) => {
        const w = f64([[0.3, -0.2, 0.5], [0.1, 0.4, -0.6]]);
        const f = (x: Tensor) => sigmoid(matmul(x, w));
        const x = tensor(xs, { shape: [2, 2], dtype: 'float64' });
        const v = tensor(vs, { shape: [2, 2], dtype: 'float64' });
        const u = tensor(us, { shape: [2, 3], dtype: 'float64' });
        const [, jv] = jvp(f, [x], [v]);
        const [, pullback] = vjp(f, x);
        const [ju] = pullback(u) as Tensor[];
        const dot = (a: Tensor, b: Tensor) => Array.from(a.data).reduce((s, ai, i) => s + ai * b.data[i], 0);
        // <u, J v> = <J^T u, v>
        expect(dot(u, jv)).toBeCloseTo(dot(ju, v), 10);
      }),
      { numRuns: 25 },
    );
  });
  it('jit traces once per signature and matches eager results', () => {
    const f = (x: Tensor, y: Tensor) => sum(mul(exp(x), y));
    const jf = jit(valueAndGrad(f));
    const x = f64([0.1, 0.2]), y = f64([1, 2]);
    const [v1, g1] = jf(x, y);
    const [v2, g2] = valueAndGrad(f)(x, y);
    expect(v1.item()).toBe(v2.item());
    expect(toNested(g1)).toEqual(toNested(g2));
    jf(f64([3, 4]), y);
    expect(jf.traceCount).toBe(1);
    jf(f64([3, 4, 5]), f64([1, 1, 1]));
    expect(jf.traceCount).toBe(2);
    jf(tensor([3, 4]), tensor([1, 1]));
    expect(jf.traceCount).toBe(3); // float32 is another signature
  });
  it('jit runs on the process default executor, read at each call, one cache entry per executor', () => {
    const seen: string[] = [];
    const spy: Executor = { name: 'spy', compile: (g, o) => (seen.push('spy'), interpreter.compile(g, o)) };
    const jf = jit((x: Tensor) => mul(x, 2));
    jf(f64([1]));
    const previous = setExecutor(spy);
    try {
      expect(getExecutor()).toBe(spy);
      expect(toNested(jf(f64([1])))).toEqual([2]);
      jf(f64([5]));
      expect(seen).toEqual(['spy']);
      expect(jf.traceCount).toBe(2); // the interpreter's entry and the spy's
    } finally {
      setExecutor(previous);
    }
    expect(getExecutor()).toBe(interpreter);
    expect(() => setExecutor(null as unknown as Executor)).toThrow(/an executor is an object \{ name, compile \}, got null/);
  });
  it('jit inside grad is differentiated through', () => {
    const sq = jit((x: Tensor) => mul(x, x));
    expect(toNested(grad((x: Tensor) => sum(sq(x)))(f64([3])))).toEqual([6]);
  });
  it('stopGradient blocks the gradient', () => {
    expect(grad((x: Tensor) => sum(mul(x, stopGradient(x))))(f64([3])).item()).toBe(3);
  });
  it('the backward pass is itself a graph of ops', () => {
    const g = trace(grad((x: Tensor) => sum(sigmoid(x))), abstract([3], 'float64'));
    const counts = opCounts(g);
    expect(counts['core.sigmoid']).toBe(1);
    expect(counts['core.mul']).toBeGreaterThanOrEqual(1);
    expect(counts['core.sub']).toBe(1);
  });
});

describe('purity', () => {
  it('tensors passed in are unchanged after forward and backward', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }), (vals) => {
        const x = tensor(vals, { shape: [2, 2], dtype: 'float64' });
        const w = f64([[1, -1], [0.5, 2]]);
        const before = [Array.from(x.data), Array.from(w.data)];
        const f = (x: Tensor, w: Tensor) => sum(div(exp(neg(matmul(x, w))), add(broadcastTo(reshape(sum(w, { axis: 0 }), { shape: [1, 2] }), { shape: [2, 2] }), 10)));
        f(x, w);
        grad(f, { argnums: [0, 1] })(x, w);
        grad((x: Tensor) => sum(grad((y: Tensor) => f(y, w))(x)))(x);
        jit(grad(f))(x, w);
        expect([Array.from(x.data), Array.from(w.data)]).toEqual(before);
      }),
      { numRuns: 20 },
    );
  });
});

describe('errors', () => {
  it('a shape mismatch while tracing names the op, the shapes and the attrs', () => {
    const f = (x: Tensor) => sum(add(x, f64([1, 2, 3])));
    let caught: unknown;
    try {
      grad(f)(f64([1, 2]));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ChainruleError);
    const err = caught as ChainruleError;
    expect(err.code).toBe('ShapeMismatch');
    expect(err.op).toBe('core.add');
    expect(err.shapes).toEqual([[2], [3]]);
    expect(err.message).toMatch(/core\.add.*\[2\], \[3\]/);
    expect(() => matmul(f64([[1, 2]]), f64([[1, 2]]))).toThrow(/inner dimensions 2 and 1 differ/);
    expect(() => sum(f64([1, 2]), { axis: 4 })).toThrow(/axis 4 is out of range.*core\.sum.*"axis":4/);
  });
  it('bad attrs and wrong arity are ChainruleErrors', () => {
    expect(() => reshape(f64([1, 2]), { shape: 'x' } as never)).toThrow(ChainruleError);
    expect(() => (add as unknown as (x: Tensor) => Tensor)(f64([1]))).toThrow(/BadArity.*expected 2/);
    expect(() => sub(f64([1]), 'a' as never)).toThrow(/input 1 must be a Tensor or a number/);
  });
  it('reading data of a tracer explains itself', () => {
    expect(() => grad((x: Tensor) => tensor([x.data[0]]))(f64([1]))).toThrow(/not known while tracing/);
  });
  it('numbers become scalars of the other operand dtype', () => {
    expect(mul(f64([1]), 2).dtype).toBe('float64');
    expect(() => add(f64([1]), tensor([1]))).toThrow(/DtypeMismatch/);
  });
});

describe('finite differences for core ops', () => {
  const ops: [string, (x: Tensor) => Tensor, [number, number]][] = [
    ['exp', (x) => sum(exp(x)), [-2, 2]],
    ['log', (x) => sum(log(x)), [0.3, 3]],
    ['sigmoid', (x) => sum(sigmoid(x)), [-4, 4]],
    ['div', (x) => sum(div(1, x)), [0.5, 3]],
    ['sub/neg', (x) => sum(neg(sub(mul(x, x), x))), [-3, 3]],
    ['matmul', (x) => sum(matmul(reshape(x, { shape: [2, 2] }), reshape(x, { shape: [2, 2] }), { transposeB: true })), [-2, 2]],
    ['broadcast', (x) => sum(mul(broadcastTo(reshape(x, { shape: [4, 1] }), { shape: [4, 3] }), f64([1, 2, 3]))), [-2, 2]],
  ];
  for (const [name, f, [lo, hi]] of ops) {
    it(`${name}: reverse mode equals central differences`, () => {
      fc.assert(
        fc.property(fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: 4, maxLength: 4 }), (vals) => {
          const x = tensor(vals, { dtype: 'float64' });
          const g = grad(f)(x) as Tensor;
          const num = numericGrad(f, x);
          Array.from(g.data).forEach((v, i) => expect(v).toBeCloseTo(num[i], 6));
        }),
        { numRuns: 20 },
      );
    });
  }
  it('numericDerivative helper itself is sane', () => {
    expect(numericDerivative(Math.sin, 0)).toBeCloseTo(1, 8);
  });
});
