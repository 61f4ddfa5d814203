// Memory over a long training: runs many small steps and prints how the heap and RSS grow per
// step (least-squares slope after garbage collection), so a leak shows as a number.
// Usage: node --expose-gc scripts/memory-soak.mjs [--steps 30000] [--every 500] [--json]
// (`pnpm soak` at the root builds and runs it with 30,000 steps.)

import { parseArgs } from 'node:util';
import { lastValueFrom, tap } from 'rxjs';
import { mlp } from '@chainrule/nn';
import { sgd } from '@chainrule/optim';
import { moons, ofType, train } from '../dist/index.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '30000' }, every: { type: 'string', default: '500' }, json: { type: 'boolean', default: false } } });
const steps = Number(values.steps), every = Number(values.every);
if (!(Number.isInteger(steps) && steps >= 4 * every && every >= 1)) throw new Error(`--steps must be an integer ≥ 4 × --every, got ${values.steps} and ${values.every}`);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc, so samples are taken after a full collection');

// 200 moons in batches of 8: 25 steps per epoch, so epochs end (validation, history) all along.
const data = moons({ size: 200, seed: 0 });
const stepsPerEpoch = 25;
const epochs = Math.ceil(steps / stepsPerEpoch);
const samples = [];
const sample = (step) => {
  globalThis.gc();
  const m = process.memoryUsage();
  samples.push({ step, heap: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers });
};

const started = performance.now();
await lastValueFrom(
  train({
    model: mlp({ sizes: [2, 16, 2], activation: 'tanh' }),
    data,
    validation: moons({ size: 40, seed: 1 }),
    optimizer: sgd({ learningRate: 0.05, momentum: 0.9 }),
    epochs,
    batchSize: 8,
  }).pipe(
    tap((e) => {
      if (e.type === 'step' && e.step % every === 0 && e.step <= steps) sample(e.step);
    }),
    ofType('done'),
  ),
);
const seconds = (performance.now() - started) / 1000;

/** Least-squares slope of y over x, skipping the first quarter (warm-up: tracing, JIT, caches). */
const slope = (key) => {
  const pts = samples.slice(Math.floor(samples.length / 4));
  const mx = pts.reduce((s, p) => s + p.step, 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[key], 0) / pts.length;
  let num = 0, den = 0;
  for (const p of pts) {
    num += (p.step - mx) * (p[key] - my);
    den += (p.step - mx) ** 2;
  }
  return num / den;
};

const result = {
  steps: epochs * stepsPerEpoch,
  sampled: samples.length,
  seconds: Number(seconds.toFixed(1)),
  heapBytesPerStep: Number(slope('heap').toFixed(1)),
  rssBytesPerStep: Number(slope('rss').toFixed(1)),
  externalBytesPerStep: Number(slope('external').toFixed(1)),
  // kept on purpose: loss, accuracy and learning rate of every step (3 doubles), an epoch summary per epoch
  historyBytesPerStep: 3 * 8,
  heapFirst: samples[0].heap,
  heapLast: samples[samples.length - 1].heap,
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`${result.steps} steps in ${result.seconds} s, ${result.sampled} samples after gc()`);
  console.log(`heap      ${result.heapBytesPerStep} bytes/step (history by design: ~${result.historyBytesPerStep} bytes/step plus an epoch summary every ${stepsPerEpoch} steps)`);
  console.log(`rss       ${result.rssBytesPerStep} bytes/step`);
  console.log(`external  ${result.externalBytesPerStep} bytes/step (typed arrays)`);
  console.log(`heap ${(result.heapFirst / 1e6).toFixed(1)} MB → ${(result.heapLast / 1e6).toFixed(1)} MB`);
}
