// docs/plugins.md in code: a third-party op (the bent identity) declared with unaryOp, checked by the kit, registered, trained.
// Run with `pnpm example plugins`. The full, tested plugin package is examples/plugin-swish.

import {
  unaryOp, add, div, mul, sqrt, square, sub, sum, grad, tensor, trace, abstract, encodeGraph, decodeGraph,
  standardRegistry, checkOpPlugin, jit, valueAndGrad, treeMap, matmul, key, normal, split, uniform, tanh, type Tensor,
} from 'chainrule';

// bentIdentity(x) = (√(x² + 1) − 1)/2 + x: the scalar function, and its derivative built from ops so it differentiates again.
const bentIdentity = unaryOp({
  name: 'example.bentIdentity',
  fn: (v) => (Math.sqrt(v * v + 1) - 1) / 2 + v,
  // d bentIdentity = x / (2√(x² + 1)) + 1
  derivative: (x) => add(div(x, mul(sqrt(add(square(x), 1)), 2)), 1),
});

console.log('bentIdentity', bentIdentity(tensor([-3, 0, 1])), 'slope at 0:', grad((x: Tensor) => sum(bentIdentity(x)))(tensor([0])));

// The conformance kit: shapes, purity, VJP and JVP against finite differences, a JSON round trip.
const check = checkOpPlugin(bentIdentity, { numRuns: 10 });
if (check._tag === 'Left') throw new Error(check.left.message);
console.log('conformance kit: passed');

// Graphs that use it decode only with a registry that knows it.
const registry = standardRegistry().with(bentIdentity);
if (registry._tag === 'Left') throw new Error(registry.left.message);
const json = JSON.stringify(encodeGraph(trace((x: Tensor) => sum(bentIdentity(x)), abstract([3]))));
console.log('with the plugin:', decodeGraph(json, registry.right)._tag, '| without:', decodeGraph(json, standardRegistry())._tag);

// Train a 1-16-1 network with bent-identity hidden units to fit tanh(2x) on [−2, 2].
type Params = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
const [kx, k1, k2] = split(key(7), 3);
const x = uniform(kx, [64, 1], { min: -2, max: 2 });
const y = tanh(mul(x, 2));
let params: Params = { w1: normal(k1, [1, 16]), b1: normal(k2, [16], { std: 0.5 }), w2: normal(k2, [16, 1], { std: 0.25 }), b2: tensor([0]) };
const forward = (p: Params, v: Tensor) => add(matmul(bentIdentity(add(matmul(v, p.w1), p.b1)), p.w2), p.b2);
const loss = (p: Params, v: Tensor, target: Tensor) => {
  const d = sub(forward(p, v), target);
  return mul(sum(mul(d, d)), 1 / target.size);
};
const step = jit(valueAndGrad(loss));
for (let i = 0; i <= 300; i++) {
  const [l, g] = step(params, x, y);
  params = treeMap((p, dp) => sub(p, mul(dp, 0.05)), params, g);
  if (i % 100 === 0) console.log(`step ${i}: loss ${l.item().toFixed(5)}`);
}
