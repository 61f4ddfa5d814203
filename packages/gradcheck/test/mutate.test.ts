// The mutation script on a handful of ops: every generic mutation of their rules is caught by the kit.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';

describe('pnpm mutate', () => {
  it('kills every mutant of a sample of ops and prints the score', () => {
    const script = new URL('../scripts/mutate.mjs', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [script, '--ops', 'core.mul,core.div,ops.tanh,ops.maximum,core.matmul,ops.relu', '--runs', '4'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout).toMatch(/mutation score: (\d+) of \1 killable mutants killed \(100\.0 %\); 1 equivalent/);
    expect(r.stdout).not.toMatch(/survived/);
    expect(r.status).toBe(0);
  });
});
