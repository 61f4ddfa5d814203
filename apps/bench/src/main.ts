// Entry point of `pnpm bench`: parses flags, runs the suite, prints the table and writes JSON.

import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable, formatVerdict, makeReport } from './report.js';
import { CASES, runBenchmarks, type CaseName } from './run.js';
import { tfVersion } from './tfjs.js';

const USAGE = `usage: node apps/bench/dist/main.js [--quick] [--repeat N] [--cases matmul,mlp-step,per-op,cnn-step,cnn-epoch] [--out FILE]

  --quick      short run: brief timings, matmul up to n = 512, a CNN epoch of 640 images
  --repeat N   run the suite N times; each figure is the median over runs (default 1)
  --cases      comma-separated subset of matmul, mlp-step, per-op, cnn-step, cnn-epoch (default all)
  --out FILE   where to write the JSON report (default bench-results/latest.json at the repo root)`;

/** The workspace root (where pnpm-workspace.yaml is), or the working directory. */
const workspaceRoot = (): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
};

const fail = (message: string): never => {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
};

const parse = (): { quick: boolean; repeat: number; cases: CaseName[]; out: string } => {
  let values: { quick?: boolean; repeat?: string; cases?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean' },
        repeat: { type: 'string' },
        cases: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return fail((e as Error).message);
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) fail(`--repeat: expected a positive integer, got '${values.repeat}'`);
  const cases = values.cases === undefined ? [...CASES] : values.cases.split(',').map((c) => c.trim());
  for (const c of cases) if (!CASES.includes(c as CaseName)) fail(`--cases: unknown case '${c}' (expected ${CASES.join(', ')})`);
  const out = values.out ?? path.join(workspaceRoot(), 'bench-results', 'latest.json');
  return { quick: values.quick === true, repeat, cases: cases as CaseName[], out };
};

const main = async (): Promise<void> => {
  const args = parse();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const options = { quick: args.quick, repeat: args.repeat, cases: args.cases, log };
  const rows = await runBenchmarks(options);
  process.stdout.write(`\n${formatTable(rows)}\n\n${formatVerdict(rows).join('\n')}\n`);
  mkdirSync(path.dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(makeReport(rows, options, tfVersion), null, 2)}\n`);
  const shown = path.relative(process.cwd(), args.out);
  process.stdout.write(`\nJSON written to ${shown.startsWith('..') ? args.out : shown}\n`);
};

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
