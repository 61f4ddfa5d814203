// The seed's worked example (backprop lecture notes) run on chainrule: both sides of each formula.

import { tensor, type Tensor } from '../tensor.js';
import { add, mul } from '../ops/binary.js';
import { sigmoid } from '../ops/unary.js';
import { sum } from '../ops/reduce.js';
import { softmaxCrossEntropy } from '../ops/softmax.js';
import { grad, valueAndGrad } from '../transforms.js';

/** The numbers of the example: two inputs, weights w1…w4, bias b and a one-hot target. */
export interface SeedValues {
  readonly x1: number;
  readonly x2: number;
  readonly w1: number;
  readonly w2: number;
  readonly b: number;
  readonly w3: number;
  readonly w4: number;
  readonly target: readonly [number, number];
}

/** The values used by the docs page and the tests. */
export const seedDefaults: SeedValues = { x1: 1.5, x2: -0.8, w1: 0.4, w2: -0.6, b: 0.1, w3: 1.3, w4: -0.9, target: [1, 0] };

/** One formula of the notes: its two sides as chainrule computes them, and a finite difference. */
export interface FormulaRow {
  readonly formula: string;
  readonly lhs: number;
  readonly rhs: number;
  /** Central finite difference of the left side in float64, where the left side is a gradient. */
  readonly numeric?: number;
}

type Params = { w1: Tensor; w2: Tensor; b: Tensor; w3: Tensor; w4: Tensor };

const s = (v: number): Tensor => tensor(v, { dtype: 'float64' });

/**
 * Runs the seed's network — z = x₁w₁ + x₂w₂ + b, a = σ(z), z′ = a·w₃, z″ = a·w₄,
 * y = softmax([z′, z″]), C = cross-entropy(y, t) — and evaluates both sides of each formula
 * of the notes with chainrule's own gradients.
 *
 * @example
 * for (const row of seedWalkthrough().rows) console.log(row.formula, row.lhs, row.rhs)
 */
