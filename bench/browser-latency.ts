/**
 * Keystroke → ghost text in the browser: web mode with a trained model, Chromium typing held-out
 * text one key at a time, the time from each keydown to the ghost text shown for it.
 *   npm run bench:browser -- --data-dir DIR --model NAME [--keys 50] [--during-learning | --during-fit]
 * Suggestion pause 0 and a confidence bar of 0 here, so every keystroke asks (or types through)
 * and shows. With --during-learning, a learning-from-drafts run (the training host fine-tuning the
 * model in use on a 20,000-character draft) is going the whole time the keys are typed: what a
 * writer feels when Nib learns while they write. With --during-fit (the base in use, a fresh data
 * folder), 400,000 characters are imported first, as a writer's first import, and the keys are
 * typed while the app fits the base to them in the background (services/base-fit.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Core } from '../src-main/core/core.ts';
import { startWebServer } from '../src-main/server/web.ts';
import { arg, DATA, opt, percentile, ROOT } from './common.ts';

const keys = arg('keys', 50);
const core = new Core(opt('data-dir'));
const duringLearning = process.argv.includes('--during-learning');
const duringFit = process.argv.includes('--during-fit');
await core.call('settings.set', { activeModel: opt('model'), pauseMs: 0, confidenceBar: 0 });
const server = await startWebServer(core, { staticDir: path.join(ROOT, 'dist', 'renderer') });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
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
if (text.length < 200)
  throw new Error(
    `${DATA} has no text at 1,010,000 characters: give the whole tiny-shakespeare with NIB_BENCH_DATA=PATH (bench/common.ts)`,
  );
for (const ch of text.slice(0, 200 - keys)) await page.keyboard.type(ch); // context first
let learning: Promise<unknown> | null = null;
if (duringLearning) {
  // A draft to learn from, then a run long enough to outlast the typing.
  const draft = fs.readFileSync(DATA, 'utf8').slice(500_000, 520_000);
  await core.call('drafts.save', { title: 'bench draft', text: draft });
  learning = core.call('learn.now', { seconds: 120 });
  // Wait until the training host is actually stepping (its start-up is not what is measured).
  await new Promise((r) => setTimeout(r, 8000));
}
let fitEnded = false;
if (duringFit) {
  let fitting = false;
  // The import's fit only: a fit with no corpus may run at start (the base as shipped, when due).
  core.on((e) => {
    if (e.type === 'base-fitting' && e.corpus === 'bench import') fitting = true;
    if (e.type === 'base-fitted' && e.corpus === 'bench import') fitEnded = true;
  });
  const data = Buffer.from(fs.readFileSync(DATA, 'utf8').slice(0, 400_000)).toString('base64');
  await core.call('corpora.import', { corpus: 'bench import', files: [{ name: 'import.txt', data }] });
  for (let i = 0; i < 100 && !fitting; i++) await new Promise((r) => setTimeout(r, 100));
  if (!fitting)
    throw new Error('the fit did not start: is the base the model in use (--model base), in a fresh folder?');
  // Past its start-up: the fit's measuring is what the writer types beside.
  await new Promise((r) => setTimeout(r, 5000));
}
await page.evaluate('window.__lat = []');
for (const ch of text.slice(200 - keys, 200)) {
  await page.keyboard.type(ch === '\n' ? ' ' : ch);
  await page.waitForTimeout(60);
}
const lat = (await page.evaluate('window.__lat')) as number[];
// The whole typing must have had the fit beside it.
if (duringFit && fitEnded) console.log('note: the fit ended before the typing did: import more text');
if (!lat.length) {
  await page.screenshot({ path: '/tmp/bench-browser.png' });
  throw new Error('no ghost text appeared: see /tmp/bench-browser.png');
}
console.log(
  `keystroke → ghost text, model ${opt('model')}${duringLearning ? ', while learning from drafts runs' : duringFit ? ', while the base is fitted to an import' : ''}: p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms over ${lat.length} keystrokes (Chromium ${browser.version()})`,
);
await browser.close();
if (learning) console.log('learning:', JSON.stringify(await learning));
await server.close();
await core.close();
