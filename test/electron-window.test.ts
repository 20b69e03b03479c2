import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BASE_WEIGHTS_FILE, readBaseCard } from '../src-main/services/base-model.ts';
import { test } from 'node:test';
import { APP_CSP, mainWindowOptions } from '../src-main/app/window-options.ts';
import { ROOT } from './helpers.ts';

test("the main window's options keep every security setting on", () => {
  const o = mainWindowOptions('/app/preload.cjs');
  const w = o.webPreferences!;
  assert.equal(w.preload, '/app/preload.cjs');
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInWorker, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.webviewTag, false);
});

test('the Content-Security-Policy allows no remote origin and no eval', () => {
  assert.doesNotMatch(APP_CSP, /unsafe-eval/);
  assert.doesNotMatch(APP_CSP, /https?:|\*/);
  assert.match(APP_CSP, /default-src 'self'/);
  assert.match(APP_CSP, /script-src 'self'(;|$)/);
  assert.match(APP_CSP, /object-src 'none'/);
});

test('the packaged app flips the Electron fuses that close run-as-node, NODE_OPTIONS, --inspect and loose app loading', () => {
  const yml = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8');
  const block = yml.slice(yml.indexOf('\nelectronFuses:'));
  const fuses = Object.fromEntries(
    [...block.matchAll(/^ {2}(\w+): (true|false)$/gm)].map((m) => [m[1], m[2] === 'true']),
  );
  assert.deepEqual(fuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  });
  // The base model travels inside the package: every file of it that Nib reads.
  const files = ['model.json', BASE_WEIGHTS_FILE, readBaseCard()?.ngram?.file].filter((f) => f !== undefined);
  assert.equal(files.length, 3, 'the base ships with its n-gram');
  for (const f of files) assert.ok(yml.includes(`- resources/base-model/${f}\n`), `${f} is not packaged`);
});

test('a second launch hands over to the running app (single-instance lock) instead of opening the database twice', () => {
  const main = fs.readFileSync(path.join(ROOT, 'src-main', 'app', 'main.ts'), 'utf8');
  assert.match(main, /if \(!app\.requestSingleInstanceLock\(\)\) \{\s*app\.quit\(\);\s*return;/);
  assert.match(main, /app\.on\('second-instance', \(\) => \{[^}]*win\.focus\(\)/s);
});
