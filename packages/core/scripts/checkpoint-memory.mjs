#!/usr/bin/env node
// Peak live intermediate bytes of a deep MLP's gradient graph, plain and with checkpoint(f) around
// layers or blocks of layers: what rematerialisation saves, counted on the interpreter's schedule.
//
// Usage: node packages/core/scripts/checkpoint-memory.mjs [--depth 32] [--width 256] [--batch 128]
// (build first: pnpm exec turbo run build --filter=@chainrule/core)
import { trace, abstract, grad, checkpoint, peakLiveBytes, matmul, mul, sigmoid, sum } from '../dist/index.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const depth = option('--depth', 32), width = option('--width', 256), batch = option('--batch', 128);

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

const spec = [Array.from({ length: depth }, () => abstract([width, width])), abstract([batch, width])];
const mib = (b) => (b / 2 ** 20).toFixed(2);
const weights = depth * width * width * 4;
const sqrt = Math.max(1, Math.round(Math.sqrt(depth)));
console.log(`MLP: ${depth} layers of ${width}×${width} (x·σ(x)), batch ${batch}, float32; weights ${mib(weights)} MiB, gradients ${mib(weights)} MiB`);
console.log('| checkpointing | peak live bytes (MiB) | of plain | recomputed forward |');
console.log('|---|---|---|---|');
const plain = peakLiveBytes(trace(grad(model(0)), ...spec));
for (const [label, size, recompute] of [['none', 0, '0'], ['every layer', 1, '1×'], [`blocks of ${sqrt} layers (√depth)`, sqrt, '1×'], [`blocks of ${depth / 2} layers`, depth / 2, '1×']]) {
  const peak = size === 0 ? plain : peakLiveBytes(trace(grad(model(size)), ...spec));
  console.log(`| ${label} | ${mib(peak)} | ${((100 * peak) / plain).toFixed(0)}% | ${recompute} |`);
}
