// The main entry must not reach Node built-ins: the dashboard bundles it for the browser.

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Every module reachable from `entry` through relative imports, with its bare imports. */
const reachable = (entry: string): Map<string, string[]> => {
  const seen = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]);
    seen.set(file, specs.filter((s) => !s.startsWith('.')));
    for (const s of specs.filter((x) => x.startsWith('.'))) todo.push(join(dirname(file), s.replace(/\.js$/, '.ts')));
  }
  return seen;
};

describe('entries', () => {
  it('the main entry imports no node: module; the node entry does', () => {
    const main = reachable(join(src, 'index.ts'));
    expect(main.size).toBeGreaterThan(10);
    for (const [file, bare] of main) expect({ file, bare: bare.filter((s) => s.startsWith('node:')) }).toEqual({ file, bare: [] });
    const node = [...reachable(join(src, 'node/index.ts')).values()].flat();
    expect(node).toContain('node:fs/promises');
  });
});
