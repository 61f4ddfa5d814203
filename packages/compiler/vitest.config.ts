import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // CHAINRULE_BACKEND=wasm runs the suite on the wasm backend (scripts/vitest-backend.mjs).
    setupFiles: ['../../scripts/vitest-backend.mjs'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-report.json' },
    testTimeout: 60_000,
  },
});
