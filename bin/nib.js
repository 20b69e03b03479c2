#!/usr/bin/env node
// The `nib` command. In a development checkout (tsx installed) it runs the TypeScript sources
// directly, so a change needs no build step; otherwise — an install without devDependencies, or
// the packaged app — it runs the bundle `npm run build` writes to dist/app/nib.mjs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/app/nib.mjs', import.meta.url));
let tsx = null;
try {
  tsx = await import('tsx/esm/api');
} catch {
  /* not installed: use the bundle */
}
if (tsx) {
  tsx.register();
  const { main } = await import('../src-main/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} else if (existsSync(bundle)) {
  await import(new URL('../dist/app/nib.mjs', import.meta.url).href);
} else {
  console.error(
    'nib: the command is not built: run `npm run build` in the Nib folder (or install its devDependencies)',
  );
  process.exitCode = 1;
}
