// Bundles the Electron side (main process, preload, ML host) into dist/app. The renderer is built
// by Vite into dist/renderer. Native and heavy packages stay external and load from node_modules.
import { build } from 'esbuild';

const external = ['electron', 'better-sqlite3', '@tensorflow/*', 'ws', 'bufferutil', 'utf-8-validate'];
const common = { bundle: true, platform: 'node', target: 'node20', external, logLevel: 'warning', sourcemap: false };
// ESM bundles need a `require` for the CommonJS packages they pull in.
const banner = {
  js: "import { createRequire as __nibRequire } from 'node:module'; const require = __nibRequire(import.meta.url);",
};

await Promise.all([
  build({ ...common, format: 'esm', banner, entryPoints: ['src-main/app/main.ts'], outfile: 'dist/app/main.mjs' }),
  build({
    ...common,
    format: 'esm',
    banner,
    entryPoints: ['src-main/workers/ml-host-child.ts'],
    outfile: 'dist/app/ml-host-child.mjs',
  }),
  // The nib command, beside the ML host it forks: bin/nib.js runs it when tsx is not installed
  // (an install without devDependencies, the packaged app).
  build({ ...common, format: 'esm', banner, entryPoints: ['src-main/cli/entry.ts'], outfile: 'dist/app/nib.mjs' }),
  // A sandboxed preload is one CommonJS file that may require only 'electron'.
  build({ ...common, format: 'cjs', entryPoints: ['src-main/app/preload.ts'], outfile: 'dist/app/preload.cjs' }),
]);
