// Every ```ts block of README.md and docs/*.md is type-checked (strict) and run; every example in examples/ builds and runs.
//
// Info string of a block: ```ts [fragment] [file=NAME.ts]
//   fragment   only type-checked (it needs a browser, trains for minutes, or shows part of a test)
//   file=NAME  the block is saved as NAME, so later blocks of the same page can import it
// Blocks of one page share a directory; each block is a module (`export {}` is appended), so
// names never leak from one block into another. Relative links of the pages must resolve.

import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const work = resolve(fileURLToPath(new URL('../.docs-blocks/', import.meta.url)));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

interface Block {
  readonly page: string;
  readonly line: number; // of the first code line, 1-based
  readonly code: string;
  readonly fragment: boolean;
  readonly file: string; // relative to the page's directory
}

const slug = (page: string): string => page.replace(/\.md$/, '').replace(/\//g, '-');

const extract = (page: string): Block[] => {
  const lines = readFileSync(join(root, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```ts(?:\s+(.*))?$/.exec(lines[i]);
    if (open === null) {
      if (/^```/.test(lines[i])) for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++);
      continue;
    }
    const words = (open[1] ?? '').split(/\s+/).filter(Boolean);
    const bad = words.filter((w) => w !== 'fragment' && !/^file=[\w.-]+\.ts$/.test(w));
    if (bad.length > 0) throw new Error(`${page}:${i + 1}: unknown word in the info string: ${bad.join(' ')}`);
    const start = i + 1;
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++);
    blocks.push({
      page,
      line: start + 1,
      code: lines.slice(start, i).join('\n'),
      fragment: words.includes('fragment'),
      file: words.find((w) => w.startsWith('file='))?.slice(5) ?? `block-${blocks.length + 1}.ts`,
    });
  }
  return blocks;
};

const blocks = pages.flatMap(extract);
const source = (b: Block): string => join(work, 'src', slug(b.page), b.file);
const output = (b: Block): string => join(work, 'out', slug(b.page), b.file.replace(/\.ts$/, '.js'));
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();

/** Runs a built file in an empty directory; resolves to its exit code and output. */
const runNode = (file: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((done) => {
    const cwd = mkdtempSync(join(tmpdir(), 'chainrule-block-'));
    const child = spawn(process.execPath, [file], { cwd, timeout: 120_000 });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      done({ code, stdout, stderr });
    });
  });

let compileErrors = '';
beforeAll(() => {
  rmSync(work, { recursive: true, force: true });
  for (const b of blocks) {
    mkdirSync(dirname(source(b)), { recursive: true });
    writeFileSync(source(b), `${b.code}\nexport {};\n`);
  }
  writeFileSync(join(work, 'package.json'), '{ "type": "module", "private": true }\n');
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
        types: ['node'], skipLibCheck: true, rootDir: 'src', outDir: 'out', tsBuildInfoFile: 'out/.tsbuildinfo',
      },
      include: ['src'],
    }),
  );
  // One compiler run for the pages' blocks and the examples (the same build `pnpm example` does).
  const r = spawnSync(process.execPath, [tsc, '-b', join(root, 'examples'), work], { cwd: root, encoding: 'utf8' });
  // Point each error at its page and line.
  compileErrors = (r.stdout + r.stderr).replace(/(\S*\.docs-blocks\/src\/)([^/]+)\/([\w.-]+\.ts)[(:](\d+)[,:](\d+)\)?/g, (whole, _w, s: string, f: string, l: string, c: string) => {
    const b = blocks.find((x) => slug(x.page) === s && x.file === f);
    return b === undefined ? whole : `${b.page}:${b.line + Number(l) - 1}:${c}`;
  });
  if (r.status !== 0 && compileErrors.trim() === '') compileErrors = `tsc exited with ${r.status}`;
}, 120_000);

describe('the ts blocks of README.md and docs/*.md', () => {
  it('are there to check', () => {
    expect(blocks.length).toBeGreaterThan(20);
    expect(blocks.filter((b) => !b.fragment).length).toBeGreaterThan(10);
  });

  it('type-check with strict tsc', () => {
    expect(compileErrors).toBe('');
  });

  it.each(blocks.filter((b) => !b.fragment).map((b) => [`${b.page}:${b.line}`, b] as const))('%s runs', async (_, b) => {
    const r = await runNode(output(b));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it("the README's first block prints a loss, the gradient's shape and σ″(0.5)", async () => {
    const first = blocks.find((b) => b.page === 'README.md')!;
    expect(first.code).toContain("from 'chainrule'");
    const out = (await runNode(output(first))).stdout.trim().split(/\s+/);
    const s = 1 / (1 + Math.exp(-0.5));
    expect(Number(out[0])).toBeGreaterThan(0);
    expect(out.slice(1, 5).join(' ')).toBe('[ 2, 8 ]');
    expect(Number(out[out.length - 1])).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 6); // σ″ = σ(1 − σ)(1 − 2σ)
  });
});

describe('the relative links of README.md and docs/*.md', () => {
  it('point at files that exist', () => {
    const broken = pages.flatMap((page) => {
      const text = readFileSync(join(root, page), 'utf8');
      return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
        .map((m) => m[1].split('#')[0])
        .filter((target) => target !== '' && !/^[a-z]+:/.test(target) && !target.startsWith('docs/api/'))
        .filter((target) => !existsSync(resolve(root, dirname(page), target)))
        .map((target) => `${page}: ${target}`);
    });
    expect(broken).toEqual([]);
  });
});

// What each example must show; an example without an entry only has to run cleanly.
const shows: Record<string, (stdout: string) => void> = {
  concepts: (out) => {
    expect(out).toContain('jit traced 1 time for 3 calls');
    expect(out).toContain('caught a ChainruleError (ShapeMismatch)');
    expect(out).toContain('second derivative 12'); // d²(x³)/dx² = 6x at 2
  },
  gradcheck: (out) => expect(out).toContain('the kit caught it:\ncheckOpPlugin(example.cube) failed the VJP check'),
  plugins: (out) => {
    expect(out).toContain('conformance kit: passed');
    const losses = [...out.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 10);
  },
  nn: (out) => expect(out).toContain('cnn 16 and 32 filters: 105866 parameters'), // the CLI's CNN, as docs/cli.md says
  optim: (out) => expect(out.match(/traced 1×/g)).toHaveLength(2),
  training: (out) => expect(Number(/done after \d+ epochs.*test accuracy ([\d.]+)%/.exec(out)![1])).toBeGreaterThanOrEqual(90),
  'getting-started': (out) => expect(out).toContain('xor predicted: 0 1 1 0'),
  'seed-walkthrough': (out) => {
    const rows = out.split('\n').filter((l) => l.startsWith('∂') || l.startsWith('σ'));
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      const [left, right] = row.trim().split(/\s+/).slice(-2).map(Number);
      expect(left).toBeCloseTo(right, 9);
    }
  },
};

describe('examples/', () => {
  it.each(examples)('%s builds and runs', async (name) => {
    expect(compileErrors).toBe('');
    const r = await runNode(join(root, 'examples', 'dist', `${name}.js`));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toBe('');
    shows[name]?.(r.stdout);
  });

  it('has one example for each page of docs/ that documents a library', () => {
    for (const page of ['concepts', 'getting-started', 'gradcheck', 'nn', 'ops', 'optim', 'plugins', 'seed-walkthrough', 'training']) expect(examples).toContain(page);
  });
});
