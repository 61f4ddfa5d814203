// docs/ops.md stays complete: every op of the standard library has a row there.

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { standardOps } from '../src/registry.js';

describe('docs/ops.md', () => {
  it('has a row for every op of the standard library', () => {
    const page = readFileSync(new URL('../../../docs/ops.md', import.meta.url), 'utf8');
    const missing = standardOps
      .map((op) => op.name.split('.')[1])
      .filter((name) => !['input', 'constant'].includes(name) && !new RegExp(`\`${name}[(\`]`).test(page));
    expect(missing).toEqual([]);
  });
});
