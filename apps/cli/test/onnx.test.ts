// End-to-end: `chainrule export --onnx` from a checkpoint, then eval and predict on the .onnx file give the checkpoint's results.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '@chainrule/onnx';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const json = (text: string): Record<string, unknown>[] => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

let dir: string, ckpt: string, onnx: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'chainrule-onnx-'));
  ckpt = path.join(dir, 'moons.ckpt.json');
  onnx = path.join(dir, 'moons.onnx');
  const r = cli('train', '--dataset', 'moons', '--hidden', '8', '--activation', 'tanh', '--epochs', '5', '--out', ckpt);
  expect(r.code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chainrule export --onnx', () => {
  it('writes an ONNX model with a batch axis and the run settings', () => {
    const r = cli('export', ckpt, '--onnx', onnx, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(json(r.stdout)[0]).toMatchObject({ type: 'export', opset: 17, input: ['batch', 2], output: ['batch', 2] });
    const m = importOnnx(new Uint8Array(readFileSync(onnx)));
    expect(m._tag === 'Right' && m.right.inputs[0].shape).toEqual(['batch', 2]);
    expect(m._tag === 'Right' && JSON.parse(m.right.metadata['chainrule.run']).data.dataset).toBe('moons');
  });

  it('eval on the .onnx file gives the checkpoint’s loss, accuracy and confusion matrix', () => {
    const a = json(cli('eval', ckpt, '--json').stdout)[0];
    const b = json(cli('eval', onnx, '--json').stdout)[0];
    expect(b).toMatchObject({ type: 'eval', dataset: 'moons', examples: a.examples, accuracy: a.accuracy, confusion: a.confusion });
    expect(b.loss as number).toBeCloseTo(a.loss as number, 6);
  });

  it('predict on the .onnx file gives the checkpoint’s classes and probabilities', () => {
    const input = path.join(dir, 'points.json');
    writeFileSync(input, JSON.stringify([[0, 0], [1, 0.5], [-1, 1], [2, -0.5]]));
    for (const args of [['--count', '6'], ['--input', input]]) {
      const a = json(cli('predict', ckpt, ...args, '--json').stdout);
      const b = json(cli('predict', onnx, ...args, '--json').stdout);
      expect(b.map((x) => x.predicted)).toEqual(a.map((x) => x.predicted));
      b.forEach((x, i) => (x.probabilities as number[]).forEach((p, k) => expect(p).toBeCloseTo((a[i].probabilities as number[])[k], 6)));
    }
  });

  it('a fixed --batch is written into the model', () => {
    const fixed = path.join(dir, 'fixed.onnx');
    expect(cli('export', ckpt, '--onnx', fixed, '--batch', '4').code).toBe(0);
    const m = importOnnx(new Uint8Array(readFileSync(fixed)));
    expect(m._tag === 'Right' && m.right.inputs[0].shape).toEqual([4, 2]);
  });

  it('a broken .onnx file fails with one line naming it', () => {
    const broken = path.join(dir, 'broken.onnx');
    writeFileSync(broken, readFileSync(onnx).subarray(0, 40));
    const r = cli('eval', broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^chainrule eval: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not an ONNX model`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a missing --onnx is a usage error', () => {
    const r = cli('export', ckpt);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--onnx <file>' not specified");
  });
});
