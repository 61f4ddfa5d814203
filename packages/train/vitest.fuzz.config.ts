import { defineConfig } from 'vitest/config';

// `pnpm fuzz`: the long decoder fuzz, apart from the suite (no test report, no timeout).
export default defineConfig({
  test: {
    include: ['test/**/*.fuzz.ts'],
    reporters: ['default'],
    testTimeout: 0,
  },
});
