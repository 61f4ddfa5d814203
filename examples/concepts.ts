// docs/concepts.md in code: tensors, tracing into a graph, transforms (grad, vjp, jvp, jit) and errors.
// Run with `pnpm example concepts`.

import {
  tensor, arange, key, split, normal, trace, abstract, opCounts, encodeGraph, decodeGraph, standardRegistry,
  grad, valueAndGrad, vjp, jvp, jit, matmul, sigmoid, sum, mul, add, ChainruleError, type Tensor,
} from 'chainrule';

// Tensors: immutable, float32 by default, printed with dtype, shape and values.
const x = tensor([[1, 2], [3, 4]]);
console.log(x);
console.log(arange(0, 1, 0.25, 'float64'));
const [k1, k2] = split(key(0));
console.log(normal(k1, [2, 3]).shape, 'drawn from key 0, the same numbers every run');

// Tracing: a function of tensors becomes an immutable graph.
const layer = (x: Tensor, w: Tensor) => sigmoid(matmul(x, w));
const g = trace(layer, abstract([4, 3]), abstract([3, 2]));
console.log('ops in the graph:', opCounts(g));
const json = JSON.stringify(encodeGraph(g));
console.log('graph JSON decodes against the standard registry:', decodeGraph(json, standardRegistry())._tag);

// Transforms take and return pytrees: here a params record.
const params = { w: normal(k2, [3, 2]), b: tensor([0.1, -0.1]) };
const loss = (p: typeof params, x: Tensor) => sum(sigmoid(add(matmul(x, p.w), p.b)));
const batch = tensor([[1, 0, -1], [0.5, 2, 0]]);
const [value, grads] = valueAndGrad(loss)(params, batch);
console.log('loss', value.item(), 'gradient of w:', grads.w);

// vjp gives the pullback, jvp pushes a tangent forward; grad of grad is the second derivative.
const [y, pullback] = vjp((v: Tensor) => mul(v, v), tensor([1, 2, 3]));
console.log('y', y, 'pullback of ones', pullback(tensor([1, 1, 1])));
const [out, tangent] = jvp((v: Tensor) => mul(v, v), [tensor(3)], [tensor(1)]);
console.log('x² at 3:', out.item(), 'slope', tangent.item(), 'second derivative', grad(grad((v: Tensor) => mul(mul(v, v), v)))(tensor(2)).item());

// jit traces once per input signature and replays the graph.
const fast = jit(valueAndGrad(loss));
for (let i = 0; i < 3; i++) fast(params, batch);
console.log('jit traced', fast.traceCount, 'time for 3 calls');

// A shape mistake names the op, the shapes and the attrs.
try {
  add(tensor([1, 2]), tensor([1, 2, 3]));
} catch (e) {
  if (e instanceof ChainruleError) console.log(`caught a ChainruleError (${e.code}): ${e.message}`);
}
