import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APP_CSP, mainWindowOptions } from '../src-main/app/window-options.ts';

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
