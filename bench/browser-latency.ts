/**
 * Keystroke → ghost text in the browser: web mode with a trained model, Chromium typing held-out
 * text one key at a time, the time from each keydown to the ghost text shown for it.
 *   npm run bench:browser -- --data-dir DIR --model NAME [--keys 50]
 * Suggestion pause 0 and threshold 0 here, so every keystroke asks (or types through) and shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Core } from '../src-main/api/core.ts';
import { startWebServer } from '../src-main/server/web.ts';
import { arg, DATA, percentile, ROOT } from './common.ts';

const opt = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) throw new Error(`--${name} is required`);
  return process.argv[i + 1];
};
const keys = arg('keys', 50);
const core = new Core(opt('data-dir'));
await core.call('settings.set', { activeModel: opt('model'), pauseMs: 0, threshold: 0 });
const server = await startWebServer(core, { staticDir: path.join(ROOT, 'dist', 'renderer') });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage();
await page.goto(server.url);
await page.getByTestId('editor').click();
await page.keyboard.press('Control+a');
await page.keyboard.press('Delete');
// In-page code as text: it runs in the browser, not in Node.
await page.evaluate(`
  window.__lat = [];
  window.__t0 = 0;
  document.addEventListener('keydown', () => (window.__t0 = performance.now()), true);
  new MutationObserver(() => {
    if (window.__t0 && document.querySelector('[data-testid=ghost]')) {
      window.__lat.push(performance.now() - window.__t0);
      window.__t0 = 0;
    }
  }).observe(document.querySelector('.cm-content'), { childList: true, subtree: true, characterData: true });
`);
const text = fs.readFileSync(DATA, 'utf8').slice(1_010_000, 1_010_000 + keys + 200);
for (const ch of text.slice(0, 200 - keys)) await page.keyboard.type(ch); // context first
await page.evaluate('window.__lat = []');
for (const ch of text.slice(200 - keys, 200)) {
  await page.keyboard.type(ch === '\n' ? ' ' : ch);
  await page.waitForTimeout(60);
}
const lat = (await page.evaluate('window.__lat')) as number[];
if (!lat.length) {
  await page.screenshot({ path: '/tmp/bench-browser.png' });
  throw new Error('no ghost text appeared: see /tmp/bench-browser.png');
}
console.log(`keystroke → ghost text, model ${opt('model')}: p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms over ${lat.length} keystrokes (Chromium ${browser.version()})`);
await browser.close();
await server.close();
await core.close();
