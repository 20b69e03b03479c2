// Packs `npm run bench:gpu` for a GPU machine that reaches no registry (the device machine lent to
// some sessions): the bench bundled into one file, dist/gpu-bench/gpu.mjs, beside a copy of the
// `webgpu` package (Dawn for Node) with only its Linux x64 binary (the whole package, every
// platform's binary, is 132 MB; this is 21 MB). What to carry and the command to run there:
// bench/README.md, "WebGPU against the CPU kernel". The native kernel (native/build) is carried as
// built here.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const out = 'dist/gpu-bench';
fs.rmSync(out, { recursive: true, force: true });
await build({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // ESM bundles need a `require` for the CommonJS packages they pull in.
  banner: {
    js: "import { createRequire as __nibRequire } from 'node:module'; const require = __nibRequire(import.meta.url);",
  },
  // Loaded at run time where installed (webgpu from the copy below); the rest is never reached by
  // the bench's Node path.
  external: ['webgpu', '@tensorflow/*', 'better-sqlite3', 'playwright-core', 'esbuild'],
  entryPoints: ['bench/gpu.ts'],
  outfile: path.join(out, 'gpu.mjs'),
  logLevel: 'warning',
});
const src = 'node_modules/webgpu';
if (!fs.existsSync(path.join(src, 'dist', 'linux-x64')))
  throw new Error('node_modules/webgpu/dist/linux-x64 is missing: run npm ci first (webgpu is an optional dependency)');
for (const f of ['package.json', 'index.js', 'LICENSE.md']) fs.cpSync(path.join(src, f), path.join(out, 'webgpu', f));
fs.cpSync(path.join(src, 'dist', 'linux-x64'), path.join(out, 'webgpu', 'dist', 'linux-x64'), { recursive: true });
const size = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const p = path.join(dir, e.name);
    return n + (e.isDirectory() ? size(p) : fs.statSync(p).size);
  }, 0);
console.log(`${out}: ${(size(out) / 2 ** 20).toFixed(1)} MiB (carry it with native/build)`);
