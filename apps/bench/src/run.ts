// Runs every benchmark case for chainrule (on each backend) and its peers in one process and collects the rows.

import { jsBackend, type Backend, type Executor } from '@chainrule/core';
import { compiler } from '@chainrule/compiler';
import { createWasmBackend } from '@chainrule/backend-wasm';
import { chainruleChain, chainruleCnn, chainruleMatmul, chainruleMlp } from './chainrule.js';
import { CHAIN, CNN, MATMUL_SIZES, MLP, mlpData } from './problems.js';
import { median, timeInterleaved, type Contender, type TimingOptions } from './stats.js';
import { tfChain, tfMatmul, tfMlp, useTfBackend, type Disposable, type TfBackend } from './tfjs.js';
import { jaxMatmul, jaxMlp, loadJax } from './jaxjs.js';

/**
 * chainrule on each of its backends — the reference js, and wasm with one and two threads —
 * with jit's reference interpreter, and on js and wasm (one thread) with the compiler behind jit.
 */
export const CHAINRULE = ['chainrule-js', 'chainrule-wasm-1t', 'chainrule-wasm-2t', 'chainrule-js-compiled', 'chainrule-wasm-1t-compiled'] as const;

/** The columns whose jitted cases run on the compiler. */
const COMPILED: ReadonlySet<string> = new Set(['chainrule-js-compiled', 'chainrule-wasm-1t-compiled']);

/** TensorFlow.js on its two backends. */
export const TF_PEERS = ['tfjs-cpu', 'tfjs-wasm'] as const;

/** The peers chainrule is compared with: TensorFlow.js, and jax-js on its wasm device eager and under jit. */
export const PEERS = [...TF_PEERS, 'jax-js', 'jax-js-jit'] as const;

/** One of {@link PEERS}. */
export type Peer = (typeof PEERS)[number];

/** Every column of the table: chainrule's backends, then the peers. */
export const LIBRARIES = [...CHAINRULE, ...PEERS] as const;

/** One of {@link LIBRARIES}. */
export type Library = (typeof LIBRARIES)[number];

/** The chainrule column the ratios compare with the peers. */
export const COMPARED: Library = 'chainrule-wasm-1t';

/** A figure for one library in one row: the median over runs, and each run's median. */
export interface Stat {
  readonly median: number;
  /** One median per run (several with `repeat`). */
  readonly runs: readonly number[];
  /** The last run's per-sample figures, for a look at the spread. */
  readonly samples: readonly number[];
}

/**
 * The benchmark cases, in the order they run.
 *
 * @example
 * runBenchmarks({ quick: true, cases: CASES.filter((c) => c !== 'matmul') })
 */
export const CASES = ['matmul', 'mlp-step', 'per-op', 'cnn-step', 'cnn-epoch'] as const;

/** One of {@link CASES}. */
export type CaseName = (typeof CASES)[number];

/** One line of the result table. */
export interface Row {
  readonly case: CaseName;
  readonly label: string;
  readonly unit: 'GFLOP/s' | 'steps/s' | 'µs/op' | 's/epoch';
  /** Whether a larger figure is better (throughput) or a smaller one (time). */
  readonly higherIsBetter: boolean;
  /** Each library's figure; a library that cannot run the case has none. */
  readonly stats: Readonly<Partial<Record<Library, Stat>>>;
  /** {@link COMPARED} ÷ peer, for each peer that ran. */
  readonly ratios: Readonly<Partial<Record<Peer, number>>>;
}

/** Options of {@link runBenchmarks}. */
export interface RunOptions {
  /** A short run: brief timings, matmul up to n = 512 only, a CNN "epoch" of 640 images. */
  readonly quick: boolean;
  /** Which cases to run (default all). */
  readonly cases?: readonly CaseName[];
  /** How many times to run the whole suite; each figure is the median over runs. */
  readonly repeat?: number;
  /** Called with a line of progress text (default: nothing). */
  readonly log?: (line: string) => void;
}

const FULL: TimingOptions = { warmupMs: 500, samples: 7, minSampleMs: 300 };
const QUICK: TimingOptions = { warmupMs: 300, samples: 3, minSampleMs: 100 };
// An epoch is long: two warm-up epochs, then one epoch per sample.
const EPOCH: TimingOptions = { warmupMs: 0, samples: 3, minSampleMs: 0 };
const QUICK_EPOCH: TimingOptions = { warmupMs: 0, samples: 1, minSampleMs: 0 };

type Measured = { readonly median: number; readonly samples: readonly number[] };
interface RawRow {
  readonly case: CaseName;
  readonly label: string;
  readonly unit: Row['unit'];
  readonly higherIsBetter: boolean;
  readonly values: Readonly<Partial<Record<Library, Measured>>>;
}

