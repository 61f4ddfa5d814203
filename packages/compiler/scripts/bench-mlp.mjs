// A short benchmark of the compiler against the interpreter: MLP step 784-256-10 b128 (steps/s), per-op
// overhead under jit (µs/op, with and without fusion) and compile times of the MLP and CNN training steps.
// Usage: node scripts/bench-mlp.mjs [--seconds 1] [--json]   (build first: pnpm exec turbo run build --filter=@chainrule/compiler...)

import {
  add, grad, interpreter, jit, jsBackend, key, matmul, mul, sigmoid, softmaxCrossEntropy, sub, sum, tensor, trace, treeLeaves, treeMap, valueAndGrad,
} from '@chainrule/core';
import { cnn } from '@chainrule/nn';
import { sgd, applyUpdates } from '@chainrule/optim';
import { compile, compiler, defaultPasses } from '@chainrule/compiler';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 1) || 1;
const asJson = args.includes('--json');
const log = asJson ? () => {} : (...xs) => console.log(...xs);

/** Deterministic values in [-scale, scale]. */
const values = (n, seed, scale = 0.05) => {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return a;
};

/**
 * Calls per second of each body, measured in interleaved slices (A, B, A, B, …) over about
 * `seconds` per body after a warm-up, so a busy machine slows every body alike; median slice.
 */
const race = (bodies) => {
  for (const body of bodies) for (let i = 0; i < 3; i++) body();
  const slices = bodies.map(() => []);
  for (let k = 0; k < 7; k++) {
    bodies.forEach((body, j) => {
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < (seconds * 1000) / 7) {
        body();
        n++;
      }
      slices[j].push(n / ((performance.now() - t0) / 1000));
    });
  }
  return slices.map((r) => r.sort((a, b) => a - b)[3]);
};

const results = {};

// --- MLP step 784-256-10, batch 128, sigmoid hidden layer, mean softmax cross-entropy, SGD 0.1.
const [I, H, C, B] = [784, 256, 10, 128];
const params = {
  w1: tensor(values(I * H, 1), { shape: [I, H] }), b1: tensor(values(H, 2), { shape: [H] }),
  w2: tensor(values(H * C, 3), { shape: [H, C] }), b2: tensor(values(C, 4), { shape: [C] }),
};
const x = tensor(values(B * I, 5, 1), { shape: [B, I] });
const labels = new Float32Array(B * C);
for (let r = 0; r < B; r++) labels[r * C + ((r * 7) % C)] = 1;
const y = tensor(labels, { shape: [B, C] });
const mlpLoss = (p, xb, yb) => mul(sum(softmaxCrossEntropy(add(matmul(sigmoid(add(matmul(xb, p.w1), p.b1)), p.w2), p.b2), yb)), 1 / B);
const mlpStep = (p, xb, yb) => {
  const [l, g] = valueAndGrad(mlpLoss)(p, xb, yb);
  return [l, treeMap((w, dw) => sub(w, mul(dw, 0.1)), p, g)];
};
// --- Compile times first, while the compiler's own code is still cold (what a first jit call pays).
const bytesOf = (t) => t.size * (t.dtype === 'float64' ? 8 : 4);
const model = cnn();
const cnnParams = model.init(key(0));
const opt = sgd({ learningRate: 0.05 });
const cnnState = opt.init(cnnParams);
const cnnLoss = (p, xb, yb) => mul(sum(softmaxCrossEntropy(model.apply(p, xb), yb)), 1 / 32);
const cnnStep = (p, s, xb, yb) => {
  const [l, g] = valueAndGrad(cnnLoss)(p, xb, yb);
  const { updates, state } = opt.update(g, s, p);
  return [applyUpdates(p, updates), state, l];
};
const cnnArgs = [cnnParams, cnnState, tensor(values(32 * 784, 9, 1), { shape: [32, 28, 28, 1] }), tensor(new Float32Array(320), { shape: [32, 10] })];
/** Trace and compile times (ms): the first (cold) and the median of five more (warm). */
const compileTimes = (label, f, fargs, feeds) => {
  const times = [];
  let graph, compiled;
  for (let k = 0; k < 6; k++) {
    const t0 = performance.now();
    graph = trace(f, ...fargs);
    const t1 = performance.now();
    compiled = compile(graph, { backend: jsBackend });
    times.push([t1 - t0, performance.now() - t1]);
  }
  const warm = times.slice(1).sort((a, b) => a[1] - b[1])[2];
  results[`${label}.traceMs`] = { cold: times[0][0], warm: warm[0] };
  results[`${label}.compileMs`] = { cold: times[0][1], warm: warm[1] };
  results[`${label}.nodes`] = [graph.nodes.length, compiled.passes.graph.nodes.length];
  results[`${label}.peakBytes`] = compiled.plan.peakBytes;
  results[`${label}.arenaBytes`] = compiled.plan.arenaBytes;
  results[`${label}.feedBytes`] = feeds.reduce((s, t) => s + bytesOf(t), 0);
  log(`${label} step: compile ${times[0][1].toFixed(1)} ms cold, ${warm[1].toFixed(1)} ms warm (trace ${times[0][0].toFixed(1)} / ${warm[0].toFixed(1)} ms); nodes ${graph.nodes.length} → ${compiled.passes.graph.nodes.length}`);
  log(`  plan: peak ${compiled.plan.peakBytes} B of intermediates and outputs (arena ${compiled.plan.arenaBytes} B, ${compiled.plan.inPlace} in place); feeds ${results[`${label}.feedBytes`]} B`);
};
compileTimes('mlp', mlpStep, [params, x, y], [...Object.values(params), x, y]);
compileTimes('cnn', cnnStep, cnnArgs, [...treeLeaves(cnnParams), ...treeLeaves(cnnState), cnnArgs[2], cnnArgs[3]]);

