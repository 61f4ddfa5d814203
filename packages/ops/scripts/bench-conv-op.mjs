// Times conv2d through the op layer on an MNIST-sized batch: forward, and forward + backward via grad (run from dist).
//
// Usage: pnpm --filter @chainrule/ops build && node packages/ops/scripts/bench-conv-op.mjs [runs]

import { grad, sum, mul, normal, key, split } from '@chainrule/core';
import { conv2d } from '../dist/index.js';

const runs = Number(process.argv[2] ?? 7);
const [k1, k2, k3] = split(key(0), 3);
const x = normal(k1, [32, 28, 28, 1]);
const w1 = normal(k2, [3, 3, 1, 8], { std: 0.3 });
const w2 = normal(k3, [3, 3, 8, 16], { std: 0.1 });
const attrs = { strides: [1, 1], padding: 'same' };

const net = (w1, w2, x) => conv2d(conv2d(x, w1, attrs), w2, attrs);
const loss = (w1, w2, x) => {
  const y = net(w1, w2, x);
  return sum(mul(y, y));
};

/** Median wall time in ms of `runs` calls after two warm-up calls. */
const median = (f) => {
  f();
  f();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
};

// The naive definition, seven loops deep, for scale (forward only, same shapes, float32).
const naiveConv = (xd, [n, h, w, c], wd, [kh, kw, , o]) => {
  const y = new Float32Array(n * h * w * o);
  const pt = (kh - 1) >> 1, pl = (kw - 1) >> 1;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let q = 0; q < o; q++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++)
              for (let ch = 0; ch < c; ch++) {
                const yy = i + ky - pt, xx = j + kx - pl;
                if (yy >= 0 && yy < h && xx >= 0 && xx < w) s += xd[((b * h + yy) * w + xx) * c + ch] * wd[((ky * kw + kx) * c + ch) * o + q];
              }
          y[((b * h + i) * w + j) * o + q] = s;
        }
  return y;
};

const flopsFwd = 2 * 32 * 28 * 28 * (8 * 9 * 1 + 16 * 9 * 8);
const tFwd = median(() => net(w1, w2, x));
const tGrad = median(() => grad(loss, { argnums: [0, 1] })(w1, w2, x));
const tNaive = median(() => naiveConv(naiveConv(x.data, [32, 28, 28, 1], w1.data, w1.shape), [32, 28, 28, 8], w2.data, w2.shape));

// Forward agrees with the naive loops (a sanity check of what is being timed).
const ref = naiveConv(naiveConv(x.data, [32, 28, 28, 1], w1.data, w1.shape), [32, 28, 28, 8], w2.data, w2.shape);
const got = net(w1, w2, x).data;
let worst = 0;
for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - got[i]));

console.log(`conv2d, x [32, 28, 28, 1] → 3×3×1×8 'same' → 3×3×8×16 'same', float32, median of ${runs}`);
console.log(`  forward (ops.conv2d ×2)          ${tFwd.toFixed(1).padStart(7)} ms   ${(flopsFwd / tFwd / 1e6).toFixed(2)} GFLOP/s`);
console.log(`  forward + backward (grad w1, w2) ${tGrad.toFixed(1).padStart(7)} ms   ${((3 * flopsFwd - 2 * 32 * 28 * 28 * 8 * 9) / tGrad / 1e6).toFixed(2)} GFLOP/s`);
console.log(`  naive 7-loop forward, for scale  ${tNaive.toFixed(1).padStart(7)} ms   ${(flopsFwd / tNaive / 1e6).toFixed(2)} GFLOP/s`);
console.log(`  max |op − naive| = ${worst.toExponential(2)}`);
