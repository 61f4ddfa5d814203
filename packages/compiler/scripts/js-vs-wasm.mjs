// Generated JS or generated WebAssembly for fused loops? Times one fused loop — the SGD update
// w − lr·g of the MLP's 784×256 float32 weights — as the compiler's generated JS, and as
// hand-emitted WebAssembly (scalar and SIMD) with the data already in wasm memory or copied in and out.
// Usage: node scripts/js-vs-wasm.mjs [--seconds 1]   (build first)

import { mul, sub } from '@chainrule/core';
import { elementwiseProgram } from '@chainrule/compiler';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 1) || 1;
const N = 784 * 256;
const LR = 0.1;

// --- WebAssembly: a module importing one memory and exporting k(a, g, out, n, lr), byte offsets.
const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const name = (s) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const [A, G, OUT, NN, LRL, I] = [0, 1, 2, 3, 4, 5];
const I32 = 0x7f, F32 = 0x7d;
const op = {
  get: (l) => [0x20, l], set: (l) => [0x21, l], i32: (v) => [0x41, ...uleb(v)], add: [0x6a], shl: [0x74], geU: [0x4f],
  brIf: (d) => [0x0d, d], br: (d) => [0x0c, d], block: [0x02, 0x40], loop: [0x03, 0x40], end: [0x0b],
  f32load: [0x2a, 2, 0], f32store: [0x38, 2, 0], f32mul: [0x94], f32sub: [0x93],
  v128load: [0xfd, 0x00, 4, 0], v128store: [0xfd, 0x0b, 4, 0], splat: [0xfd, 0x13], f4mul: [0xfd, 0xe6, 0x01], f4sub: [0xfd, 0xe5, 0x01],
};
const addr = (base) => [...op.get(base), ...op.get(I), ...op.i32(2), ...op.shl, ...op.add];
const body = (simd) => {
  const lane = simd ? 4 : 1;
  const load = simd ? op.v128load : op.f32load;
  const code = [
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(NN), ...op.geU, ...op.brIf(1),
    ...addr(OUT),
    ...addr(A), ...load,
    ...(simd ? [...op.get(LRL), ...op.splat] : op.get(LRL)),
    ...addr(G), ...load,
    ...(simd ? op.f4mul : op.f32mul), ...(simd ? op.f4sub : op.f32sub),
    ...(simd ? op.v128store : op.f32store),
    ...op.get(I), ...op.i32(lane), ...op.add, ...op.set(I),
    ...op.br(0), ...op.end, ...op.end, ...op.end,
  ];
  const locals = vec([[1, I32]]);
  return [...uleb(locals.length + code.length), ...locals, ...code];
};
const wasmModule = (simd) => new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [F32]]), 0x00]])),
  ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(Math.ceil((3 * N * 4) / 65536))]])),
  ...section(3, vec([[0]])),
  ...section(7, vec([[...name('k'), 0x00, 0]])),
  ...section(10, vec([body(simd)])),
]);

const memory = new WebAssembly.Memory({ initial: Math.ceil((3 * N * 4) / 65536) });
const kernels = {};
for (const simd of [false, true]) {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasmModule(simd)), { env: { mem: memory } });
  kernels[simd ? 'simd' : 'scalar'] = instance.exports.k;
}
const heap = new Float32Array(memory.buffer);
const [aOff, gOff, oOff] = [0, N, 2 * N];

// --- The data, and the compiler's generated JS loop for the same program.
const a = new Float32Array(N), g = new Float32Array(N), out = new Float32Array(N);
for (let i = 0; i < N; i++) {
  a[i] = Math.sin(i);
  g[i] = Math.cos(i);
}
const program = elementwiseProgram([N], 'float32', [[N], [N]], [
  { op: mul, args: [{ kind: 'input', index: 1 }, { kind: 'literal', value: LR }], attrs: {} },
  { op: sub, args: [{ kind: 'input', index: 0 }, { kind: 'step', index: 0 }], attrs: {} },
]);

const handWritten = (x, y, o) => {
  for (let i = 0; i < o.length; i++) o[i] = x[i] - y[i] * LR;
};
const bodies = {
  'generated JS': () => program.kernel([a, g], out),
  'hand-written JS loop': () => handWritten(a, g, out),
  'wasm scalar, data in wasm memory': () => kernels.scalar(aOff * 4, gOff * 4, oOff * 4, N, LR),
  'wasm SIMD, data in wasm memory': () => kernels.simd(aOff * 4, gOff * 4, oOff * 4, N, LR),
  'wasm SIMD, copied in and out': () => {
    heap.set(a, aOff);
    heap.set(g, gOff);
    kernels.simd(aOff * 4, gOff * 4, oOff * 4, N, LR);
    out.set(heap.subarray(oOff, oOff + N));
  },
};

// Same results: float32 rounding of lr·g differs only in how many times it is rounded.
heap.set(a, aOff);
heap.set(g, gOff);
bodies['generated JS']();
const js = out.slice();
for (const k of ['scalar', 'simd']) {
  kernels[k](aOff * 4, gOff * 4, oOff * 4, N, LR);
  let worst = 0;
  for (let i = 0; i < N; i++) worst = Math.max(worst, Math.abs(heap[oOff + i] - js[i]));
  if (worst > 1e-6) throw new Error(`wasm ${k} differs from the generated JS by ${worst}`);
}

// Interleaved slices, median per body (a busy machine slows all alike).
const names = Object.keys(bodies);
const slices = names.map(() => []);
for (const n of names) for (let i = 0; i < 20; i++) bodies[n]();
for (let s = 0; s < 7; s++) {
  names.forEach((n, j) => {
    let calls = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < (seconds * 1000) / 7) {
      bodies[n]();
      calls++;
    }
    slices[j].push((performance.now() - t0) / calls);
  });
}
console.log(`w − lr·g over ${N} float32 values (ms per call, median of 7 slices)`);
names.forEach((n, j) => console.log(`  ${n.padEnd(34)} ${slices[j].sort((x, y) => x - y)[3].toFixed(3)}`));
