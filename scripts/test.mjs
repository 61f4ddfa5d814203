// Builds every package, runs every package's tests, and prints one summary line computed
// from the runners' JSON reports. Exits non-zero on any failure or when no test ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dirs = ['packages', 'apps', 'examples'].flatMap((d) =>
  existsSync(join(root, d)) ? readdirSync(join(root, d)).map((p) => join(root, d, p)) : [],
).filter((d) => existsSync(join(d, 'package.json')));

for (const d of dirs) rmSync(join(d, 'test-report.json'), { force: true });

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0' };
const run = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--concurrency=1', '--continue', '--output-logs=new-only', ...process.argv.slice(2)], {
  cwd: root, stdio: 'inherit', env,
});

let passed = 0, failed = 0;
const missing = [];
for (const d of dirs) {
  const pkg = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'));
  if (!pkg.scripts?.test) continue;
  const file = join(d, 'test-report.json');
  if (!existsSync(file)) { missing.push(pkg.name); continue; }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += (r.numFailedTests ?? 0);
  if ((r.numFailedTestSuites ?? 0) > 0 && (r.numFailedTests ?? 0) === 0) failed += r.numFailedTestSuites;
}
if (missing.length) console.log(`no test report from: ${missing.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(run.status !== 0 || failed > 0 || passed === 0 || missing.length > 0 ? 1 : 0);
