// The shared package config (scripts/vitest.package.mjs), with time for the browser tests' start-up hooks.

import { mergeConfig } from 'vitest/config';
import shared from '../../scripts/vitest.package.mjs';

export default mergeConfig(shared, { test: { hookTimeout: 120_000 } });