/** A named contender with what to free after timing. */
interface Entry extends Contender {
  readonly key: string;
  readonly dispose?: () => void;
}

const backendOf = (peer: (typeof TF_PEERS)[number]): TfBackend => (peer === 'tfjs-cpu' ? 'cpu' : 'wasm');

/** Sets up one case per peer, each under its own backend, entered again before each turn. */
const peerEntries = async <T>(make: () => Disposable<T>, body: (run: T) => void): Promise<Entry[]> => {
  const entries: Entry[] = [];
  for (const peer of TF_PEERS) {
    const backend = backendOf(peer);
    await useTfBackend(backend);
    const d = make();
    entries.push({ key: peer, enter: () => useTfBackend(backend), body: () => body(d.run), dispose: d.dispose });
  }
  return entries;
};

/** chainrule's backends, made once per run: the wasm ones own their memory and workers. */
const chainruleBackends = () => {
  const wasm1 = createWasmBackend({ threads: 1 }), wasm2 = createWasmBackend({ threads: 2 });
  const all: Readonly<Record<(typeof CHAINRULE)[number], Backend>> = {
    'chainrule-js': jsBackend, 'chainrule-wasm-1t': wasm1, 'chainrule-wasm-2t': wasm2, 'chainrule-js-compiled': jsBackend, 'chainrule-wasm-1t-compiled': wasm1,
  };
  return { all, close: () => wasm2.runtime.terminate() };
};

/** One entry per chainrule backend (optionally only some), keyed by its column. */
const chainruleEntries = (backends: ReturnType<typeof chainruleBackends>['all'], make: (b: Backend, executor?: Executor) => () => void, only: readonly string[] = CHAINRULE): Entry[] =>
  CHAINRULE.filter((k) => only.includes(k)).map((k) => ({ key: k, body: COMPILED.has(k) ? make(backends[k], compiler) : make(backends[k]) }));

/** The columns that run eager calls only (no jit, so no executor to compare). */
const EAGER: readonly string[] = ['chainrule-js', 'chainrule-wasm-1t', 'chainrule-wasm-2t'];

/** Times the entries in turns and converts seconds per iteration into the row's unit. */
const race = async (
  entries: readonly Entry[],
  timing: TimingOptions,
  toUnit: (seconds: number) => number,
  log: (line: string) => void,
): Promise<Record<string, Measured>> => {
  try {
    const timings = await timeInterleaved(entries, timing);
    const out: Record<string, Measured> = {};
    entries.forEach((e, i) => {
      out[e.key] = { median: toUnit(timings[i].medianSeconds), samples: timings[i].sampleSeconds.map(toUnit) };
      log(`  ${e.key}: ${out[e.key].median.toPrecision(4)}`);
    });
    return out;
  } finally {
    for (const e of entries) e.dispose?.();
  }
};

