// docs/seed-walkthrough.md in code: the notes' worked example, both sides of each backprop formula.
// Run with `pnpm example seed-walkthrough`.

import { add, mul, sigmoid, sum, softmaxCrossEntropy, grad, valueAndGrad, tensor, type Tensor } from 'chainrule';

const s = (v: number) => tensor(v, { dtype: 'float64' });
const x1 = s(1.5), x2 = s(-0.8), target = tensor([1, 0], { dtype: 'float64' });
const e1 = tensor([1, 0], { dtype: 'float64' }), e2 = tensor([0, 1], { dtype: 'float64' });
const params = { w1: s(0.4), w2: s(-0.6), b: s(0.1), w3: s(1.3), w4: s(-0.9) };
type P = typeof params;

// z = x₁w₁ + x₂w₂ + b, a = σ(z), z′ = a·w₃, z″ = a·w₄, C = cross-entropy(softmax([z′, z″]), t)
const zOf = (p: P) => add(add(mul(x1, p.w1), mul(x2, p.w2)), p.b);
const cOfZs = (z1: Tensor, z2: Tensor) => sum(softmaxCrossEntropy(add(mul(z1, e1), mul(z2, e2)), target));
const cOfZ = (z: Tensor, p: P) => {
  const a = sigmoid(z);
  return cOfZs(mul(a, p.w3), mul(a, p.w4));
};
const cOf = (p: P) => cOfZ(zOf(p), p);

const [C, dC] = valueAndGrad(cOf)(params);
const z = zOf(params), a = sigmoid(z);
const [dz1, dz2] = grad(cOfZs, { argnums: [0, 1] })(mul(a, params.w3), mul(a, params.w4));
const dCdz = grad(cOfZ)(z, params).item();
const sigmaPrime = grad((v: Tensor) => sigmoid(v))(z).item();

const row = (formula: string, left: number, right: number) => console.log(`${formula.padEnd(44)} ${left.toPrecision(10).padStart(15)} ${right.toPrecision(10).padStart(15)}`);
console.log(`C = ${C.item()}\n${'formula'.padEnd(44)} ${'chainrule'.padStart(15)} ${'by hand'.padStart(15)}`);
row('∂C/∂z = σ′(z)·[w₃·∂C/∂z′ + w₄·∂C/∂z″]', dCdz, sigmaPrime * (params.w3.item() * dz1.item() + params.w4.item() * dz2.item()));
row('σ′(z) = σ(z)·(1 − σ(z))', sigmaPrime, a.item() * (1 - a.item()));
row('∂C/∂w₁ = x₁·∂C/∂z', dC.w1.item(), x1.item() * dCdz);
row('∂C/∂w₂ = x₂·∂C/∂z', dC.w2.item(), x2.item() * dCdz);
row('∂C/∂b = ∂C/∂z', dC.b.item(), dCdz);
row('∂C/∂w₃ = a·∂C/∂z′', dC.w3.item(), a.item() * dz1.item());
row('∂C/∂w₄ = a·∂C/∂z″', dC.w4.item(), a.item() * dz2.item());
