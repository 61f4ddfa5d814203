// The root README states the op count of the standard library (its code blocks are run by packages/chainrule/test/docs.test.ts).

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { standardOps } from '../src/registry.js';

const root = new URL('../../../', import.meta.url);

describe('README', () => {
  it('states the number of ops in the standard library', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const count = standardOps.filter((op) => !['core.input', 'core.constant'].includes(op.name)).length;
    expect(readme).toContain(`\`@chainrule/ops\` has ${count} ops`);
  });
});
