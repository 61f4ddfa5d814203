// Every public package packs, installs offline from its tarball into an empty directory, and imports there (JS and types).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const publicPackages = readdirSync(join(root, 'packages'))
  .map((d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) as { name: string; private?: boolean })
  .filter((p) => p.private !== true)
  .map((p) => p.name)
  .sort();
const tarball = (name: string): string => `${name.replace(/^@/, '').replace('/', '-')}-0.1.0.tgz`;

let dir: string;
const sh = (command: string, args: string[], cwd: string) => {
  // No network: an unreachable registry, so anything not on this machine fails the install.
  const env = { ...process.env, npm_config_registry: 'http://127.0.0.1:9/', TURBO_TELEMETRY_DISABLED: '1' };
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'chainrule-pack-'));
  mkdirSync(join(dir, 'tarballs'));
  mkdirSync(join(dir, 'app'));
  const packed = sh('pnpm', ['--filter', './packages/*', 'pack', '--pack-destination', join(dir, 'tarballs')], root);
  if (packed.code !== 0) throw new Error(`pnpm pack failed:\n${packed.out}`);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('packing', () => {
  it('the public packages are the nine libraries and the umbrella', () => {
    expect(publicPackages).toEqual(['@chainrule/backend-wasm', '@chainrule/compiler', '@chainrule/core', '@chainrule/gradcheck', '@chainrule/nn', '@chainrule/onnx', '@chainrule/ops', '@chainrule/optim', '@chainrule/train', 'chainrule']);
  });

  it('gives one tarball per public package, with compiled JS and declarations but no sources or tests', () => {
    expect(readdirSync(join(dir, 'tarballs')).sort()).toEqual(publicPackages.map(tarball).sort());
    for (const name of publicPackages) {
      const files = sh('tar', ['tzf', join(dir, 'tarballs', tarball(name))], dir).out.split('\n').filter(Boolean);
      expect(files, name).toContain('package/dist/index.js');
      expect(files, name).toContain('package/dist/index.d.ts');
      expect(files.filter((f) => f.includes('/src/') || /\.test\.(js|ts)$/.test(f)), name).toEqual([]);
    }
  });

  it('installs offline into an empty directory and imports there: JS, chainrule/node and the types', () => {
    const app = join(dir, 'app');
    const file = (name: string) => `file:${join(dir, 'tarballs', tarball(name))}`;
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: Object.fromEntries(publicPackages.map((n) => [n, file(n)])) }));
    // The tarballs name each other by version; point those names at the local files too.
    writeFileSync(join(app, 'pnpm-workspace.yaml'), `overrides:\n${publicPackages.map((n) => `  "${n}": "${file(n)}"\n`).join('')}`);
    const install = sh('pnpm', ['install', '--offline'], app);
    expect(install.code, install.out).toBe(0);

    writeFileSync(
      join(app, 'main.js'),
      `import * as chainrule from 'chainrule';
import { mnistFiles } from 'chainrule/node';
import { existsSync } from 'node:fs';
const { grad, sum, mul, tensor } = chainrule;
const names = ${JSON.stringify(publicPackages.filter((n) => n !== 'chainrule'))};
const counts = await Promise.all(names.map(async (n) => Object.keys(await import(n)).length));
console.log(JSON.stringify({
  grad: Array.from(grad((x) => sum(mul(x, x)))(tensor([1, 2, 3])).data),
  counts,
  mnist: mnistFiles().every((f) => existsSync(f)),
}));
`,
    );
    const run = sh(process.execPath, ['main.js'], app);
    expect(run.code, run.out).toBe(0);
    const result = JSON.parse(run.out) as { grad: number[]; counts: number[]; mnist: boolean };
    expect(result.grad).toEqual([2, 4, 6]); // d/dx Σx² = 2x
    expect(result.counts.every((c) => c > 5)).toBe(true);
    expect(result.mnist).toBe(true);

    // A strict TypeScript consumer resolves the packed declarations.
    writeFileSync(
      join(app, 'check.ts'),
      `import { grad, sum, mul, tensor, mlp, sgd, train, xor, checkGrads, type Tensor } from 'chainrule';
import { loadCheckpoint } from 'chainrule/node';
const g: Tensor = grad((x: Tensor) => sum(mul(x, x)))(tensor([1, 2]));
const run$ = train({ model: mlp({ sizes: [2, 4, 2] }), data: xor(), optimizer: sgd({ learningRate: 0.1 }), epochs: 1, batchSize: 4 });
export const used = [g, run$, checkGrads, loadCheckpoint] as const;
`,
    );
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, types: [] }, files: ['check.ts'] }));
    const tsc = sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
    expect(tsc.out).toBe('');
    expect(tsc.code).toBe(0);
  }, 120_000);
});
