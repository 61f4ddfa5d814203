// Runs every benchmark case for chainrule and its peers in one process and collects the rows.

import { chainruleChain, chainruleMatmul, chainruleMlp } from './chainrule.js';
import { CHAIN, MATMUL_SIZES, MLP, mlpData } from './problems.js';
import { median, timeInterleaved, type Contender, type TimingOptions } from './stats.js';
import { tfChain, tfMatmul, tfMlp, useTfBackend, type Disposable, type TfBackend } from './tfjs.js';

/** The peers chainrule is compared with. */
export const PEERS = ['tfjs-cpu', 'tfjs-wasm'] as const;

/** One of {@link PEERS}. */
export type Peer = (typeof PEERS)[number];

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
export const CASES = ['matmul', 'mlp-step', 'per-op'] as const;

/** One of {@link CASES}. */
export type CaseName = (typeof CASES)[number];

/** One line of the result table. */
export interface Row {
  readonly case: CaseName;
  readonly label: string;
  readonly unit: 'GFLOP/s' | 'steps/s' | 'µs/op';
  /** Whether a larger figure is better (throughput) or a smaller one (time per op). */
  readonly higherIsBetter: boolean;
  readonly chainrule: Stat;
  readonly peers: Readonly<Record<Peer, Stat>>;
  /** chainrule ÷ peer for each peer. */
  readonly ratios: Readonly<Record<Peer, number>>;
}

/** Options of {@link runBenchmarks}. */
export interface RunOptions {
  /** A short run: brief timings and matmul up to n = 512 only. */
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

type Measured = { readonly median: number; readonly samples: readonly number[] };
type Library = 'chainrule' | Peer;
interface RawRow {
  readonly case: CaseName;
  readonly label: string;
  readonly unit: Row['unit'];
  readonly higherIsBetter: boolean;
  readonly values: Readonly<Record<Library, Measured>>;
}

/** A named contender with what to free after timing. */
interface Entry extends Contender {
  readonly key: string;
  readonly dispose?: () => void;
}

const backendOf = (peer: Peer): TfBackend => (peer === 'tfjs-cpu' ? 'cpu' : 'wasm');

/** Sets up one case per peer, each under its own backend, entered again before each turn. */
const peerEntries = async <T>(make: () => Disposable<T>, body: (run: T) => void): Promise<Entry[]> => {
  const entries: Entry[] = [];
  for (const peer of PEERS) {
    const backend = backendOf(peer);
    await useTfBackend(backend);
    const d = make();
    entries.push({ key: peer, enter: () => useTfBackend(backend), body: () => body(d.run), dispose: d.dispose });
  }
  return entries;
};

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
  const rows: RawRow[] = [];
  const pick = (m: Record<string, Measured>, chainrule: string): Record<Library, Measured> => ({
    chainrule: m[chainrule],
    'tfjs-cpu': m['tfjs-cpu'],
    'tfjs-wasm': m['tfjs-wasm'],
  });

  if (cases.includes('matmul')) {
    const sizes = options.quick ? MATMUL_SIZES.filter((n) => n <= 512) : MATMUL_SIZES;
    for (const n of sizes) {
      const gflops = (s: number): number => (2 * n * n * n) / s / 1e9;
      log(`matmul n=${n} (GFLOP/s)`);
      const entries = [{ key: 'chainrule', body: chainruleMatmul(n) }, ...(await peerEntries(() => tfMatmul(n), (run) => void run()))];
      const m = await race(entries, timing, gflops, log);
      rows.push({ case: 'matmul', label: `matmul n=${n}`, unit: 'GFLOP/s', higherIsBetter: true, values: pick(m, 'chainrule') });
    }
  }

  if (cases.includes('mlp-step')) {
    const data = mlpData(42);
    log(`MLP step ${MLP.inputs}-${MLP.hidden}-${MLP.classes}, batch ${MLP.batch} (steps/s)`);
    const mlp = chainruleMlp(data);
    const entries = [{ key: 'chainrule', body: () => void mlp.step() }, ...(await peerEntries(() => tfMlp(data), (run) => void run.step()))];
    const m = await race(entries, timing, (s) => 1 / s, log);
    rows.push({
      case: 'mlp-step',
      label: `MLP step ${MLP.inputs}-${MLP.hidden}-${MLP.classes} b${MLP.batch}`,
      unit: 'steps/s',
      higherIsBetter: true,
      values: pick(m, 'chainrule'),
    });
  }

  if (cases.includes('per-op')) {
    log(`per-op overhead: chain of ${CHAIN.ops} ops on [${CHAIN.size}], sum, backward (µs/op)`);
    const eager = chainruleChain('eager');
    const jitted = chainruleChain('jit');
    const entries = [
      { key: 'chainrule grad(f)', body: () => void eager() },
      { key: 'chainrule jit(grad(f))', body: () => void jitted() },
      ...(await peerEntries(tfChain, (run) => void run())),
    ];
    const m = await race(entries, timing, (s) => (s * 1e6) / CHAIN.ops, log);
    rows.push({ case: 'per-op', label: 'per-op, grad(f) eager', unit: 'µs/op', higherIsBetter: false, values: pick(m, 'chainrule grad(f)') });
    rows.push({ case: 'per-op', label: 'per-op, jit(grad(f))', unit: 'µs/op', higherIsBetter: false, values: pick(m, 'chainrule jit(grad(f))') });
  }
  return rows;
};

/** One library's figures of one row over all runs: the median of the runs' medians. */
const combine = (runs: readonly Measured[]): Stat => {
  const medians = runs.map((r) => r.median);
  return { median: median(medians), runs: medians, samples: runs[runs.length - 1].samples };
};

/**
 * Runs the benchmark suite `repeat` times (default once) and returns one row per case with
 * the median figure of each library and the chainrule ÷ peer ratios.
 *
 * @example
 * const rows = await runBenchmarks({ quick: true, log: console.error })
 * rows.find((r) => r.case === 'mlp-step')?.ratios['tfjs-wasm'] // > 1: chainrule is faster
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
    const stat = (lib: Library): Stat => combine(all.map((rows) => rows[i].values[lib]));
    const chainrule = stat('chainrule');
    const peers = { 'tfjs-cpu': stat('tfjs-cpu'), 'tfjs-wasm': stat('tfjs-wasm') };
    return {
      case: first.case,
      label: first.label,
      unit: first.unit,
      higherIsBetter: first.higherIsBetter,
      chainrule,
      peers,
      ratios: { 'tfjs-cpu': chainrule.median / peers['tfjs-cpu'].median, 'tfjs-wasm': chainrule.median / peers['tfjs-wasm'].median },
    };
  });
};
