// A Vite plugin that packs a subset of the `mnist` package's digits into one small binary asset.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';
import { mnistFiles } from '@chainrule/train/node';

const PIXELS = 28 * 28;

/** How many digits of each class go into the asset. */
export interface MnistAssetOptions {
  readonly perDigit: number;
}

interface Packed {
  readonly bytes: Uint8Array;
  readonly fileName: string;
}

/**
 * Packs the first `perDigit` digits of each class (ten arrays of floats in [0, 1], 784 per
 * digit, classes 0…9) as: uint32 LE `perDigit`, then ten blocks of `perDigit · 784` uint8
 * pixels (value · 255, rounded). Unpacked, each block is the `{ data }` of one of the
 * `mnist` package's files, cut short, which is what `mnistFromRaw` takes.
 *
 * @example
 * packMnist(files.map((f) => f.data), 350) // 4 + 10·350·784 bytes
 */
export const packMnist = (raw: readonly ArrayLike<number>[], perDigit: number): Uint8Array => {
  if (raw.length !== 10) throw new Error(`mnist: expected 10 digit files, got ${raw.length}`);
  const bytes = new Uint8Array(4 + 10 * perDigit * PIXELS);
  new DataView(bytes.buffer).setUint32(0, perDigit, true);
  for (let d = 0; d < 10; d++) {
    const data = raw[d];
    const available = Math.floor(data.length / PIXELS);
    if (available < perDigit) throw new Error(`mnist digit ${d}: the package has ${available} samples, ${perDigit} asked for`);
    const block = bytes.subarray(4 + d * perDigit * PIXELS, 4 + (d + 1) * perDigit * PIXELS);
    for (let i = 0; i < block.length; i++) block[i] = Math.round(Math.min(1, Math.max(0, data[i])) * 255);
  }
  return bytes;
};

/** Reads the `mnist` package's ten JSON files and packs them (see {@link packMnist}). */
const pack = ({ perDigit }: MnistAssetOptions): Packed => {
  const raw = mnistFiles().map((path) => (JSON.parse(readFileSync(path, 'utf8')) as { data: number[] }).data);
  const bytes = packMnist(raw, perDigit);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
  return { bytes, fileName: `assets/mnist-${hash}.bin` };
};

const VIRTUAL = 'virtual:mnist-asset';
const RESOLVED = '\0' + VIRTUAL;

/**
 * The plugin: `import mnist from 'virtual:mnist-asset'` gives `{ path, perDigit }`, the
 * asset's path relative to the page; the bytes are emitted on build and served in dev. The
 * page fetches them only when MNIST is chosen, so the initial load stays small.
 *
 * @example
 * plugins: [mnistAsset({ perDigit: 350 })]
 */
export const mnistAsset = (options: MnistAssetOptions): Plugin => {
  let packed: Packed | undefined;
  const get = (): Packed => (packed ??= pack(options));
  return {
    name: 'chainrule-mnist-asset',
    resolveId: (id) => (id === VIRTUAL ? RESOLVED : undefined),
    load(id) {
      if (id !== RESOLVED) return undefined;
      const { fileName } = get();
      return `export default ${JSON.stringify({ path: fileName, perDigit: options.perDigit })};`;
    },
    generateBundle() {
      const { bytes, fileName } = get();
      this.emitFile({ type: 'asset', fileName, source: bytes });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const { bytes, fileName } = get();
        if (req.url !== `/${fileName}`) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(bytes);
      });
    },
  };
};
