import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

/**
 * Layering that must hold: TensorFlow.js (tens of megabytes, a second or more to load, native code
 * with tfjs-node) is loaded only by the ML host process. The Electron main process, the web server
 * and every CLI command import none of it, statically or dynamically; they reach it by asking the
 * ML host. Checked on the source's import graph (value imports; `import type` is erased).
 */
const ROOT = path.resolve(import.meta.dirname, '..');

const IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module reachable from `entry`, with the bare package specifiers each imports. */
function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const src = fs.readFileSync(file, 'utf8');
    const packages: string[] = [];
    seen.set(file, packages);
    for (const re of [IMPORT, DYNAMIC]) {
      for (const m of src.matchAll(re)) {
        const spec = m[1];
        if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
        else packages.push(spec);
      }
    }
  };
  visit(path.join(ROOT, entry));
  return seen;
}

const tfjsImporters = (entry: string) =>
  [...graph(entry)]
    .filter(([, pkgs]) => pkgs.some((p) => p.startsWith('@tensorflow/')))
    .map(([f]) => path.relative(ROOT, f));

test('the app main process, the web server and the CLI never load TensorFlow.js', () => {
  for (const entry of [
    'src-main/app/main.ts',
    'src-main/cli/entry.ts',
    'src-main/server/web.ts',
    'src-main/core/core.ts',
  ]) {
    assert.deepEqual(tfjsImporters(entry), [], `${entry} reaches TensorFlow.js`);
  }
});

test('the ML host does load it (the check above sees imports at all)', () => {
  const found = tfjsImporters('src-main/workers/ml-host-child.ts');
  assert.ok(found.includes('src-main/ml/layers-format.ts'), found.join(', '));
  assert.ok(graph('src-main/cli/entry.ts').size > 20, 'the CLI graph was walked');
});

test('run for real, `nib corpora` (the built command) resolves no TensorFlow.js module; `nib info`, which asks the ML host, does', () => {
  const bundle = path.join(ROOT, 'dist', 'app', 'nib.mjs');
  assert.ok(fs.existsSync(bundle), 'npm run build writes dist/app/nib.mjs (npm test builds first)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nib-imports-'));
  try {
    const run = (cmd: string) => {
      const log = path.join(dir, `${cmd}.log`);
      fs.writeFileSync(log, '');
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          path.join(ROOT, 'test', 'stand-ins', 'log-imports.mjs'),
          bundle,
          cmd,
          '--data-dir',
          path.join(dir, 'data'),
        ],
        { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NIB_IMPORT_LOG: log } },
      );
      assert.equal(r.status, 0, r.stderr);
      return fs.readFileSync(log, 'utf8');
    };
    const corpora = run('corpora');
    assert.match(corpora, /better-sqlite3/, 'the log sees the packages it loads');
    assert.doesNotMatch(corpora, /@tensorflow\//);
    // The ML host (a child process, started with the same --import) loads it.
    assert.match(run('info'), /@tensorflow\/tfjs/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
