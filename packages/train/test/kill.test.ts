// Checkpoint files against `kill -9`: writer processes killed at random moments of their saves
// never lose the last good checkpoint, and the temporary files they leave are cleaned up.

import { spawn, spawnSync } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeCheckpoint } from '../src/checkpoint.js';
import { loadCheckpoint, saveCheckpoint } from '../src/node/index.js';

const WRITER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'checkpoint-writer.mjs');
const KILLS = 20;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chainrule-kill-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const temps = async (): Promise<string[]> => (await readdir(dir)).filter((f) => f.endsWith('.tmp'));

/** A small deterministic generator (mulberry32), so a failing run can be replayed with its seed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
  return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
};

interface Killed {
  /** The last step the writer reported saved, and the last one it started to write. */
  readonly saved: number;
  readonly writing: number;
}

/**
 * Runs a writer from step `first`; once it has saved at least once, kills it (SIGKILL) at a
 * random moment within its next save: `fraction` of the time the previous save took after
 * the save starts, or (`fraction` null) as soon as its temporary file appears — most of a
 * save is spent encoding, so a uniform moment rarely lands while the file is written.
 */
const writeAndKill = (path: string, first: number, fraction: number | null): Promise<Killed> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let saved = -1, writing = -1, started = 0, lastSaveMs = 0, armed = false, buffer = '', stderr = '';
    const watcher = watch(dir, (_event, name) => {
      if (armed && fraction === null && name?.endsWith('.tmp') === true) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [what, n] = line.split(' ');
        if (what === 'writing') {
          writing = Number(n);
          started = performance.now();
          if (saved >= first && !armed) {
            armed = true;
            if (fraction !== null) setTimeout(() => child.kill('SIGKILL'), fraction * lastSaveMs);
          }
        } else if (what === 'saved') {
          saved = Number(n);
          lastSaveMs = performance.now() - started;
        }
      }
    });
    child.on('exit', (code, signal) => {
      watcher.close();
      return signal === 'SIGKILL' ? resolve({ saved, writing }) : reject(new Error(`writer ended with ${code}: ${stderr}`));
    });
  });

describe('checkpoint files under kill -9', () => {
  it(`${KILLS} writers killed at random moments never lose the last good checkpoint; the next save or load removes their temporary files`, async () => {
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1e9);
    const next = random(seed);
    const path = join(dir, 'run.json');
    let step = 0, killedMidWrite = 0;
    for (let i = 0; i < KILLS; i++) {
      const { saved, writing } = await writeAndKill(path, step, i % 2 === 0 ? next() : null);
      const where = `kill ${i + 1} (KILL_SEED=${seed}, saved ${saved}, writing ${writing})`;
      if ((await temps()).length > 0) killedMidWrite++;
      // the file holds the last save that returned, or the one in flight if its rename happened
      const onDisk = decodeCheckpoint(await readFile(path, 'utf8'));
      if (!isRight(onDisk)) throw new Error(`${where}: ${onDisk.left.message}`);
      expect([saved, writing], where).toContain(onDisk.right.state.step);
      if (i % 2 === 0) {
        const loaded = await loadCheckpoint(path);
        expect(isRight(loaded) && loaded.right.state.step, where).toBe(onDisk.right.state.step);
      } else {
        expect(isRight(await saveCheckpoint(path, onDisk.right)), where).toBe(true);
      }
      expect(await temps(), where).toEqual([]);
      step = writing + 1;
    }
    // how many kills landed while a temporary file existed (between its creation and the rename)
    console.log(`checkpoint kills: ${KILLS}, ${killedMidWrite} left a temporary file (KILL_SEED=${seed})`);
    expect(killedMidWrite).toBeGreaterThan(0);
  }, 240_000);

  it('removes temporary files of dead writers only, and only those of this checkpoint', async () => {
    const path = join(dir, 'alone.json');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = `.alone.json.${dead}.k3x9.tmp`;
    const live = `.alone.json.${process.pid}.z1.tmp`; // this process is running: a save in flight
    const other = `.alone.json.5.${dead}.k3x9.tmp`; // a temporary file of 'alone.json.5'
    for (const f of [stale, live, other]) await writeFile(join(dir, f), '{"partial":');
    expect((await loadCheckpoint(path))._tag).toBe('Left'); // no checkpoint yet, but the stale file goes
    expect((await temps()).sort()).toEqual([other, live].sort());
    await rm(join(dir, live));
    await rm(join(dir, other));
  });
});