log(`MLP step ${I}-${H}-${C} b${B} (steps/s, ~${seconds}s each)`);
const mlpExecutors = [interpreter, compiler];
const mlpRates = race(mlpExecutors.map((executor) => {
  const step = jit(mlpStep, { executor, backend: jsBackend });
  let p = params;
  return () => {
    p = step(p, x, y)[1];
  };
}));
mlpExecutors.forEach((executor, k) => {
  results[`mlp.${executor.name}`] = mlpRates[k];
  log(`  ${executor.name.padEnd(12)} ${mlpRates[k].toFixed(1)}`);
});
log(`  speed-up     ${(results['mlp.compiler'] / results['mlp.interpreter']).toFixed(2)}×`);

// --- Per-op overhead: 1,000 elementwise ops (x·w, x+b, sigmoid in turn) on [4], summed, and the gradient.
const OPS = 1000;
const cx = tensor(values(4, 6, 1)), cw = tensor(values(4, 7, 1)), cb = tensor(values(4, 8, 1));
const chain = (v) => {
  let h = v;
  for (let i = 0; i < OPS; i++) h = i % 3 === 0 ? mul(h, cw) : i % 3 === 1 ? add(h, cb) : sigmoid(h);
  return sum(h);
};
const unfused = { name: 'compiler-unfused', compile: (g, o) => compile(g, { ...o, passes: defaultPasses.filter((p) => p.name !== 'fuse' && p.name !== 'epilogue') }).run };
log(`per-op overhead under jit: chain of ${OPS} ops on [4], sum, backward (µs/op)`);
const chainExecutors = [interpreter, unfused, compiler];
const chainRates = race(chainExecutors.map((executor) => {
  const df = jit(grad(chain), { executor, backend: jsBackend });
  return () => df(cx);
}));
chainExecutors.forEach((executor, k) => {
  results[`perOp.${executor.name}`] = 1e6 / chainRates[k] / OPS;
  log(`  ${executor.name.padEnd(17)} ${(1e6 / chainRates[k] / OPS).toFixed(3)}`);
});

if (asJson) console.log(JSON.stringify(results));
