// Measures GFLOP/s of the float32 matmul kernel against a naive triple loop, to keep tuning honest.
//
// Usage: node packages/core/scripts/bench-matmul.mjs [path/to/matmul.js] [--sizes 64,256,512,1024] [--samples 7]
// Builds are not triggered here: run `pnpm --filter @chainrule/core build` first, or compile the
// kernel alone (`npx tsc --outDir /tmp/kout --module nodenext --target es2022 --moduleResolution nodenext
// packages/core/src/kernels/matmul.ts`) and pass `/tmp/kout/matmul.js`.
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const sizes = option('--sizes', '64,256,512,1024').split(',').map(Number);
const samples = Number(option('--samples', '7'));
const here = path.dirname(fileURLToPath(import.meta.url));
const modulePath = args[0] ? path.resolve(args[0]) : path.join(here, '../dist/kernels/matmul.js');
const { matmulInto } = await import(pathToFileURL(modulePath).href);

// The baseline a first attempt would write: i-j-p dot products, no blocking, no packing.
function naiveMatmul(a, b, out, m, k, n) {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      out[i * n + j] = s;
    }
  }
}

const randomArray = (size) => {
  const x = new Float32Array(size);
  for (let i = 0; i < size; i++) x[i] = Math.random() * 2 - 1;
  return x;
};

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Calls `run` for at least `warmMs` (so V8 has tiered up and settled); returns ms per call.
function warm(run, warmMs) {
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < warmMs || calls < 1) { run(); calls++; }
  return (performance.now() - t0) / calls;
}

// GFLOP/s of one batch of `reps` calls.
function rate(run, reps, flops) {
  const t = performance.now();
  for (let r = 0; r < reps; r++) run();
  return (flops * reps) / ((performance.now() - t) * 1e6);
}

const fmt = (rs) => `${median(rs).toFixed(2)} [${Math.min(...rs).toFixed(2)}..${Math.max(...rs).toFixed(2)}]`;

console.log(`matmul float32, GFLOP/s as median [min..max] of ${samples} samples (naive at n ≥ 1024: 3 samples)`);
console.log(`kernel: ${modulePath}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
for (const n of sizes) {
  const a = randomArray(n * n), b = randomArray(n * n), out = new Float32Array(n * n);
  const flops = 2 * n * n * n;
  const fast = () => matmulInto(a, 0, b, 0, out, 0, n, n, n, false, false);
  const slow = () => naiveMatmul(a, b, out, n, n, n);
  // Batches of ~250 ms; the naive loop at n = 1024 takes seconds a call, so it gets one call.
  const fastReps = Math.max(1, Math.round(250 / warm(fast, 1000)));
  const slowReps = n >= 1024 ? 1 : Math.max(1, Math.round(250 / warm(slow, 1000)));
  const slowSamples = n >= 1024 ? Math.min(3, samples) : samples;
  // Kernel and naive samples alternate, so a change in machine load hits both alike.
  const fastRates = [], slowRates = [];
  for (let s = 0; s < samples; s++) {
    fastRates.push(rate(fast, fastReps, flops));
    if (s < slowSamples) slowRates.push(rate(slow, slowReps, flops));
  }
  console.log(`n=${String(n).padStart(4)}  kernel ${fmt(fastRates).padEnd(22)} naive ${fmt(slowRates).padEnd(22)} speed-up ×${(median(fastRates) / median(slowRates)).toFixed(1)}`);
}
