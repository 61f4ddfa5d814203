import { add, matmul, mul, sigmoid, softmaxCrossEntropy, sub, sum, tensor, treeMap, valueAndGrad, trace } from '@chainrule/core';
import { compile } from '@chainrule/compiler';
const rnd = (n, s) => { const a = new Float32Array(n); let x = s; for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; a[i] = (x / 2147483648 - 0.5) * 0.1; } return a; };
const [I, H, C, B] = [784, 256, 10, 128];
const p0 = { w1: tensor(rnd(I * H, 1), { shape: [I, H] }), b1: tensor(rnd(H, 2), { shape: [H] }), w2: tensor(rnd(H * C, 3), { shape: [H, C] }), b2: tensor(rnd(C, 4), { shape: [C] }) };
const x = tensor(rnd(B * I, 5), { shape: [B, I] });
const yd = new Float32Array(B * C); for (let r = 0; r < B; r++) yd[r * C + (r % C)] = 1;
const y = tensor(yd, { shape: [B, C] });
const loss = (p, xb, yb) => { const h = sigmoid(add(matmul(xb, p.w1), p.b1)); const z = add(matmul(h, p.w2), p.b2); return mul(sum(softmaxCrossEntropy(z, yb)), 1 / B); };
const stepF = (p, xb, yb) => { const [l, g] = valueAndGrad(loss)(p, xb, yb); return [l, treeMap((w, dw) => sub(w, mul(dw, 0.1)), p, g)]; };
const g = trace(stepF, p0, x, y);
const times = new Map(); let last = 0;
const c = compile(g, { afterNode: (node) => { const t = performance.now(); const k = `${node.id} ${node.op.name}${node.attrs?.program ? '{' + node.attrs.program.steps.map(s => s.op.name.slice(5)).join(' ') + '}' : ''} [${node.shape}]`; times.set(k, (times.get(k) ?? 0) + t - last); last = t; } });
const feeds = [p0.b1, p0.b2, p0.w1, p0.w2, x, y];
for (let i = 0; i < 30; i++) { last = performance.now(); c.run(feeds); }
for (const [k, v] of times) console.log((v / 30).toFixed(3).padStart(8), 'ms', k);
