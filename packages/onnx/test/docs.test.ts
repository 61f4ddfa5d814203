// docs/onnx.md stays true: its tables name every export and import rule, and its deployment and fine-tuning examples run as written.

import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exportRules, importRules } from '../src/index.js';

const page = readFileSync(new URL('../../../docs/onnx.md', import.meta.url), 'utf8');
const section = (title: string): string => page.split(`## ${title}`)[1].split('\n## ')[0];

/** Runs the js block of a section from inside this package (so that its dependencies resolve) and returns its output lines. */
const runBlock = (title: string): string[] => {
  const code = /```js\n([\s\S]*?)```/.exec(section(title))![1];
  const file = fileURLToPath(new URL('../docs-example.tmp.mjs', import.meta.url));
  writeFileSync(file, code);
  try {
    return execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim().split('\n');
  } finally {
    rmSync(file, { force: true });
  }
};

describe('docs/onnx.md', () => {
  it('lists every exportable op in the export table', () => {
    const table = section('Export');
    const missing = Object.keys(exportRules).map((op) => op.split('.')[1]).filter((name) => !table.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('lists every importable ONNX op in the import table', () => {
    const rows = section('Import').split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split('|')[1]);
    const names = new Set(rows.flatMap((r) => r.split(',').map((s) => s.trim())));
    const missing = [...Object.keys(importRules), 'Constant'].filter((op) => !names.has(op));
    expect(missing).toEqual([]);
  });

  it("the README states how many ONNX ops the importer reads (Constant included)", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`${Object.keys(importRules).length + 1} ONNX ops`);
  });

  it('the deployment example runs: onnxruntime and chainrule print the same fitted AND', () => {
    const [fromOrt, fromChainrule] = runBlock('Deploying a trained model');
    expect(fromOrt).toBe(fromChainrule);
    expect(fromOrt.split(' ').map((v) => (Number(v) > 0.5 ? 1 : 0))).toEqual([0, 0, 0, 1]);
  });

  it('the fine-tuning example runs and its loss falls', () => {
    const [before, after] = runBlock('Fine-tuning an imported model')[0].split(' ').map(Number);
    expect(after).toBeLessThan(before / 2);
  });
});
