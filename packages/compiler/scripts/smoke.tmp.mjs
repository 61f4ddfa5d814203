import { add, grad, jit, matmul, mul, sigmoid, softmaxCrossEntropy, sub, sum, tensor, treeMap, valueAndGrad, interpreter, trace, abstract } from '@chainrule/core';
import { compile, compiler, describeGraph } from '@chainrule/compiler';
const rnd = (n, s) => { const a = new Float32Array(n); let x = s; for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; a[i] = (x / 2147483648 - 0.5) * 0.1; } return a; };
const [I, H, C, B] = [784, 256, 10, 128];
const p0 = { w1: tensor(rnd(I * H, 1), { shape: [I, H] }), b1: tensor(rnd(H, 2), { shape: [H] }), w2: tensor(rnd(H * C, 3), { shape: [H, C] }), b2: tensor(rnd(C, 4), { shape: [C] }) };
const x = tensor(rnd(B * I, 5), { shape: [B, I] });
const yd = new Float32Array(B * C); for (let r = 0; r < B; r++) yd[r * C + (r % C)] = 1;
const y = tensor(yd, { shape: [B, C] });
const loss = (p, xb, yb) => { const h = sigmoid(add(matmul(xb, p.w1), p.b1)); const z = add(matmul(h, p.w2), p.b2); return mul(sum(softmaxCrossEntropy(z, yb)), 1 / B); };
const stepF = (p, xb, yb) => { const [l, g] = valueAndGrad(loss)(p, xb, yb); return [l, treeMap((w, dw) => sub(w, mul(dw, 0.1)), p, g)]; };
const t0 = performance.now();
const g = trace(stepF, p0, x, y);
const c = compile(g);
console.log('compile ms', (performance.now() - t0).toFixed(1), 'nodes', g.nodes.length, '→', c.passes.graph.nodes.length, 'arena', c.plan.arenaBytes, 'peak', c.plan.peakBytes, 'total', c.plan.totalBytes, 'inPlace', c.plan.inPlace);
console.log(describeGraph(c.passes.graph));
for (const ex of [interpreter, compiler]) {
  const step = jit(stepF, { executor: ex });
  let p = p0; let l;
  for (let i = 0; i < 3; i++) { [l, p] = step(p, x, y); }
  console.log(ex.name, l.item(), p.w1.data[5], p.b2.data[3]);
  const t = performance.now(); let k = 0;
  while (performance.now() - t < 1500) { [l, p] = step(p, x, y); k++; }
  console.log(ex.name, 'steps/s', (k / ((performance.now() - t) / 1000)).toFixed(1));
}