const runOnce = async (options: RunOptions): Promise<RawRow[]> => {
  const timing = options.quick ? QUICK : FULL;
  const log = options.log ?? (() => undefined);
  const cases = options.cases ?? CASES;
  const jax = await loadJax();
  const made = chainruleBackends();
  const backends = made.all;
  const rows: RawRow[] = [];
  const pick = (m: Record<string, Measured>): Partial<Record<Library, Measured>> => m as Partial<Record<Library, Measured>>;

  if (cases.includes('matmul')) {
    const sizes = options.quick ? MATMUL_SIZES.filter((n) => n <= 512) : MATMUL_SIZES;
    for (const n of sizes) {
      const gflops = (s: number): number => (2 * n * n * n) / s / 1e9;
      log(`matmul n=${n} (GFLOP/s)`);
      const jm = jaxMatmul(jax, n);
      const entries = [
        ...chainruleEntries(backends, (b) => { const run = chainruleMatmul(n, b); return () => void run(); }, EAGER),
        ...(await peerEntries(() => tfMatmul(n), (run) => void run())),
        { key: 'jax-js', body: () => void jm.run(), dispose: jm.dispose },
      ];
      const m = await race(entries, timing, gflops, log);
      rows.push({ case: 'matmul', label: `matmul n=${n}`, unit: 'GFLOP/s', higherIsBetter: true, values: pick(m) });
    }
  }

  if (cases.includes('mlp-step')) {
    const data = mlpData(42);
    log(`MLP step ${MLP.inputs}-${MLP.hidden}-${MLP.classes}, batch ${MLP.batch} (steps/s)`);
    const eager = jaxMlp(jax, data, 'eager'), jitted = jaxMlp(jax, data, 'jit');
    const entries = [
      ...chainruleEntries(backends, (b, e) => { const mlp = chainruleMlp(data, b, e); return () => void mlp.step(); }),
      ...(await peerEntries(() => tfMlp(data), (run) => void run.step())),
      { key: 'jax-js', body: () => void eager.step(), dispose: eager.dispose },
      { key: 'jax-js-jit', body: () => void jitted.step(), dispose: jitted.dispose },
    ];
    const m = await race(entries, timing, (s) => 1 / s, log);
    rows.push({ case: 'mlp-step', label: `MLP step ${MLP.inputs}-${MLP.hidden}-${MLP.classes} b${MLP.batch}`, unit: 'steps/s', higherIsBetter: true, values: pick(m) });
  }

  if (cases.includes('per-op')) {
    log(`per-op overhead: chain of ${CHAIN.ops} ops on [${CHAIN.size}], sum, backward (µs/op)`);
    for (const mode of ['eager', 'jit'] as const) {
      const entries = [
        ...chainruleEntries(backends, (b, e) => { const run = chainruleChain(mode, b, e); return () => void run(); }, mode === 'jit' ? CHAINRULE : EAGER),
        ...(await peerEntries(tfChain, (run) => void run())),
      ];
      const m = await race(entries, timing, (s) => (s * 1e6) / CHAIN.ops, log);
      rows.push({ case: 'per-op', label: mode === 'eager' ? 'per-op, grad(f) eager' : 'per-op, jit(grad(f))', unit: 'µs/op', higherIsBetter: false, values: pick(m) });
    }
  }

  // The CNN cases are chainrule's alone: TensorFlow.js's wasm backend has no conv2d filter
  // gradient kernel, so it cannot train this network.
  if (cases.includes('cnn-step')) {
    log(`CNN training step, batch ${CNN.batch} (steps/s)`);
    const entries = chainruleEntries(backends, (b, e) => { const s = chainruleCnn(b, CNN.batch, e); let i = 0; return () => void s.step(i++); });
    const m = await race(entries, timing, (s) => 1 / s, log);
    rows.push({ case: 'cnn-step', label: `CNN step b${CNN.batch}`, unit: 'steps/s', higherIsBetter: true, values: pick(m) });
  }

  if (cases.includes('cnn-epoch')) {
    const examples = options.quick ? 640 : CNN.epochExamples;
    log(`CNN epoch of ${examples} images, batch ${CNN.batch} (s/epoch)`);
    const entries = chainruleEntries(backends, (b, e) => {
      const s = chainruleCnn(b, examples, e);
      return () => { for (let i = 0; i < s.batches; i++) s.step(i); };
    }, ['chainrule-wasm-1t', 'chainrule-wasm-2t', 'chainrule-wasm-1t-compiled']);
    const m = await race(entries, options.quick ? QUICK_EPOCH : EPOCH, (s) => s, log);
    rows.push({ case: 'cnn-epoch', label: `CNN epoch, ${examples} images`, unit: 's/epoch', higherIsBetter: false, values: pick(m) });
  }
  made.close();
  return rows;
};

/** One library's figures of one row over all runs: the median of the runs' medians. */
const combine = (runs: readonly Measured[]): Stat => {
  const medians = runs.map((r) => r.median);
  return { median: median(medians), runs: medians, samples: runs[runs.length - 1].samples };
};

/**
 * Runs the benchmark suite `repeat` times (default once) and returns one row per case with
 * the median figure of each library and the chainrule-wasm-1t ÷ peer ratios.
 *
 * @example
 * const rows = await runBenchmarks({ quick: true, log: console.error })
 * rows.find((r) => r.case === 'mlp-step')?.ratios['tfjs-wasm'] // > 1: chainrule on wasm is faster
 */
export const runBenchmarks = async (options: RunOptions): Promise<Row[]> => {
  const repeat = options.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`repeat must be a positive integer, got ${repeat}`);
  const all: RawRow[][] = [];
  for (let r = 0; r < repeat; r++) {
    if (repeat > 1) options.log?.(`run ${r + 1} of ${repeat}`);
    all.push(await runOnce(options));
  }
  return all[0].map((first, i): Row => {
    const stats: Partial<Record<Library, Stat>> = {};
    for (const lib of LIBRARIES) {
      const runs = all.map((rows) => rows[i].values[lib]);
      if (runs.every((r): r is Measured => r !== undefined)) stats[lib] = combine(runs);
    }
    const ratios: Partial<Record<Peer, number>> = {};
    const ours = stats[COMPARED];
    for (const p of PEERS) {
      const theirs = stats[p];
      if (ours !== undefined && theirs !== undefined) ratios[p] = ours.median / theirs.median;
    }
    return { case: first.case, label: first.label, unit: first.unit, higherIsBetter: first.higherIsBetter, stats, ratios };
  });
};
