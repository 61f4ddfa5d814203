// Helpers of the browser tests: build the page if stale, serve it with vite preview, launch Chromium.

import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';

/** The dashboard package's directory. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Where the browser tests put their screenshots (gitignored). */
export const artifactsDir = join(packageDir, 'artifacts');

/** The Chromium flags CI uses (no --user-data-dir: Playwright makes a temporary profile). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const newestMtime = (path: string): number => {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((m, f) => Math.max(m, newestMtime(join(path, f))), s.mtimeMs);
};

/** Builds the page with vite unless dist/ is newer than every source of the page. */
export const ensureBuilt = async (): Promise<void> => {
  const built = join(packageDir, 'dist', 'index.html');
  const sources = ['src', 'build', 'index.html', 'vite.config.ts'].map((p) => join(packageDir, p));
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(newestMtime))) return;
  await build({ root: packageDir, logLevel: 'warn' });
};

/** A TCP port nobody listens on right now. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

/** Serves dist/ with vite preview on 127.0.0.1 at a free port. */
export const servePage = async (): Promise<{ readonly url: string; readonly server: PreviewServer }> => {
  const port = await freePort();
  const server = await preview({ root: packageDir, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true, open: false } });
  return { url: `http://127.0.0.1:${port}/`, server };
};

/** Launches Debian's Chromium headless. */
export const launchChromium = (): Promise<Browser> => {
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
};
