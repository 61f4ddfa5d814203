// Prints lines of TypeScript per package (tests excluded), so growth stays visible.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const walk = (dir) => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  if (f === 'node_modules' || f === 'dist') return [];
  return statSync(p).isDirectory() ? walk(p) : [p];
});
let total = 0;
for (const group of ['packages', 'apps', 'examples']) {
  if (!existsSync(join(root, group))) continue;
  for (const pkg of readdirSync(join(root, group))) {
    const src = join(root, group, pkg, 'src');
    if (!existsSync(src)) continue;
    const files = walk(src).filter((f) => /\.tsx?$/.test(f) && !/\.(test|spec|e2e)\.tsx?$/.test(f));
    const lines = files.reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').length, 0);
    total += lines;
    console.log(`${`${group}/${pkg}`.padEnd(28)} ${String(lines).padStart(6)}  (${files.length} files)`);
  }
}
console.log(`${'total'.padEnd(28)} ${String(total).padStart(6)}`);
