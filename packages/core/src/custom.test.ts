import { describe, it, expect } from 'vitest';
import {
  tensor, customVjp, customJvp, checkpoint, grad, valueAndGrad, jvp, jit, vmap, trace, abstract, opCounts,
  mul, add, exp, log, sigmoid, sum, matmul, type Tensor,
} from './index.js';
import { numericGrad } from '../test/fd.js';
import { unstack, stack, seeded, maxDiff } from '../test/batch.js';

const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });
const sig = (u: number) => 1 / (1 + Math.exp(-u));
const close = (got: Tensor, want: readonly number[], digits = 8) => {
  expect(got.shape.length === 0 ? 1 : got.size).toBe(want.length);
  Array.from(got.data).forEach((g, i) => expect(g).toBeCloseTo(want[i], digits));
};

// d/dx x² is 2x; this rule says 10x on purpose, so a test can tell the rule from autodiff of f.
const square = customVjp(
  (x: Tensor) => mul(x, x),
  (x: Tensor) => [mul(x, x), x] as const,
  (x: Tensor, g: Tensor) => [mul(g, mul(x, 10))],
);

describe('customVjp', () => {
  const x = f64([0.5, -1.5, 2]);

  it('is f when called plainly, and its rule replaces differentiating f', () => {
    close(square(x), [0.25, 2.25, 4]);
    close(grad((v: Tensor) => sum(square(v)))(x), [5, -15, 20]);
  });

  it('passes residuals from fwd to bwd', () => {
    const expo = customVjp(
      (v: Tensor) => exp(v),
      (v: Tensor) => { const e = exp(v); return [e, e] as const; },
      (e: Tensor, g: Tensor) => [mul(g, e)],
    );
    close(grad((v: Tensor) => sum(expo(v)))(x), numericGrad((v) => sum(exp(v)), x), 6);
  });

  it('takes pytree arguments and non-differentiable arguments', () => {
    // p.w·x + p.b scaled by a plain number that gets no derivative.
    const affine = customVjp(
      (p: { w: Tensor; b: Tensor }, v: Tensor, scale: number) => mul(add(mul(p.w, v), p.b), scale),
      (p: { w: Tensor; b: Tensor }, v: Tensor, scale: number) => [mul(add(mul(p.w, v), p.b), scale), { p, v, scale }] as const,
      (r: { p: { w: Tensor; b: Tensor }; v: Tensor; scale: number }, g: Tensor) => [
        { w: mul(mul(g, r.v), r.scale), b: mul(g, r.scale) },
        mul(mul(g, r.p.w), r.scale),
      ],
      { nondiffArgnums: [2] },
    );
    const w = f64([2, 3, -1]), b = f64([0.5, 0, 1]);
    const [gp, gv] = grad((p: { w: Tensor; b: Tensor }, v: Tensor) => sum(affine(p, v, 3)), { argnums: [0, 1] })({ w, b }, x);
    close(gp.w, Array.from(x.data).map((u) => 3 * u));
    close(gp.b, [3, 3, 3]);
    close(gv, numericGrad((v) => sum(mul(add(mul(w, v), b), 3)), x), 6);
  });

  it('has several outputs: bwd gets a cotangent for each', () => {
    const pair = customVjp(
      (v: Tensor) => [exp(v), mul(v, 2)] as const,
      (v: Tensor) => [[exp(v), mul(v, 2)] as const, exp(v)] as const,
      (e: Tensor, [g1, g2]: readonly [Tensor, Tensor]) => [add(mul(g1, e), mul(g2, 2))],
    );
    const h = (v: Tensor) => { const [a, c] = pair(v); return add(sum(a), sum(mul(c, c))); };
    close(grad(h)(x), numericGrad((v) => add(sum(exp(v)), sum(mul(mul(v, 2), mul(v, 2)))), x), 6);
  });

  it('grad(grad) differentiates the rule itself', () => {
    // log(1 + eˣ) whose rule is σ(x): the second derivative is σ(x)(1 − σ(x)).
    const softplus = customVjp(
      (v: Tensor) => log(add(1, exp(v))),
      (v: Tensor) => [log(add(1, exp(v))), v] as const,
      (v: Tensor, g: Tensor) => [mul(g, sigmoid(v))],
    );
    close(grad((v: Tensor) => sum(grad((u: Tensor) => sum(softplus(u)))(v)))(x), Array.from(x.data).map((u) => sig(u) * (1 - sig(u))));
  });

  it('works under jit and vmap, keeping its rule', () => {
    const g = (v: Tensor) => sum(square(v));
    const jitted = jit(grad(g));
    close(jitted(x), [5, -15, 20]);
    close(jit(square)(x), [0.25, 2.25, 4]);
    const xs = seeded([4, 3], 3);
    expect(maxDiff(vmap(grad(g))(xs), mul(xs, 10))).toBeLessThan(1e-12);
    expect(maxDiff(vmap(square)(xs), mul(xs, xs))).toBeLessThan(1e-12);
    // grad of a vmapped custom function: the batched rule.
    expect(maxDiff(grad((v: Tensor) => sum(vmap(square)(v)))(xs), mul(xs, 10))).toBeLessThan(1e-12);
  });

  it('a bwd that returns the wrong number of cotangents or a wrong shape is an error naming it', () => {
    const twoForOne = customVjp((v: Tensor) => exp(v), (v: Tensor) => [exp(v), v] as const, (_v: Tensor, g: Tensor) => [g, g], { name: 'twoForOne' });
    expect(() => grad((v: Tensor) => sum(twoForOne(v)))(x)).toThrow(/BadRule: customVjp\(twoForOne\): bwd returned 2 cotangents for 1 differentiable argument/);
    const badShape = customVjp((v: Tensor) => exp(v), (v: Tensor) => [exp(v), v] as const, (_v: Tensor, g: Tensor) => [sum(g)], { name: 'badShape' });
    expect(() => grad((v: Tensor) => sum(badShape(v)))(x)).toThrow(/customVjp\(badShape\): bwd gave float64\[\] for argument 0, which is float64\[3\]/);
    const noPair = customVjp((v: Tensor) => exp(v), ((v: Tensor) => exp(v)) as never, (_v: Tensor, g: Tensor) => [g], { name: 'noPair' });
    expect(() => grad((v: Tensor) => sum(noPair(v)))(x)).toThrow(/customVjp\(noPair\): fwd must return \[output, residuals\]/);
    expect(() => jvp(square, [x], [x])).toThrow(/MissingRule: customVjp\(anonymous\) defines reverse mode only/);
  });
});

