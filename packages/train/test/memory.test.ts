// A short run of scripts/memory-soak.mjs: the heap, sampled after gc(), grows by far less per
// step than any leak of a step's tensors would make it (`pnpm soak` runs the 30,000-step version).

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOAK = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'memory-soak.mjs');

describe('memory over many steps', () => {
  it('grows the heap by under 1,000 bytes a step over 6,000 steps (by design: ~50, the history)', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', SOAK, '--steps', '6000', '--every', '200', '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    const result = JSON.parse(r.stdout) as { steps: number; sampled: number; heapBytesPerStep: number };
    expect(result.steps).toBe(6000);
    expect(result.sampled).toBe(30);
    // Keeping one step's params (82 float32 in 4 tensors) or optimizer state would add about
    // 1 kB a step; a retrace per step far more. Sampling noise after gc() is ~100 bytes a step.
    expect(result.heapBytesPerStep).toBeLessThan(1000);
  }, 120_000);
});
