// The vitest config every package shares: its tests beside the code and in test/, the wasm
// set-up, and the JSON report scripts/test.mjs counts. A package's vitest.config.ts re-exports it.
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
