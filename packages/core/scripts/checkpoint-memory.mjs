#!/usr/bin/env node
// Peak live intermediate bytes of a deep MLP's gradient graph, plain and with checkpoint(f) around
// layers or blocks of layers: what rematerialisation saves, counted on the interpreter's schedule.
//
// With --heap (run node with --expose-gc --single-threaded-gc, so that freed typed arrays are
// released before the count is read) it also runs each gradient and samples the bytes of
// typed arrays alive after a full GC at every kernel call: the same saving, in the real heap.
//
// Usage: node --expose-gc --single-threaded-gc packages/core/scripts/checkpoint-memory.mjs [--depth 32] [--width 128] [--batch 512] [--heap]
// (build first: pnpm exec turbo run build --filter=@chainrule/core)
import { trace, abstract, grad, jit, checkpoint, peakLiveBytes, coreOps, fromData, withBackend, ones, matmul, mul, sigmoid, sum } from '../dist/index.js';

const args = process.argv.slice(2);
const heap = args.includes('--heap');
if (heap && (typeof globalThis.gc !== 'function' || !process.execArgv.includes('--single-threaded-gc'))) {
  throw new Error('--heap needs node --expose-gc --single-threaded-gc');
}
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const depth = option('--depth', 32), width = option('--width', 128), batch = option('--batch', 512);

// x·σ(x) after a matmul: the backward needs each layer's pre-activation and its sigmoid.
const layer = (h, w) => {
  const z = matmul(h, w);
  return mul(z, sigmoid(z));
};
/** The loss with every run of `size` consecutive layers checkpointed (size 0: none). */
const model = (size) => {
  const block = checkpoint((h, ws) => ws.reduce(layer, h), { name: 'block' });
  return (ws, x) => {
    if (size === 0) return sum(ws.reduce(layer, x));
    let h = x;
    for (let k = 0; k < ws.length; k += size) h = block(h, ws.slice(k, k + size));
    return sum(h);
  };
};

// A backend that runs each op's reference kernel and then samples the live typed-array bytes.
let peakHeap = 0;
const sample = () => {
  globalThis.gc();
  peakHeap = Math.max(peakHeap, process.memoryUsage().arrayBuffers);
};
const sampling = {
  name: 'sampling',
  kernels: Object.fromEntries(coreOps.map((op) => [op.name, (ins, out, attrs, avals) => {
    out.set(op.forward(ins.map((d, k) => fromData(d, avals.inputs[k].shape)), attrs, avals.output));
    sample();
  }])),
};
/** Peak typed-array bytes above what was alive before the gradient ran (weights, inputs). */
const heapPeak = (loss) => {
  const ws = Array.from({ length: depth }, () => mul(ones([width, width]), 1 / width)), x = ones([batch, width]);
  const step = jit(grad(loss), { backend: sampling });
  withBackend(sampling, () => step(ws, x)); // traced here, so the measured run below is plain execution
  globalThis.gc();
  const base = process.memoryUsage().arrayBuffers;
  peakHeap = 0;
  withBackend(sampling, () => step(ws, x));
  return peakHeap - base;
};

const spec = [Array.from({ length: depth }, () => abstract([width, width])), abstract([batch, width])];
const mib = (b) => (b / 2 ** 20).toFixed(2);
const weights = depth * width * width * 4;
const sqrt = Math.max(1, Math.round(Math.sqrt(depth)));
console.log(`MLP: ${depth} layers of ${width}×${width} (x·σ(x)), batch ${batch}, float32; weights ${mib(weights)} MiB, gradients ${mib(weights)} MiB`);
console.log(`| checkpointing | peak live intermediates (MiB) | of plain |${heap ? ' measured heap peak, gradients included (MiB) |' : ''}`);
console.log(`|---|---|---|${heap ? '---|' : ''}`);
const plain = peakLiveBytes(trace(grad(model(0)), ...spec));
for (const [label, size] of [['none', 0], ['every layer', 1], [`blocks of ${sqrt} layers (√depth)`, sqrt], [`blocks of ${depth / 2} layers`, depth / 2]]) {
  const peak = size === 0 ? plain : peakLiveBytes(trace(grad(model(size)), ...spec));
  console.log(`| ${label} | ${mib(peak)} | ${((100 * peak) / plain).toFixed(0)}% |${heap ? ` ${mib(heapPeak(model(size)))} |` : ''}`);
}
