// Turns benchmark rows into the printed table, the pass/fail lines and the JSON report.

import os from 'node:os';
import { COMPARED, LIBRARIES, PEERS, type Library, type Row, type RunOptions } from './run.js';

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

const pad = (s: string, w: number, right = false): string => (right ? s.padStart(w) : s.padEnd(w));

const short = (lib: string): string => lib.replace('chainrule-', '').replace('tfjs-', 'tf-').replace('jax-js', 'jax');

/**
 * The result table as text: one row per case, each library's median ('–' where it cannot run
 * the case), and chainrule-wasm-1t ÷ each peer.
 *
 * @example
 * console.log(formatTable(rows))
 */
export const formatTable = (rows: readonly Row[]): string => {
  const header = ['case', 'unit', ...LIBRARIES, ...PEERS.map((p) => `${short(COMPARED)}/${short(p)}`)];
  const body = rows.map((r) => [
    r.label,
    r.unit,
    ...LIBRARIES.map((l) => { const s = r.stats[l]; return s === undefined ? '–' : fmt(s.median); }),
    ...PEERS.map((p) => { const v = r.ratios[p]; return v === undefined ? '–' : `${v.toFixed(2)}×`; }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => pad(c, widths[i], i >= 2)).join('  ');
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
    `ratio = ${COMPARED} ÷ peer: above 1× is better for GFLOP/s and steps/s, below 1× is better for µs/op and s/epoch.`,
  ].join('\n');
};

const ratioOf = (row: Row | undefined, ours: Library, peer: Library): number | undefined => {
  const a = row?.stats[ours], b = row?.stats[peer];
  return a === undefined || b === undefined ? undefined : a.median / b.median;
};

/**
 * The targets, judged on rows from one run: matmul n=512 against tfjs-wasm on one and
 * two threads, the MLP step against tfjs-wasm, per-op overhead, and the CNN epoch time.
 *
 * @example
 * formatVerdict(rows) // ['matmul n=512, wasm 1 thread vs tfjs-wasm: 1.20× (target ≥ 1.0×): met', ...]
 */
export const formatVerdict = (rows: readonly Row[]): string[] => {
  const lines: string[] = [];
  const judge = (label: string, v: number | undefined, target: string, ok: (v: number) => boolean, digits = 2, unit = '×'): void => {
    if (v !== undefined) lines.push(`${label}: ${v.toFixed(digits)}${unit} (target ${target}): ${ok(v) ? 'met' : 'missed'}`);
  };
  const m512 = rows.find((r) => r.label === 'matmul n=512');
  judge('matmul n=512, wasm 1 thread vs tfjs-wasm', ratioOf(m512, 'chainrule-wasm-1t', 'tfjs-wasm'), '≥ 1.0×', (v) => v >= 1);
  judge('matmul n=512, wasm 2 threads vs tfjs-wasm', ratioOf(m512, 'chainrule-wasm-2t', 'tfjs-wasm'), '≥ 1.8×', (v) => v >= 1.8);
  const mlp = rows.find((r) => r.case === 'mlp-step');
  judge('MLP step, wasm 1 thread vs tfjs-wasm', ratioOf(mlp, 'chainrule-wasm-1t', 'tfjs-wasm'), '> 1×', (v) => v > 1);
  judge('MLP step, wasm 1 thread vs jax-js jit', ratioOf(mlp, 'chainrule-wasm-1t', 'jax-js-jit'), '≥ 1.0×', (v) => v >= 1);
  const bestCompiled = (row: Row | undefined): number | undefined => {
    const vs = (['chainrule-js-compiled', 'chainrule-wasm-1t-compiled'] as const).map((l) => row?.stats[l]?.median).filter((x): x is number => x !== undefined);
    return vs.length === 0 ? undefined : row?.higherIsBetter ? Math.max(...vs) : Math.min(...vs);
  };
  const jaxJit = mlp?.stats['jax-js-jit']?.median;
  const compiledMlp = bestCompiled(mlp);
  judge('MLP step, compiled (best backend) vs jax-js jit', compiledMlp !== undefined && jaxJit !== undefined ? compiledMlp / jaxJit : undefined, '≥ 2×', (v) => v >= 2);
  judge('per-op, jit(grad(f)) compiled (best backend)', bestCompiled(rows.find((r) => r.label === 'per-op, jit(grad(f))')), '≤ 0.3 µs', (v) => v <= 0.3, 2, ' µs/op');
  for (const row of rows.filter((r) => r.case === 'per-op')) {
    const v = row.stats[COMPARED]?.median;
    const peers = PEERS.map((p) => row.stats[p]?.median).filter((x): x is number => x !== undefined);
    if (peers.length === 0) continue;
    judge(`${row.label}, wasm 1 thread`, v, `under 20 µs and the best peer's ${fmt(Math.min(...peers))} µs`, (x) => x < 20 && x < Math.min(...peers), 1, ' µs/op');
  }
  const epoch = rows.find((r) => r.case === 'cnn-epoch');
  const best = Math.min(...(['chainrule-wasm-1t', 'chainrule-wasm-2t', 'chainrule-wasm-1t-compiled'] as const).map((l) => epoch?.stats[l]?.median ?? Infinity));
  if (epoch !== undefined && epoch.label.includes('8000')) judge('CNN epoch of 8000 images, best wasm', best, '≤ 2.5 s', (v) => v <= 2.5, 2, ' s');
  return lines;
};

/** The JSON written after a run. */
export interface BenchReport {
  readonly version: 2;
  readonly date: string;
  readonly environment: {
    readonly node: string;
    readonly platform: string;
    readonly cpu: string;
    readonly cores: number;
    readonly tfjs: string;
  };
  readonly options: { readonly quick: boolean; readonly repeat: number };
  readonly rows: readonly Row[];
}

/**
 * Packs rows with the date, machine and options into the JSON report.
 *
 * @example
 * JSON.stringify(makeReport(rows, { quick: false }, '4.22.0'), null, 2)
 */
export const makeReport = (rows: readonly Row[], options: RunOptions, tfjs: string): BenchReport => ({
  version: 2,
  date: new Date().toISOString(),
  environment: {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    tfjs,
  },
  options: { quick: options.quick, repeat: options.repeat ?? 1 },
  rows,
});
