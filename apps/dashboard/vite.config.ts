// Vite configuration of the dashboard page: a static build served by `vite preview` on 127.0.0.1.

import { defineConfig } from 'vite';
import { mnistAsset } from './build/mnist-asset.js';

export default defineConfig({
  base: './',
  plugins: [mnistAsset({ perDigit: 350 })],
  worker: { format: 'es' },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
