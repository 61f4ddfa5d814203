// Vite configuration of the dashboard page: a static build served by `vite preview` on 127.0.0.1.

import { defineConfig } from 'vite';
import { mnistAsset } from './build/mnist-asset.js';

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  plugins: [mnistAsset({ perDigit: 350 })],
  worker: { format: 'es' },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
  // Cross-origin isolation (COOP/COEP) gives the page SharedArrayBuffer, so the training
  // worker's wasm backend can run its thread pool over a shared memory.
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
});
