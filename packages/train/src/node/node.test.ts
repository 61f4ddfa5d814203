// Tests of the Node entry: atomic checkpoint files, their failure modes, and MNIST from the mnist package.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { lastValueFrom } from 'rxjs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { abstract } from '@chainrule/core';
import { xorConfig } from '../../test/helpers.js';
import { makeCheckpoint, serializeCheckpoint, type Checkpoint } from '../checkpoint.js';
import { mnistSplit } from '../mnist.js';
import { ofType } from '../operators/of-type.js';
import { train } from '../train.js';
import { checkCheckpointPath, loadCheckpoint, loadMnist, mnistFiles, saveCheckpoint } from './index.js';

let dir: string;
let checkpoint: Checkpoint;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chainrule-ckpt-'));
  const config = xorConfig();
  const done = await lastValueFrom(train(config).pipe(ofType('done')));
  checkpoint = makeCheckpoint({ model: config.model, config: { seed: 0, batchSize: 2, epochs: 2 }, state: done });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trip through a file and leave no temporary file behind', async () => {
    const path = join(dir, 'run.json');
    expect(isRight(await saveCheckpoint(path, checkpoint))).toBe(true);
    expect(await readdir(dir)).toEqual(['run.json']);
    const r = await loadCheckpoint(path);
    if (!isRight(r)) throw new Error(r.left.message);
    expect(serializeCheckpoint(r.right)).toBe(serializeCheckpoint(checkpoint));
  });

  it('a failed save leaves the previous checkpoint as it was', async () => {
    const path = join(dir, 'keep.json');
    await saveCheckpoint(path, checkpoint);
    const before = await readFile(path, 'utf8');
    // a tracer cannot be serialised: the save fails after it started
    const broken = makeCheckpoint({ model: checkpoint.model, config: checkpoint.config, state: { ...checkpoint.state, params: [{ w: abstract([2, 4]) }] } });
    const r = await saveCheckpoint(path, broken);
    expect(isLeft(r) && r.left.message).toMatch(/could not encode/);
    expect(await readFile(path, 'utf8')).toBe(before);
    const io = await saveCheckpoint(join(dir, 'missing-dir', 'x.json'), checkpoint);
    expect(isLeft(io) && io.left).toMatchObject({ kind: 'Io', message: expect.stringMatching(/could not write/) });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a save that fails after the temporary file is written removes it and leaves the target alone', async () => {
    // renaming a file over a non-empty directory fails: the last step of the atomic write
    const target = join(dir, 'occupied.json');
    await mkdir(join(target, 'inside'), { recursive: true });
    const r = await saveCheckpoint(target, checkpoint);
    expect(isLeft(r) && r.left).toMatchObject({ kind: 'Io', message: expect.stringMatching(/could not write .*occupied\.json: .*rename/) });
    expect(await readdir(target)).toEqual(['inside']);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('loading a missing or truncated file is a Left and changes nothing', async () => {
    expect(await loadCheckpoint(join(dir, 'nope.json'))).toMatchObject({ _tag: 'Left', left: { kind: 'Io', message: expect.stringMatching(/no checkpoint at/) } });
    const path = join(dir, 'cut.json');
    const text = serializeCheckpoint(checkpoint);
    await writeFile(path, text.slice(0, text.length - 100));
    const r = await loadCheckpoint(path);
    expect(r).toMatchObject({ _tag: 'Left', left: { kind: 'Json', message: expect.stringMatching(/cut\.json: checkpoint is not valid JSON/) } });
    expect(await readFile(path, 'utf8')).toBe(text.slice(0, text.length - 100));
  });
});

describe('checkCheckpointPath', () => {
  const message = async (path: string): Promise<string> => {
    const r = await checkCheckpointPath(path);
    return isLeft(r) ? r.left.message : 'ok';
  };

  it('accepts a new or existing file in a writable directory and leaves nothing behind', async () => {
    const sub = await mkdtemp(join(dir, 'ok-'));
    expect(await message(join(sub, 'new.json'))).toBe('ok');
    await writeFile(join(sub, 'old.json'), 'x');
    expect(await message(join(sub, 'old.json'))).toBe('ok');
    expect(await readdir(sub)).toEqual(['old.json']);
  });

  it('refuses a missing directory, a directory, a file as directory and a read-only place', async () => {
    expect(await message(join(dir, 'no-such-dir', 'x.json'))).toMatch(/cannot write a checkpoint to .*x\.json: the directory .*no-such-dir does not exist/);
    expect(await message(dir)).toMatch(/: it is a directory$/);
    await writeFile(join(dir, 'plain'), 'x');
    expect(await message(join(dir, 'plain', 'x.json'))).toMatch(/plain is not a directory/);
    // root writes through file modes, so as root take a file system that refuses everyone
    const readOnly = process.getuid?.() === 0 ? '/sys' : join(dir, 'read-only');
    if (readOnly !== '/sys') {
      await mkdir(readOnly);
      await chmod(readOnly, 0o555);
    }
    expect(await message(join(readOnly, 'x.json'))).toMatch(/cannot create files in .*\(EACCES|\(EROFS|\(EPERM/);
  });
});

describe('loadMnist', () => {
  it('reads the 10,000 digits of the mnist package, labelled by file, in [0, 1]', async () => {
    const ds = await loadMnist();
    const perDigit = mnistFiles().map((p) => (JSON.parse(readFileSync(p, 'utf8')) as { data: number[] }).data.length / 784);
    expect(ds.size).toBe(10000);
    expect(ds.x.shape).toEqual([10000, 784]);
    const counts = new Array<number>(10).fill(0);
    for (const v of ds.y.data) counts[v]++;
    expect(counts).toEqual(perDigit);
    let min = Infinity, max = -Infinity;
    for (const v of ds.x.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const { train: tr, test } = mnistSplit(ds, { seed: 0 });
    expect([tr.size, test.size]).toEqual([8000, 2000]);
    expect(mnistSplit(ds, { image: true, trainSize: 10, testSize: 5 }).train.x.shape).toEqual([10, 28, 28, 1]);
  });
});
