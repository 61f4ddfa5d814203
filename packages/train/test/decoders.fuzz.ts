// `pnpm fuzz`: FUZZ_RUNS (default 10,000) hostile cases per decoder (FUZZ_ONLY=graph for one),
// a table of outcomes, and a failure unless every case was a Left or an accepted valid value.

import { it, expect } from 'vitest';
import { HANG_MS, fuzzDecoders } from './decoder-fuzz.js';

const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
const seed = Number(process.env.FUZZ_SEED ?? 2026);
const only = process.env.FUZZ_ONLY;

it(`${runs} hostile cases per decoder (seed ${seed})`, () => {
  const reports = fuzzDecoders(runs, seed, only);
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const lines = [
    `decoder fuzz: ${runs} cases per decoder, seed ${seed}, hang = over ${HANG_MS} ms`,
    `${'decoder'.padEnd(18)}${pad('Left', 8)}${pad('accepted', 10)}${pad('crash', 7)}${pad('hang', 6)}${pad('accepted-invalid', 18)}${pad('long message', 14)}`,
    ...reports.map((r) => `${r.decoder.padEnd(18)}${pad(r.counts.left, 8)}${pad(r.counts.accepted, 10)}${pad(r.counts.crash, 7)}${pad(r.counts.hang, 6)}${pad(r.counts.acceptedInvalid, 18)}${pad(r.counts.longMessage, 14)}`),
    ...reports.flatMap((r) => r.failures.map((f) => `  ${r.decoder}: ${f}`)),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of reports) {
    expect(r.failures, r.decoder).toEqual([]);
    expect(r.counts.crash + r.counts.hang + r.counts.acceptedInvalid + r.counts.longMessage, r.decoder).toBe(0);
  }
});
