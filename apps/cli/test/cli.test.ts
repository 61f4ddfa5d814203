// End-to-end tests of the built `chainrule` executable, run as a child process.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRight } from 'fp-ts/lib/Either.js';
import { NEVER, Subject } from 'rxjs';
import { checkpointChecksum, decodeCheckpoint } from '@chainrule/train';
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

describe('--backend', () => {
  it.each(['js', 'wasm'])('trains on the %s backend to the same accuracy', (name) => {
    const r = cli('train', '--dataset', 'xor', '--backend', name, '--json');
    expect(r.code).toBe(0);
    const result = jsonLines(r.stdout).find((l) => l.type === 'result');
    expect(result?.testAccuracy).toBe(1);
  });
});

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
    [['train', '--val-fraction', '1'], "--val-fraction: expected a number > 0 and < 1, got '1'"],
    [['train', '--dataset', 'xor', '--val-fraction', '0.5'], '--val-fraction: xor has only its 4 points'],
    [['train', '--dataset', 'moons', '--train-size', '20', '--val-fraction', '0.5', '--batch-size', '12'], '--batch-size: 12 is larger than the training set (10 examples after --val-fraction 0.5)'],
    [['trian'], "unknown command 'trian'\n(Did you mean train?)"],
    [['evl', 'x.json'], "unknown command 'evl'\n(Did you mean eval?)"],
    [['train', '--backend', 'gpu'], '--backend: BadArgument: unknown backend "gpu"; known backends: wasm, js'],
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
    expect(epoch).toMatchObject({ epoch: 1, metrics: { accuracy: expect.any(Number) } });
    expect(epoch).not.toHaveProperty('validation'); // no --val-fraction, and the test set is not a validation set
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

  it('eval --split validation on a run without one says so', () => {
    const r = cli('eval', ckpt, '--split', 'validation');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('was trained without a validation set (train --val-fraction)');
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
    c.checksum = checkpointChecksum(c);
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

describe('the executor', () => {
  const withExecutor = (value: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CHAINRULE_EXECUTOR: value } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('trains compiled by default and on the interpreter with CHAINRULE_EXECUTOR=interpreter, to the same losses', () => {
    const compiled = withExecutor('', 'train', '--dataset', 'moons', '--epochs', '2');
    const interpreted = withExecutor('interpreter', 'train', '--dataset', 'moons', '--epochs', '2');
    expect(compiled.code).toBe(0);
    expect(interpreted.code).toBe(0);
    const losses = (out: string) => out.split('\n').filter(Boolean).map((l) => l.replace(/\s+[\d.]+ s$/, '').replace(/, [\d.]+ s$/, ''));
    expect(losses(compiled.stdout)).toEqual(losses(interpreted.stdout));
  });

  it('rejects an unknown CHAINRULE_EXECUTOR with exit code 2', () => {
    const r = withExecutor('fast', 'train', '--dataset', 'xor');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('chainrule: CHAINRULE_EXECUTOR must be compiler or interpreter, got "fast"\n');
  });
});

describe('inspect --compiled', () => {
  it('prints the nodes after each pass, the fused groups and the plan', () => {
    // On js: wasm has kernels of its own for the ops fused here, so the compiler leaves them be.
    const r = cli('inspect', '--dataset', 'xor', '--compiled', '--backend', 'js');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/compiled gradient graph: \d+ → \d+ nodes/);
    expect(r.stdout).toContain('before the passes:');
    for (const pass of ['simplify', 'cse', 'fold', 'dce', 'fuse', 'epilogue']) expect(r.stdout).toContain(`after ${pass}:`);
    // The hidden layer's bias-add and sigmoid run in the first matmul's epilogue.
    expect(r.stdout).toMatch(/compiler\.matmulEpilogue: core\.add → core\.sigmoid/);
    expect(r.stdout).toMatch(/memory plan: peak \d+ bytes/);
  });

  it('gives the same in JSON, the plan smaller than the graph without reuse', () => {
    const r = cli('inspect', '--dataset', 'xor', '--compiled', '--json', '--backend', 'js');
    expect(r.code).toBe(0);
    const [g] = jsonLines(r.stdout);
    const c = g.compiled as { passes: { pass: string; nodes: number }[]; fused: { steps: string[] }[]; plan: { peakBytes: number; unplannedBytes: number } };
    expect(c.passes.map((p) => p.pass)).toContain('fuse');
    expect(c.passes.at(-1)!.nodes).toBeLessThan((g.gradient as { graph: { nodes: unknown[] } }).graph.nodes.length);
    expect(c.fused.some((f) => f.steps.includes('core.sigmoid'))).toBe(true);
    expect(c.plan.peakBytes).toBeGreaterThan(0);
    expect(c.plan.peakBytes).toBeLessThanOrEqual(c.plan.unplannedBytes);
  });
});

describe('plain output (not a terminal)', () => {
  it('prints one line per epoch, then the test accuracy', () => {
    const r = cli('train', '--dataset', 'moons', '--epochs', '3');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    // no validation set unless asked for: the test set is measured once, at the end
    lines.slice(0, 3).forEach((l, i) => expect(l).toMatch(new RegExp(`^epoch ${i + 1}/3  loss \\d+\\.\\d+  acc [\\d.]+%  [\\d.]+ s$`)));
    expect(lines[3]).toMatch(/^test accuracy [\d.]+% \(loss [\d.]+\) on 60 moons examples, 3 epochs, 45 steps/);
  });

  it('with --val-fraction, validates after each epoch on examples held out of the training set', () => {
    // 240 training examples, 48 held out: 192 left, 12 batches of 16 per epoch
    const r = cli('train', '--dataset', 'moons', '--epochs', '2', '--val-fraction', '0.2');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    lines.slice(0, 2).forEach((l, i) => expect(l).toMatch(new RegExp(`^epoch ${i + 1}/2  loss \\d+\\.\\d+  acc [\\d.]+%  val loss \\d+\\.\\d+  val acc`)));
    expect(lines[2]).toMatch(/on 60 moons examples, 2 epochs, 24 steps/);
  });
});

describe('fewer lines', () => {
  it('--log-every 2 prints epochs 2 and 4 and the last, 5; plural forms in the summary', () => {
    const r = cli('train', '--dataset', 'moons', '--epochs', '5', '--log-every', '2');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split('  ')[0])).toEqual(['epoch 2/5', 'epoch 4/5', 'epoch 5/5', expect.stringMatching(/^test accuracy/)]);
    expect(lines[3]).toMatch(/ 5 epochs, 75 steps, /);
  });

  it('--quiet prints only the result, with "1 epoch" in the singular', () => {
    const r = cli('train', '--dataset', 'xor', '--epochs', '1', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^test accuracy [\d.]+% \(loss [\d.]+\) on 4 xor examples, 1 epoch, 1 step, [\d.]+ s\n$/);
  });

  it('--quiet and --log-every are refused with --json', () => {
    const r = cli('train', '--dataset', 'xor', '--json', '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--quiet: not with --json');
  });

  it('train --help wraps its description as one paragraph (no line broken by hand)', () => {
    const help = cli('train', '--help');
    expect(help.code).toBe(0);
    const paragraph = help.stdout.split('\n\n')[1].split('\n');
    expect(paragraph.join(' ')).toContain("trains the seed's network (784 → 128 sigmoid → 10, softmax cross-entropy, SGD");
    // every line but the last is filled to near the wrap width of 80 columns
    for (const line of paragraph.slice(0, -1)) expect(line.length).toBeGreaterThan(60);
    expect(help.stdout).toContain('--log-every <n>');
    expect(help.stdout).toContain('--quiet');
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
  /** Runs spirals in-process; at an epoch line for which `when` holds, sends two Ctrl-Cs and records what the file held then. */
  const twice = async (ckpt: string, when: () => boolean) => {
    const interrupts = new Subject<void>();
    let stdout = '', stderr = '';
    const exits: { code: number; doneWritten: boolean; step: number | undefined }[] = [];
    const io: Io = {
      stdout: {
        write: (s: string) => {
          stdout += s;
          if (exits.length === 0 && s.includes('"type":"epoch"') && when()) {
            interrupts.next();
            interrupts.next();
          }
        },
      },
      stderr: { write: (s: string) => (stderr += s) },
      interactive: false,
      interrupts,
      // the real exit ends the process; this one records the call and the file, so the run goes on to its end
      exit: (code: number) => {
        const onDisk = existsSync(ckpt) ? decodeCheckpoint(readFileSync(ckpt, 'utf8')) : undefined;
        exits.push({ code, doneWritten: stdout.includes('"type":"done"'), step: onDisk !== undefined && isRight(onDisk) ? onDisk.right.state.step : undefined });
        return undefined as never;
      },
    };
    await run(['train', '--dataset', 'spirals', '--epochs', '1000', '--json', '--out', ckpt], io);
    return { exits, stderr };
  };

  it('before any checkpoint is written, the second one quits with 130 and says none was written', async () => {
    const ckpt = path.join(dir, 'twice.ckpt.json');
    const { exits, stderr } = await twice(ckpt, () => true);
    expect(exits).toEqual([{ code: 130, doneWritten: false, step: undefined }]);
    expect(stderr).toContain('stopping after this step (Ctrl-C again to quit at once)');
    expect(stderr).toContain(`quit; no checkpoint was written to ${ckpt}.`);
  });

  it('after one is written, the second one names the epoch and step the file holds', async () => {
    const ckpt = path.join(dir, 'twice-later.ckpt.json');
    const { exits, stderr } = await twice(ckpt, () => existsSync(ckpt));
    expect(exits).toHaveLength(1);
    const [{ code, step }] = exits;
    expect(code).toBe(130);
    expect(step).toBeGreaterThan(0);
    // spirals: 20 steps per epoch; a save may still be running (the file already renamed)
    const said = new RegExp(`quit; ${ckpt.replace(/[.]/g, '\\.')} holds the checkpoint of (?:epoch \\d+ \\(step \\d+\\), or of )?epoch ${step! / 20} \\(step ${step}\\)`);
    expect(stderr).toMatch(said);
  });
});

describe('--val-fraction with a checkpoint', () => {
  it('eval rebuilds the same three disjoint parts: 192 trained on, 48 validation, 60 test', () => {
    const ckpt = path.join(dir, 'moons-val.json');
    const r = cli('train', '--dataset', 'moons', '--epochs', '2', '--val-fraction', '0.2', '--json', '--out', ckpt);
    expect(r.code).toBe(0);
    const lastEpoch = jsonLines(r.stdout).filter((l) => l.type === 'epoch').pop()!;
    const sizes = Object.fromEntries(
      (['train', 'validation', 'test'] as const).map((split) => {
        const e = cli('eval', ckpt, '--split', split, '--json');
        expect(e.code).toBe(0);
        const [line] = jsonLines(e.stdout);
        if (split === 'validation') expect(line.loss).toBeCloseTo((lastEpoch.validation as { loss: number }).loss, 5);
        return [split, line.examples];
      }),
    );
    expect(sizes).toEqual({ train: 192, validation: 48, test: 60 });
  });
});

describe('refused before training (exit 2)', () => {
  it.each([
    ['a missing directory', () => path.join(dir, 'no-such-dir', 'x.json'), /the directory .*no-such-dir does not exist/],
    ['a directory', () => dir, /: it is a directory/],
    [
      'a read-only directory',
      // root writes through file modes: as root, take a file system that refuses everyone
      () => {
        if (process.getuid?.() === 0) return '/sys/x.json';
        const ro = path.join(dir, 'read-only');
        mkdirSync(ro, { recursive: true });
        chmodSync(ro, 0o555);
        return path.join(ro, 'x.json');
      },
      /cannot create files in/,
    ],
  ])('--out to %s', (_what, target, message) => {
    const out = target();
    const r = cli('train', '--dataset', 'moons', '--epochs', '2', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^chainrule train: --out: cannot write a checkpoint to /);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe(''); // nothing trained, no checkpoint named
  });

  it.each([
    [['--hidden', '100000000'], /parameters with their gradients and optimizer state [\d.]+ TB \(--hidden/],
    [['--dataset', 'spirals', '--train-size', '1e9'], /1,000,000,080 examples while loading and splitting [\d.]+ GB \(--train-size/],
    [['--epochs', '1e15'], /history of 250,000,000,000,000,000 steps and 1,000,000,000,000,000 epochs [\d.]+ EB \(--epochs\)/],
  ])('%j needs more memory than the machine has', (args, part) => {
    const r = cli('train', ...args);
    expect(r.code).toBe(2);
    const m = /needs at least ([\d.]+) ([kMGTPE]?B) of memory, more than this machine's ([\d.]+) ([kMGTPE]?B)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const bytes = (n: string, unit: string) => Number(n) * 1000 ** ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'].indexOf(unit);
    expect(bytes(m![1], m![2])).toBeGreaterThan(bytes(m![3], m![4]));
    expect(bytes(m![3], m![4])).toBeCloseTo(Math.min(totalmem(), process.constrainedMemory?.() || Infinity), -9);
    expect(r.stderr).toMatch(part);
    expect(r.stdout).toBe('');
  });

  it('a mistyped command suggests the nearest one', () => {
    const r = cli('trian');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'trian'\n(Did you mean train?)");
    expect(r.stderr).not.toContain('too many arguments');
  });
});

describe('checkpoint paths are named only once written', () => {
  it('a run whose directory disappears ends with exit 1 and names no checkpoint', async () => {
    const sub = path.join(dir, 'vanishing');
    mkdirSync(sub);
    const ckpt = path.join(sub, 'run.json');
    const child = spawn(process.execPath, [MAIN, 'train', '--dataset', 'moons', '--epochs', '30', '--json', '--out', ckpt], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', removed = false;
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!removed && out.includes('"type":"epoch"')) {
        removed = true;
        rmSync(sub, { recursive: true, force: true });
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(removed).toBe(true);
    expect(code).toBe(1);
    const result = jsonLines(out).find((l) => l.type === 'result')!;
    expect(result).not.toHaveProperty('checkpoint');
    expect(err).toContain(`chainrule train: the final checkpoint could not be written to ${ckpt}`);
    expect(existsSync(ckpt)).toBe(false);
  });
});

describe('a closed stdout', () => {
  it('(train --json | head -1) stops the run and ends quietly with 0', async () => {
    const child = spawn(process.execPath, [MAIN, 'train', '--dataset', 'spirals', '--epochs', '100000', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    // read one chunk, then close the pipe as head does
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});

describe('Ctrl-C twice in a real process', () => {
  it('quits at once with 130, and names a checkpoint only if the file holds it', async () => {
    const ckpt = path.join(dir, 'twice-real.json');
    // a big enough model that the final save takes a while: the second Ctrl-C lands in it
    const child = spawn(process.execPath, [MAIN, 'train', '--train-size', '1000', '--test-size', '200', '--hidden', '1500', '--epochs', '50', '--json', '--out', ckpt], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', first = false, second = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!first && out.includes('"type":"epoch"')) {
        first = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
      if (!second && err.includes('stopping after this step')) {
        second = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(second).toBe(true);
    expect(code).toBe(130);
    const said = /quit; (.*)\.\n/.exec(err)?.[1];
    expect(said).toBeDefined();
    if (said!.startsWith('no checkpoint was written')) {
      expect(said).toBe(`no checkpoint was written to ${ckpt}`);
      expect(existsSync(ckpt)).toBe(false);
    } else {
      // every checkpoint the message names as possible, as [epoch, step]; the file holds one of them
      expect(said!.startsWith(`${ckpt} holds the checkpoint of epoch `)).toBe(true);
      const named = [...said!.matchAll(/epoch (\d+) \(step (\d+)\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      const maybeNothing = said!.endsWith('else nothing');
      if (!existsSync(ckpt)) expect(maybeNothing).toBe(true);
      else {
        const c = decodeCheckpoint(readFileSync(ckpt, 'utf8'));
        if (!isRight(c)) throw new Error(c.left.message);
        expect(named).toContainEqual([c.right.state.history.epochs.length, c.right.state.step]);
      }
    }
    // the killed save leaves at most its temporary file, which the next save or load removes
    expect(readdirSync(dir).filter((f) => f.startsWith('.twice-real.json.') && !f.endsWith('.tmp'))).toEqual([]);
  });
});


describe('train --debug-nans', () => {
  it('stops at the first non-finite value and names the op that made it', () => {
    const r = cli('train', '--dataset', 'spirals', '--lr', '1e39', '--epochs', '1', '--debug-nans');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NonFinite: produced \d+ NaN and \d+ infinite values/);
    expect(r.stderr).toMatch(/\(op core\.\w+; input shapes/);
  });

  it('without the flag, the same run ends with NonFiniteLoss naming the step', () => {
    const r = cli('train', '--dataset', 'spirals', '--lr', '1e39', '--epochs', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/step 1/);
    expect(r.stderr).not.toMatch(/NonFinite:/);
  });
});
