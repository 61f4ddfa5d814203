// docs/compiler.md stays complete: every default pass and every op the compiler makes is described there.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPasses } from '../src/passes.js';
import { fused } from '../src/fuse.js';
import { matmulEpilogue } from '../src/epilogue.js';
import { crossEntropyFromLogSoftmax } from '../src/softmax.js';

describe('docs/compiler.md', () => {
  const page = readFileSync(new URL('../../../docs/compiler.md', import.meta.url), 'utf8');

  it('has a row for every default pass', () => {
    for (const p of defaultPasses) expect(page, p.name).toContain(`| \`${p.name}\` |`);
  });

  it('names every op the passes make', () => {
    for (const op of [fused, matmulEpilogue, crossEntropyFromLogSoftmax]) expect(page, op.name).toContain(`\`${op.name}\``);
  });
});
