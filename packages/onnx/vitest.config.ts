// The shared package config (scripts/vitest.package.mjs).
export { default } from '../../scripts/vitest.package.mjs';
