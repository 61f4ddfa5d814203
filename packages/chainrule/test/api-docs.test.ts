// The API reference builds with typedoc from the JSDoc (warnings, unresolved {@link}s and unexported references are errors), and its pages link only to pages that exist.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
let out: string;
let log: { code: number | null; text: string };

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'chainrule-api-'));
  // The same configuration `pnpm docs:api` and `pnpm build` use (typedoc.json), written elsewhere.
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  log = { code: r.status, text: `${r.stdout}${r.stderr}` };
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

const htmlFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? htmlFiles(join(dir, e.name)) : e.name.endsWith('.html') ? [join(dir, e.name)] : []));

describe('the API reference (typedoc)', () => {
  it('builds without a warning or an error', () => {
    expect(log.text).not.toMatch(/\[(warning|error)\]/);
    expect(log.code).toBe(0);
  });

  it('documents the public API, with the JSDoc examples', () => {
    const grad = readFileSync(join(out, 'variables', 'index.grad.html'), 'utf8').replace(/<[^>]*>/g, '');
    expect(grad).toContain('Example');
    expect(grad).toContain('const df = grad((x) =&gt; sum(mul(x, x)))'); // the JSDoc example of core's grad
    expect(existsSync(join(out, 'classes', 'index.Tensor.html'))).toBe(true);
    expect(existsSync(join(out, 'variables', 'node.loadMnist.html'))).toBe(true);
    expect(readFileSync(join(out, 'variables', 'index.sgd.html'), 'utf8')).toMatch(/Example/);
  });

  it('has no broken relative links between its pages', () => {
    const pages = htmlFiles(out);
    expect(pages.length).toBeGreaterThan(200);
    const broken = pages.flatMap((page) =>
      [...readFileSync(page, 'utf8').matchAll(/href="([^"#?]*)[^"]*"/g)]
        .map((m) => m[1])
        .filter((href) => href !== '' && !/^[a-z]+:/i.test(href) && !href.startsWith('//'))
        .filter((href) => !existsSync(resolve(dirname(page), decodeURIComponent(href))))
        .map((href) => `${page.slice(out.length + 1)} → ${href}`),
    );
    expect(broken).toEqual([]);
  });
});