describe('customJvp', () => {
  const x = f64([0.5, -1.5, 2]);
  // d/dx x² is 2x; the rule says 3x·ẋ so a test can tell it from autodiff of f.
  const cube = customJvp((v: Tensor) => mul(v, v), ([v]: [Tensor], [t]: [Tensor]) => [mul(v, v), mul(mul(v, 3), t)] as const);

  it('forward mode uses the rule, reverse mode its transpose, and higher orders differentiate it', () => {
    close(jvp(cube, [x], [f64([1, 2, 3])])[1] as Tensor, [1.5, -9, 18]);
    close(grad((v: Tensor) => sum(cube(v)))(x), [1.5, -4.5, 6]);
    close(grad((v: Tensor) => sum(grad((u: Tensor) => sum(cube(u)))(v)))(x), [3, 3, 3]);
  });

  it('works under jit and vmap', () => {
    const xs = seeded([4, 3], 5);
    expect(maxDiff(jit(grad((v: Tensor) => sum(cube(v))))(x), mul(x, 3))).toBeLessThan(1e-12);
    expect(maxDiff(vmap(grad((v: Tensor) => sum(cube(v))))(xs), mul(xs, 3))).toBeLessThan(1e-12);
    expect(maxDiff(vmap((v: Tensor, t: Tensor) => jvp(cube, [v], [t])[1] as Tensor)(xs, xs), mul(mul(xs, xs), 3))).toBeLessThan(1e-12);
  });

  it('a rule whose tangent has the wrong shape is an error naming it', () => {
    const bad = customJvp((v: Tensor) => exp(v), ([v]: [Tensor], [t]: [Tensor]) => [exp(v), sum(t)] as const, { name: 'badTangent' });
    expect(() => jvp(bad, [x], [x])).toThrow(/BadRule: customJvp\(badTangent\): the rule gave a tangent of float64\[\] for output, which is float64\[3\]/);
    expect(() => grad((v: Tensor) => sum(bad(v)))(x)).toThrow(/customJvp\(badTangent\)/);
  });

  it('a non-differentiable argument gets a null tangent and no cotangent', () => {
    const scaled = customJvp(
      (v: Tensor, k: number) => mul(v, k),
      ([, k]: [Tensor, number], [t, tk]: [Tensor, null]) => {
        expect(tk).toBeNull();
        return [mul(x, k), mul(t, k)] as const;
      },
      { nondiffArgnums: [1] },
    );
    close(grad((v: Tensor) => sum(scaled(v, 4)))(x), [4, 4, 4]);
  });
});

describe('checkpoint', () => {
  const w1 = seeded([3, 4], 7), w2 = seeded([4, 2], 8);
  const block = (h: Tensor, w: Tensor) => sigmoid(matmul(h, w));
  const net = (x: Tensor) => sum(block(block(x, w1), w2));
  const cnet = (x: Tensor) => sum(checkpoint(block)(checkpoint(block)(x, w1), w2));
  const x = seeded([2, 3], 9);

  it('gives the same values and derivatives of every order', () => {
    const [v1, g1] = valueAndGrad(net)(x), [v2, g2] = valueAndGrad(cnet)(x);
    expect(v2.item()).toBeCloseTo(v1.item(), 12);
    expect(maxDiff(g2, g1)).toBeLessThan(1e-12);
    expect(maxDiff(grad((v: Tensor) => sum(grad(cnet)(v)))(x), grad((v: Tensor) => sum(grad(net)(v)))(x))).toBeLessThan(1e-12);
    expect(maxDiff(jvp(cnet, [x], [x])[1] as Tensor, jvp(net, [x], [x])[1] as Tensor)).toBeLessThan(1e-12);
    expect(maxDiff(jit(grad(cnet))(x), g1)).toBeLessThan(1e-12);
    const xs = seeded([3, 2, 3], 10);
    expect(maxDiff(vmap(grad(cnet))(xs), stack(unstack(xs).map((e) => grad(net)(e) as Tensor)))).toBeLessThan(1e-12);
  });

  it('records the forward of each block once more, in the backward pass', () => {
    const plain = opCounts(trace(valueAndGrad(net), abstract([2, 3], 'float64')));
    const remat = opCounts(trace(valueAndGrad(cnet), abstract([2, 3], 'float64')));
    // Plainly, the forward's two sigmoids serve the backward too; with checkpoints each
    // block's forward is one opaque node, and its sigmoid is recomputed for the backward.
    expect(plain['core.sigmoid']).toBe(2);
    expect(remat['core.custom']).toBe(2);
    expect(remat['core.sigmoid']).toBe(2);
    expect(remat['core.matmul']).toBe(plain['core.matmul']);
  });
});
