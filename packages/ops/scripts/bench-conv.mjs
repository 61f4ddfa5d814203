// Times the im2col conv2d kernels against naive 7-deep loops on an MNIST-sized batch.
//
// Usage: node packages/ops/scripts/bench-conv.mjs [path/to/conv.js] [--samples 7]
// Build first (`pnpm --filter @chainrule/ops... build`); by default this imports ../dist/kernels/conv.js.
import { pathToFileURL, fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';

const args = process.argv.slice(2);
const samplesAt = args.indexOf('--samples');
const samples = samplesAt >= 0 ? Number(args.splice(samplesAt, 2)[1]) : 7;
const here = path.dirname(fileURLToPath(import.meta.url));
const modulePath = args[0] ? path.resolve(args[0]) : path.join(here, '../dist/kernels/conv.js');
const { conv2dForward, conv2dBackwardInput, conv2dBackwardFilter, samePadding, convOutputSize } =
  await import(pathToFileURL(modulePath).href);

// The naive kernels: every (output pixel, output channel, tap) visited in the textbook order,
// seven loops deep. `mode` picks what is computed: the output, ∂x, or ∂w (from `dy`).
function naive(mode, x, [n, h, w, c], wt, [kh, kw, , o], [sh, sw], [dh, dw], [pt, , pl], dy, oh, ow) {
  const result = new Float32Array(mode === 'forward' ? n * oh * ow * o : mode === 'input' ? n * h * w * c : kh * kw * c * o);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let q = 0; q < o; q++) {
          const yi = ((b * oh + i) * ow + j) * o + q;
          const g = mode === 'forward' ? 0 : dy[yi];
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = i * sh + ky * dh - pt;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = j * sw + kx * dw - pl;
              if (ix < 0 || ix >= w) continue;
              for (let cc = 0; cc < c; cc++) {
                const xi = ((b * h + iy) * w + ix) * c + cc, wi = ((ky * kw + kx) * c + cc) * o + q;
                if (mode === 'forward') s += x[xi] * wt[wi];
                else if (mode === 'input') result[xi] += g * wt[wi];
                else result[wi] += g * x[xi];
              }
            }
          }
          if (mode === 'forward') result[yi] = s;
        }
  return result;
}

const randomArray = (size) => {
  const a = new Float32Array(size);
  for (let i = 0; i < size; i++) a[i] = Math.random() * 2 - 1;
  return a;
};

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Median wall time in ms of each named run. All runs are warmed up first, then sampled in
// turn, so a change in machine load hits every run alike.
function timeAll(runs) {
  for (const run of Object.values(runs)) {
    const t0 = performance.now();
    while (performance.now() - t0 < 300) run();
  }
  const times = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  for (let s = 0; s < samples; s++) {
    for (const [name, run] of Object.entries(runs)) {
      const t = performance.now();
      run();
      times[name].push(performance.now() - t);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, ts]) => [k, median(ts)]));
}

const layers = [
  { name: 'conv 3×3×1→8  ', xShape: [32, 28, 28, 1], wShape: [3, 3, 1, 8] },
  { name: 'conv 3×3×8→16 ', xShape: [32, 28, 28, 8], wShape: [3, 3, 8, 16] },
];

console.log(`conv2d float32, batch 32, SAME, stride 1: median of ${samples} runs in ms`);
console.log(`kernel: ${modulePath}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
for (const { name, xShape, wShape } of layers) {
  const strides = [1, 1], dilations = [1, 1];
  const pads = [...samePadding(xShape[1], wShape[0], 1, 1), ...samePadding(xShape[2], wShape[1], 1, 1)];
  const oh = convOutputSize(xShape[1], wShape[0], 1, 1, pads[0], pads[1]);
  const ow = convOutputSize(xShape[2], wShape[1], 1, 1, pads[2], pads[3]);
  const yShape = [xShape[0], oh, ow, wShape[3]];
  const x = randomArray(xShape.reduce((a, b) => a * b));
  const w = randomArray(wShape.reduce((a, b) => a * b));
  const dy = randomArray(yShape.reduce((a, b) => a * b));

  const t = timeAll({
    forward: () => conv2dForward(x, xShape, w, wShape, strides, dilations, pads),
    backwardInput: () => conv2dBackwardInput(dy, yShape, w, wShape, xShape, strides, dilations, pads),
    backwardFilter: () => conv2dBackwardFilter(x, xShape, dy, yShape, wShape, strides, dilations, pads),
    naiveForward: () => naive('forward', x, xShape, w, wShape, strides, dilations, pads, dy, oh, ow),
    naiveBackwardInput: () => naive('input', x, xShape, w, wShape, strides, dilations, pads, dy, oh, ow),
    naiveBackwardFilter: () => naive('filter', x, xShape, w, wShape, strides, dilations, pads, dy, oh, ow),
  });
  const fast = { forward: t.forward, backwardInput: t.backwardInput, backwardFilter: t.backwardFilter };
  const slow = { forward: t.naiveForward, backwardInput: t.naiveBackwardInput, backwardFilter: t.naiveBackwardFilter };
  // Sanity: both implementations compute the same three results. The naive gradients add tens of
  // thousands of terms in float32 (the kernel accumulates in float64), hence Δ up to ~1e-4 for ∂w.
  const pairs = [
    [conv2dForward(x, xShape, w, wShape, strides, dilations, pads), naive('forward', x, xShape, w, wShape, strides, dilations, pads, dy, oh, ow)],
    [conv2dBackwardInput(dy, yShape, w, wShape, xShape, strides, dilations, pads), naive('input', x, xShape, w, wShape, strides, dilations, pads, dy, oh, ow)],
    [conv2dBackwardFilter(x, xShape, dy, yShape, wShape, strides, dilations, pads), naive('filter', x, xShape, w, wShape, strides, dilations, pads, dy, oh, ow)],
  ];
  const worst = pairs.map(([a, b]) => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
    return m;
  });
  const row = (label, t) => `${label.padEnd(7)} fwd ${t.forward.toFixed(2).padStart(7)}  bwd-in ${t.backwardInput.toFixed(2).padStart(7)}  bwd-w ${t.backwardFilter.toFixed(2).padStart(7)}  total ${(t.forward + t.backwardInput + t.backwardFilter).toFixed(2).padStart(7)}`;
  console.log(`${name} ${row('im2col', fast)}`);
  console.log(`${''.padEnd(15)} ${row('naive', slow)}   (max rel. |Δ| fwd/in/w ${worst.map((v) => v.toExponential(0)).join(' ')})`);
}
