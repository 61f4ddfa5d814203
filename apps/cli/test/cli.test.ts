// End-to-end tests of the built `chainrule` executable, run as a child process.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRight } from 'fp-ts/lib/Either.js';
import { NEVER, Subject } from 'rxjs';
import { decodeCheckpoint } from '@chainrule/train';
import { run } from '../src/cli.js';
import type { Io } from '../src/io.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'chainrule-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flag validation', () => {
  const runInProcess = async (args: string[]) => {
    let stdout = '', stderr = '';
    const io: Io = {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      interactive: false,
      interrupts: NEVER,
      exit: (code: number) => {
        throw new Error(`exit ${code}`);
      },
    };
    const code = await run(args, io);
    return { code, stdout, stderr };
  };

  it.each([
    [['train', '--epochs', 'three'], "--epochs: expected an integer ≥ 1, got 'three'"],
    [['train', '--dataset', 'cifar'], '--dataset: expected one of mnist, xor, spirals, moons, circles'],
    [['--lr', '0'], '--lr: expected a number > 0'],
    [['train', '--bogus'], "unknown option '--bogus'"],
    [['train', '--epochs'], "option '--epochs <n>' argument missing"],
    [['eval'], "missing required argument 'checkpoint'"],
    [['predict', 'x.json', '--count', '0'], '--count: expected an integer ≥ 1'],
    [['inspect', '--batch-size', '-1'], '--batch-size: expected an integer ≥ 1'],
    [['train', '--model', 'cnn', '--dataset', 'moons'], '--model cnn needs --dataset mnist'],
  ])('%j exits with 2 and names the problem', async (args, message) => {
    const r = await runInProcess(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('the executable exits with 2 on a bad value and 0 on --help', () => {
    const bad = cli('train', '--batch-size', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--batch-size: expected an integer ≥ 1');
    const help = cli('--help');
    expect(help.code).toBe(0);
    for (const c of ['train', 'eval', 'predict', 'inspect', 'bench']) expect(help.stdout).toContain(c);
  });
});

describe('train --json on xor, then eval and predict on its checkpoint', () => {
  let lines: Record<string, unknown>[];
  let ckpt: string;

  beforeAll(() => {
    ckpt = path.join(dir, 'xor.ckpt.json');
    const r = cli('train', '--dataset', 'xor', '--json', '--out', ckpt);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    lines = jsonLines(r.stdout);
  });

  it('prints one JSON event per line: steps, epochs, done, then the result', () => {
    const types = lines.map((l) => l.type);
    expect(types.filter((x) => x === 'step')).toHaveLength(300); // 300 epochs of one 4-example batch
    expect(types.filter((x) => x === 'epoch')).toHaveLength(300);
    expect(types.slice(-2)).toEqual(['done', 'result']);
    const step = lines.find((l) => l.type === 'step')!;
    expect(step).toMatchObject({ epoch: 1, step: 1, batch: 1, stepsPerEpoch: 1, totalSteps: 300 });
    expect(typeof step.loss).toBe('number');
    expect(typeof step.accuracy).toBe('number');
    expect(step).not.toHaveProperty('params');
    const epoch = lines.find((l) => l.type === 'epoch')!;
    expect(epoch).toMatchObject({ epoch: 1, metrics: { accuracy: expect.any(Number) }, validation: { accuracy: expect.any(Number) } });
  });

  it('learns xor: the loss falls and the four points are classified', () => {
    const epochs = lines.filter((l) => l.type === 'epoch');
    expect(epochs[epochs.length - 1].loss as number).toBeLessThan((epochs[0].loss as number) / 10);
    expect(lines[lines.length - 1]).toMatchObject({ type: 'result', dataset: 'xor', testExamples: 4, testAccuracy: 1, stopped: false, checkpoint: ckpt });
  });

  it('wrote a checkpoint that decodes, with the final step count', () => {
    const c = decodeCheckpoint(readFileSync(ckpt, 'utf8'));
    expect(isRight(c) && c.right.state.step).toBe(300);
  });

  it('eval reports the same accuracy and a confusion matrix of the 4 points', () => {
    const r = cli('eval', ckpt, '--json');
    expect(r.code).toBe(0);
    const [e] = jsonLines(r.stdout);
    expect(e).toMatchObject({ type: 'eval', dataset: 'xor', examples: 4, accuracy: 1 });
    expect((e.confusion as { counts: number[] }).counts).toEqual([2, 0, 0, 2]);
  });

  it('predict gives xor of each input from a JSON file', () => {
    const input = path.join(dir, 'points.json');
    writeFileSync(input, JSON.stringify([[0, 0], [0, 1], [1, 0], [1, 1]]));
    const r = cli('predict', ckpt, '--input', input, '--json');
    expect(r.code).toBe(0);
    const rows = jsonLines(r.stdout);
    expect(rows.map((x) => x.predicted)).toEqual([0, 1, 1, 0]);
    for (const x of rows) expect((x.probabilities as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('predict without --input takes test examples and shows their labels', () => {
    const r = cli('predict', ckpt, '--count', '4', '--json');
    expect(r.code).toBe(0);
    const rows = jsonLines(r.stdout);
    expect(rows).toHaveLength(4);
    for (const x of rows) expect(x.predicted).toBe(x.label);
  });

  it('predict names the bad example in a malformed input file', () => {
    const input = path.join(dir, 'bad.json');
    writeFileSync(input, JSON.stringify([[0, 0], [0, 1, 2]]));
    const r = cli('predict', ckpt, '--input', input);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('example 1: has 3 numbers, the model takes 2');
  });

  it('eval on a truncated checkpoint fails with a message naming the file', () => {
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, readFileSync(ckpt, 'utf8').slice(0, 200));
    const r = cli('eval', broken);
    expect(r.code).toBe(1);
    expect(r.stderr.split(broken)).toHaveLength(2); // named once
    expect(r.stderr).toContain('not valid JSON');
  });

  it('eval on a checkpoint whose dataset cannot be rebuilt ends with one line, not a stack trace', () => {
    const c = JSON.parse(readFileSync(ckpt, 'utf8'));
    c.config.data = { ...c.config.data, dataset: 'mnist', trainSize: 9000, testSize: 5000 };
    const odd = path.join(dir, 'odd-split.json');
    writeFileSync(odd, JSON.stringify(c));
    const r = cli('eval', odd);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^chainrule eval: .*9000 train \+ 5000 test examples exceed the 10000 of mnist$/);
  });

  it('inspect shows the forward and gradient graphs of the checkpoint', () => {
    const r = cli('inspect', ckpt, '--json');
    expect(r.code).toBe(0);
    const [g] = jsonLines(r.stdout);
    // 2 → 8 (sigmoid) → 2: two dense layers, 2·8 + 8 + 8·2 + 2 parameters.
    expect(g.parameters).toBe(42);
    expect((g.forward as { ops: Record<string, number> }).ops['core.matmul']).toBe(2);
    // Backward: ∂w₂ and ∂h for the second layer, ∂w₁ for the first (no gradient flows to x).
    expect((g.gradient as { ops: Record<string, number> }).ops['core.matmul']).toBe(5);
  });
});

describe('plain output (not a terminal)', () => {
  it('prints one line per epoch, then the test accuracy', () => {
    const r = cli('train', '--dataset', 'moons', '--epochs', '3');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    lines.slice(0, 3).forEach((l, i) => expect(l).toMatch(new RegExp(`^epoch ${i + 1}/3  loss \\d+\\.\\d+  acc [\\d.]+%  val loss`)));
    expect(lines[3]).toMatch(/^test accuracy [\d.]+% \(loss [\d.]+\) on 60 moons examples, 3 epochs, 45 steps/);
  });
});

describe('Ctrl-C', () => {
  it('stops within a step, writes a valid checkpoint that resumes, and exits with 130', async () => {
    const ckpt = path.join(dir, 'spirals.ckpt.json');
    const child = spawn(process.execPath, [MAIN, 'train', '--dataset', 'spirals', '--epochs', '1000', '--json', '--out', ckpt], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let signalled = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!signalled && (out.match(/"type":"epoch"/g) ?? []).length >= 3) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(signalled).toBe(true);
    expect(code).toBe(130);
    const lines = jsonLines(out);
    const done = lines.find((l) => l.type === 'done')!;
    expect(done.stopped).toBe(true);
    const steps = lines.filter((l) => l.type === 'step');
    expect(done.step).toBe(steps[steps.length - 1].step);
    const c = decodeCheckpoint(readFileSync(ckpt, 'utf8'));
    expect(isRight(c) && c.right.state.step).toBe(done.step);

    const resumed = cli('train', '--resume', ckpt, '--epochs', String((done.epoch as number) + 2), '--json');
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const first = jsonLines(resumed.stdout).find((l) => l.type === 'step')!;
    expect(first.step).toBe((done.step as number) + 1);
  });
});

describe('Ctrl-C twice', () => {
  it('the second one quits at once with 130, saying the checkpoint file holds the last completed checkpoint', async () => {
    const ckpt = path.join(dir, 'twice.ckpt.json');
    const interrupts = new Subject<void>();
    let stdout = '', stderr = '';
    const exits: { code: number; doneWritten: boolean }[] = [];
    const io: Io = {
      stdout: {
        write: (s: string) => {
          stdout += s;
          if (exits.length === 0 && s.includes('"type":"epoch"')) {
            interrupts.next();
            interrupts.next();
          }
        },
      },
      stderr: { write: (s: string) => (stderr += s) },
      interactive: false,
      interrupts,
      // the real exit ends the process; this one records the call, so the run goes on to its end
      exit: (code: number) => {
        exits.push({ code, doneWritten: stdout.includes('"type":"done"') });
        return undefined as never;
      },
    };
    await run(['train', '--dataset', 'spirals', '--epochs', '1000', '--json', '--out', ckpt], io);
    expect(exits).toEqual([{ code: 130, doneWritten: false }]);
    expect(stderr).toContain('stopping after this step (Ctrl-C again to quit at once)');
    expect(stderr).toContain(`quit; ${ckpt} holds the last completed checkpoint.`);
  });
});
