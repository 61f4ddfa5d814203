// The root README's first example runs as written, and its op count matches the standard library.

import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { standardOps } from '../src/registry.js';

const root = new URL('../../../', import.meta.url);

describe('README', () => {
  it('the first example runs as written and prints a loss, a gradient shape and σ″(0.5)', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    // Run it from inside this package so that '@chainrule/core' and '@chainrule/ops' resolve.
    const file = fileURLToPath(new URL('../readme-example.tmp.mjs', import.meta.url));
    writeFileSync(file, code);
    try {
      const out = execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim().split(/\s+/);
      const s = 1 / (1 + Math.exp(-0.5));
      expect(Number(out[0])).toBeGreaterThan(0);
      expect(out.slice(1, 3).join(' ')).toBe('[ 2,');
      expect(Number(out[out.length - 1])).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 6);
    } finally {
      rmSync(file, { force: true });
    }
  });
  it('states the number of ops in the standard library', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const count = standardOps.filter((op) => !['core.input', 'core.constant'].includes(op.name)).length;
    expect(readme).toContain(`\`@chainrule/ops\` has ${count} ops`);
  });
});