export const seedWalkthrough = (v: SeedValues = seedDefaults): { rows: FormulaRow[]; forward: Record<string, number> } => {
  const e1 = tensor([1, 0], { dtype: 'float64' }), e2 = tensor([0, 1], { dtype: 'float64' });
  const target = tensor([...v.target], { dtype: 'float64' });
  // C as a function of the two output pre-activations: logits = z′·e₁ + z″·e₂.
  const cOfZs = (z1: Tensor, z2: Tensor): Tensor => sum(softmaxCrossEntropy(add(mul(z1, e1), mul(z2, e2)), target));
  const zOf = (p: Params, x1: number, x2: number): Tensor => add(add(mul(s(x1), p.w1), mul(s(x2), p.w2)), p.b);
  const cOfA = (a: Tensor, p: Params): Tensor => cOfZs(mul(a, p.w3), mul(a, p.w4));
  const cOfZ = (z: Tensor, p: Params): Tensor => cOfA(sigmoid(z), p);
  const cOf = (p: Params, x1 = v.x1, x2 = v.x2): Tensor => cOfZ(zOf(p, x1, x2), p);

  const p: Params = { w1: s(v.w1), w2: s(v.w2), b: s(v.b), w3: s(v.w3), w4: s(v.w4) };
  const z = zOf(p, v.x1, v.x2), a = sigmoid(z);
  const z1 = mul(a, p.w3), z2 = mul(a, p.w4);
  const [cost, g] = valueAndGrad(cOf)(p);
  const dzdp = grad((q: Params) => zOf(q, v.x1, v.x2))(p);
  const [dCdz1, dCdz2] = grad(cOfZs, { argnums: [0, 1] })(z1, z2);
  const dCdz = grad(cOfZ)(z, p).item();
  const dCda = grad(cOfA)(a, p).item();
  const sigmaPrime = grad(sigmoid as (x: Tensor) => Tensor)(z).item();

  const fd = (name: keyof Params): number => {
    const eps = 1e-6;
    const at = (d: number) => cOf({ ...p, [name]: s(p[name].item() + d) }).item();
    return (at(eps) - at(-eps)) / (2 * eps);
  };

  const fdScalar = (f: (x: Tensor) => Tensor, x: number): number => {
    const eps = 1e-6;
    return (f(s(x + eps)).item() - f(s(x - eps)).item()) / (2 * eps);
  };

  // Two samples: the total loss's gradient is the sum of the per-sample gradients.
  const second = { x1: -0.3, x2: 2.0 };
  const gTotal = grad((q: Params) => add(cOf(q), cOf(q, second.x1, second.x2)))(p);
  const gSecond = grad((q: Params) => cOf(q, second.x1, second.x2))(p);

  const rows: FormulaRow[] = [
    { formula: '∂z/∂w₁ = x₁', lhs: dzdp.w1.item(), rhs: v.x1, numeric: fdScalar((w) => zOf({ ...p, w1: w }, v.x1, v.x2), v.w1) },
    { formula: '∂z/∂w₂ = x₂', lhs: dzdp.w2.item(), rhs: v.x2, numeric: fdScalar((w) => zOf({ ...p, w2: w }, v.x1, v.x2), v.w2) },
    { formula: '∂C/∂a = w₃·∂C/∂z′ + w₄·∂C/∂z″  (chain rule, case 2)', lhs: dCda, rhs: v.w3 * dCdz1.item() + v.w4 * dCdz2.item(), numeric: fdScalar((x) => cOfA(x, p), a.item()) },
    { formula: '∂C/∂z = σ′(z)·[w₃·∂C/∂z′ + w₄·∂C/∂z″]', lhs: dCdz, rhs: sigmaPrime * (v.w3 * dCdz1.item() + v.w4 * dCdz2.item()), numeric: fdScalar((x) => cOfZ(x, p), z.item()) },
    { formula: 'σ′(z) = σ(z)·(1 − σ(z))', lhs: sigmaPrime, rhs: a.item() * (1 - a.item()), numeric: fdScalar((x) => sigmoid(x), z.item()) },
    { formula: '∂C/∂w₁ = x₁·∂C/∂z', lhs: g.w1.item(), rhs: v.x1 * dCdz, numeric: fd('w1') },
    { formula: '∂C/∂w₂ = x₂·∂C/∂z', lhs: g.w2.item(), rhs: v.x2 * dCdz, numeric: fd('w2') },
    { formula: '∂C/∂b = ∂C/∂z', lhs: g.b.item(), rhs: dCdz, numeric: fd('b') },
    { formula: '∂C/∂w₃ = a·∂C/∂z′', lhs: g.w3.item(), rhs: a.item() * dCdz1.item(), numeric: fd('w3') },
    { formula: '∂C/∂w₄ = a·∂C/∂z″', lhs: g.w4.item(), rhs: a.item() * dCdz2.item(), numeric: fd('w4') },
    { formula: '∂(C¹ + C²)/∂w₁ = ∂C¹/∂w₁ + ∂C²/∂w₁', lhs: gTotal.w1.item(), rhs: g.w1.item() + gSecond.w1.item(), numeric: fdScalar((w) => add(cOf({ ...p, w1: w }), cOf({ ...p, w1: w }, second.x1, second.x2)), v.w1) },
  ];
  const forward = { z: z.item(), a: a.item(), "z'": z1.item(), "z''": z2.item(), C: cost.item() };
  return { rows, forward };
};

const fmt = (x: number): string => (x === 0 ? '0' : x.toPrecision(12).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''));

/**
 * The walkthrough as a Markdown table (what the docs page shows and the script prints).
 *
 * @example
 * console.log(walkthroughMarkdown())
 */
export const walkthroughMarkdown = (v: SeedValues = seedDefaults): string => {
  const { rows, forward } = seedWalkthrough(v);
  const lines = [
    `Inputs: x₁ = ${v.x1}, x₂ = ${v.x2}; weights w₁ = ${v.w1}, w₂ = ${v.w2}, b = ${v.b}, w₃ = ${v.w3}, w₄ = ${v.w4}; target t = [${v.target.join(', ')}].`,
    '',
    `Forward pass: ${Object.entries(forward).map(([k, x]) => `${k} = ${fmt(x)}`).join(', ')}.`,
    '',
    '| formula | left side (chainrule) | right side | central difference |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.formula} | ${fmt(r.lhs)} | ${fmt(r.rhs)} | ${r.numeric === undefined ? '' : fmt(r.numeric)} |`),
  ];
  return lines.join('\n');
};
