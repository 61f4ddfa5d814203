// docs/transforms.md runs as written: each example prints exactly the text shown below it.

import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const page = readFileSync(new URL('../../../docs/transforms.md', import.meta.url), 'utf8');
const examples = [...page.matchAll(/```ts\n([\s\S]*?)```\n\nIt prints:\n\n```text\n([\s\S]*?)```/g)].map((m) => ({ code: m[1], out: m[2].trim() }));

describe('docs/transforms.md', () => {
  it('has an output under every example', () => {
    expect(examples.length).toBe((page.match(/```ts\n/g) ?? []).length);
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  examples.forEach(({ code, out }, k) => {
    it(`example ${k + 1} prints what the page says`, () => {
      // Types stripped; run from inside this package so that the @chainrule packages resolve.
      const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      const file = fileURLToPath(new URL(`../transforms-example-${k}.tmp.mjs`, import.meta.url));
      writeFileSync(file, js);
      try {
        expect(execFileSync(process.execPath, [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()).toBe(out);
      } finally {
        rmSync(file, { force: true });
      }
    });
  });
});
