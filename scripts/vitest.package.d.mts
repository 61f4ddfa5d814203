// Types of the shared vitest config, for the packages whose vitest.config.ts is type-checked.
import type { UserConfig } from 'vitest/config';

declare const config: UserConfig;
export default config;
