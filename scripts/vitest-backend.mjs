// Vitest set-up file shared by every package: CHAINRULE_BACKEND=wasm makes the wasm backend the
// process default for the whole suite (CI runs it so); unset or js leaves core's default (js).
import { existsSync } from 'node:fs';

const wanted = process.env.CHAINRULE_BACKEND;
if (wanted !== undefined && wanted !== '' && wanted !== 'js') {
  const entry = new URL('../packages/backend-wasm/dist/index.js', import.meta.url);
  if (!existsSync(entry)) throw new Error(`CHAINRULE_BACKEND=${wanted} needs @chainrule/backend-wasm built first (pnpm build)`);
  const { installBestBackend } = await import(entry.href);
  installBestBackend(wanted);
}
