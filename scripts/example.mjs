// `pnpm example <name>`: builds the chainrule packages (cached by turbo) and examples/, then runs examples/<name>.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const names = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const name = process.argv[2]?.replace(/\.ts$/, '').replace(/^examples\//, '');
if (name === undefined || !names.includes(name)) {
  console.error(`${name === undefined ? 'which example?' : `no example named '${name}'`} Run one of: ${names.map((n) => `pnpm example ${n}`).join(', ')}`);
  process.exit(2);
}
const step = (command, args, quiet) => {
  const r = spawnSync(command, args, { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
console.error(`building chainrule and examples/ (cached after the first run), then running examples/${name}.ts`);
step('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=chainrule...', '--output-logs=errors-only'], true);
step(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(root, 'examples')], false);
const file = join(root, 'examples', 'dist', `${name}.js`);
if (!existsSync(file)) {
  console.error(`examples/${name}.ts did not build to ${file}`);
  process.exit(1);
}
step(process.execPath, [file, ...process.argv.slice(3)], false);
