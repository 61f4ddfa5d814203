import { matmul, tensor } from '@chainrule/core';
const rnd = (n) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a; };
const x = tensor(rnd(128 * 784), { shape: [128, 784] }), w = tensor(rnd(784 * 256), { shape: [784, 256] });
const h = tensor(rnd(128 * 256), { shape: [128, 256] }), dz = tensor(rnd(128 * 10), { shape: [128, 10] });
for (const [name, f] of [['x·w1', () => matmul(x, w)], ['xT·dh', () => matmul(x, h, { transposeA: true })], ['hT·dz', () => matmul(h, dz, { transposeA: true })]]) {
  for (let i = 0; i < 3; i++) f();
  const t = performance.now(); for (let i = 0; i < 10; i++) f(); console.log(name, ((performance.now() - t) / 10).toFixed(2), 'ms');
}
