// Turns benchmark rows into the printed table, the pass/fail lines and the JSON report.

import os from 'node:os';
import { PEERS, type Row, type RunOptions } from './run.js';

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

const pad = (s: string, w: number, right = false): string => (right ? s.padStart(w) : s.padEnd(w));

/**
 * The result table as text: one row per case, each library's median, and chainrule ÷ peer.
 *
 * @example
 * console.log(formatTable(rows))
 */
export const formatTable = (rows: readonly Row[]): string => {
  const header = ['case', 'unit', 'chainrule', ...PEERS, ...PEERS.map((p) => `cr/${p.replace('tfjs-', '')}`)];
  const body = rows.map((r) => [
    r.label,
    r.unit,
    fmt(r.chainrule.median),
    ...PEERS.map((p) => fmt(r.peers[p].median)),
    ...PEERS.map((p) => `${r.ratios[p].toFixed(2)}×`),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => pad(c, widths[i], i >= 2)).join('  ');
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
    'ratio = chainrule ÷ peer: above 1× is better for GFLOP/s and steps/s, below 1× is better for µs/op.',
  ].join('\n');
};

/**
 * The bar, judged on rows from one run: the MLP step faster than tfjs-wasm, and
 * per-op overhead under 20 µs (and under the best peer's).
 *
 * @example
 * formatVerdict(rows) // ['MLP step vs tfjs-wasm: 0.80× (bar: above 1×): below the bar', ...]
 */
export const formatVerdict = (rows: readonly Row[]): string[] => {
  const lines: string[] = [];
  const mlp = rows.find((r) => r.case === 'mlp-step');
  if (mlp !== undefined) {
    const r = mlp.ratios['tfjs-wasm'];
    lines.push(`MLP step vs tfjs-wasm: ${r.toFixed(2)}× (bar: above 1×): ${r > 1 ? 'meets the bar' : 'below the bar'}`);
  }
  for (const row of rows.filter((r) => r.case === 'per-op')) {
    const v = row.chainrule.median;
    const best = Math.min(...PEERS.map((p) => row.peers[p].median));
    lines.push(`${row.label}: ${fmt(v)} µs/op (bar: under 20 µs; best peer ${fmt(best)} µs): ${v < 20 && v < best ? 'meets the bar' : 'below the bar'}`);
  }
  return lines;
};

/** The JSON written after a run. */
export interface BenchReport {
  readonly version: 1;
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
  version: 1,
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
