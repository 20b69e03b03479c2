import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import WebSocket from 'ws';
import { BACKENDS } from '../src-main/api/core-api.ts';
import { Core } from '../src-main/core/core.ts';
import { startWebServer, type WebServer } from '../src-main/server/web.ts';
import { unzip } from '../src-renderer/lib/zip.ts';
import { takesSpaceBack } from '../src-renderer/lib/suggestion.ts';
import { ROOT, SHAKESPEARE, tempDir } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const STATIC = path.join(ROOT, 'dist', 'renderer');
// .ci/run installs Debian's chromium and `npm test` builds the renderer first (pretest); a
// developer machine without chromium skips these with this reason.
const skip = !fs.existsSync(CHROMIUM) ? 'Debian chromium is not installed (apt-get install -y chromium)' : false;
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

let dir: string;
let core: Core;
let server: WebServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  dir = tempDir('nib-e2e-');
  core = new Core(path.join(dir, 'data'));
  server = await startWebServer(core, { staticDir: STATIC });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
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
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await server?.close();
  await core?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The editor's text as the writer's document holds it: without the ghost of a suggestion. */
function editorText(page: Page): Promise<string> {
  return page.getByTestId('editor').evaluate((el) => {
    const copy = (
      el as unknown as {
        cloneNode(deep: boolean): { querySelectorAll(s: string): { remove(): void }[]; textContent: string };
      }
    ).cloneNode(true);
    for (const g of copy.querySelectorAll('.cm-ghost')) g.remove();
    return copy.textContent;
  });
}

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: pathAndQuery, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

function wsStatus(query: string, origin: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('error', () => resolve('error'));
  });
}

describe('first launch', { skip }, () => {
  test('a writer who has imported nothing types a paragraph, sees ghost text from the base model and accepts some with Tab and Ctrl+→', async () => {
    // A fresh data folder: nothing imported, nothing trained, default settings.
    const fresh = new Core(path.join(dir, 'fresh'));
    const web = await startWebServer(fresh, { staticDir: STATIC });
    const page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
    try {
      await page.goto(web.url);
      // The first-run path: what Nib does, where the text stays, import, then personalise.
      await page.getByTestId('welcome').waitFor();
      assert.match(
        (await page.getByTestId('welcome').textContent()) ?? '',
        /stays on this computer.*Import your writing.*Personalise/s,
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'first-launch.png') });
      // Dismissable, for this session; a later session with still nothing imported shows it again.
      await page.getByRole('button', { name: 'Got it' }).click();
      await page.getByTestId('welcome').waitFor({ state: 'detached' });
      await page.reload();
      await page.getByTestId('editor').waitFor();
      assert.equal(await page.getByTestId('welcome').count(), 0, 'stays dismissed in this session');
      // Named before the first suggestion as the first suggestion names it: the base, none of the
      // writer's phrases (its own n-gram is not theirs).
      assert.equal((await page.getByTestId('model-name').textContent())?.trim(), 'Model: base');
      const later = await browser.newPage({ viewport: { width: 1200, height: 720 } });
      await later.goto(web.url);
      await later.getByTestId('welcome').waitFor();
      await later.close();
      const editor = page.getByTestId('editor');
      await editor.click();
      const ghost = page.getByTestId('ghost');
      const paragraph =
        'Thank you for your letter of the fifteenth. I would like to take this opportunity to say that the members of the committee ' +
        'have agreed to meet again at the end of the month. We will send you a copy of the report as soon as it is ready, and we look ' +
        'forward to hearing from you. In the meantime, please let me know if there is anything else that you would like us to consider.';
      let i = 0;
      let keys = 0;
      let accepted = 0;
      let acceptedChars = 0;
      let words = 0;
      let takenBack = 0;
      const seen = new Set<string>();
      // Type at a human pace: ~60 ms a key, and a pause after each word as writers make, long enough
      // for a suggestion (the default 150 ms pause). A ghost that matches what comes next is taken
      // with Tab; one whose first words match, a word at a time with Ctrl+→ (the rest stays shown).
      // The writer sees no space at a ghost's end: where what they see is right and they go on with a
      // closing mark, they take it with Tab and type the mark, which takes the space back.
      while (i < paragraph.length) {
        const shown = (await ghost.count()) ? ((await ghost.textContent()) ?? '') : '';
        if (shown) seen.add(`${i}:${shown}`);
        const word = /^\s*\S+/.exec(shown)?.[0] ?? '';
        const visible = shown.trimEnd();
        const after = paragraph[i + visible.length] ?? '';
        const whole =
          paragraph.startsWith(shown, i) && !(visible !== shown && takesSpaceBack(paragraph[i + shown.length] ?? ''));
        const markNext =
          !whole && visible !== shown && paragraph.startsWith(visible, i) && after !== ' ' && takesSpaceBack(after);
        const take = whole ? shown : markNext ? visible : paragraph.startsWith(word, i) ? word : '';
        if (take) {
          await page.keyboard.press(take === shown || markNext ? 'Tab' : 'Control+ArrowRight');
          keys++;
          accepted++;
          if (markNext) takenBack++;
          else if (take !== shown) words++;
          acceptedChars += take.length;
          i += take.length;
          await page.waitForTimeout(60);
          continue;
        }
        await page.keyboard.type(paragraph[i]);
        keys++;
        i++;
        await page.waitForTimeout(paragraph[i - 1] === ' ' ? 400 : 60);
      }
      await page.keyboard.press('Escape');
      await page.getByTestId('editor').filter({ hasText: paragraph }).waitFor();
      assert.equal(await editor.textContent(), paragraph);
      const ksr = 1 - keys / paragraph.length;
      console.log(
        `first launch: ${seen.size} suggestions seen, ${accepted} taken (${accepted - words} with Tab, ${takenBack} of them before a mark that took their space back; ${words} words with Ctrl+→), ${acceptedChars} of ${paragraph.length} characters; ${keys} keystrokes, KSR ${(100 * ksr).toFixed(1)}%`,
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'first-launch-write.png') });
      assert.ok(accepted > 0 && ksr > 0, 'the base model saved some keystrokes');
      // The base with the n-gram it ships with: nothing of the writer's is in it yet.
      assert.equal((await page.getByTestId('model-name').textContent())?.trim(), 'Model: base');
      // The ghost belongs to the cursor in the text: leaving the editor (for the document list,
      // the title, a button) takes it away.
      await editor.click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type(' Please let me kno');
      await ghost.waitFor({ timeout: 10_000 });
      await page.getByTestId('doc-select').focus();
      await ghost.waitFor({ state: 'detached', timeout: 5_000 });
      // Nothing to train on yet: Train says where to import, and the link goes there.
      await page.getByTestId('nav-train').click();
      await page.getByRole('link', { name: 'Library' }).click();
      await page.getByRole('heading', { name: 'Library' }).waitFor();
      assert.ok(page.url().endsWith('#library'));
    } finally {
      await page.close();
      await web.close();
      await fresh.close();
    }
  });
});

describe('web mode', { skip }, () => {
  test('requests and socket upgrades without the token, with a foreign Host or Origin, are refused', async () => {
    assert.equal(await get('/'), 403);
    assert.equal(await get('/?token=wrong'), 403);
    assert.equal(await get(`/?token=${server.token}`), 200);
    assert.equal(await get(`/?token=${server.token}`, { Host: 'evil.example:80' }), 403);
    assert.equal(await get(`/?token=${server.token}`, { Origin: 'http://evil.example' }), 403);
    const own = `http://127.0.0.1:${server.port}`;
    assert.equal(await wsStatus('', own), '403');
    assert.equal(await wsStatus(`?token=${server.token}`, 'http://evil.example'), '403');
    assert.equal(await wsStatus(`?token=${server.token}`, own), 'open');
  });

  test('bad API payloads are refused with a clear message', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      origin: `http://127.0.0.1:${server.port}`,
    });
    await new Promise((r) => ws.on('open', r));
    const ask = (msg: unknown) =>
      new Promise<{ error?: { code: string; message: string } }>((resolve) => {
        ws.once('message', (m) => resolve(JSON.parse(String(m))));
        ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
      });
    assert.match((await ask('not json')).error!.message, /JSON/);
    assert.match((await ask({ id: 1, method: 'nope' })).error!.message, /unknown method/);
    assert.match(
      (await ask({ id: 2, method: 'train.start', params: { corpus: 'c', model: 'm', preset: 'huge' } })).error!.message,
      /preset" must be one of small, medium, large/,
    );
    assert.match(
      (await ask({ id: 3, method: 'drafts.save', params: { title: 1, text: '' } })).error!.message,
      /title" must be text/,
    );
    assert.match(
      (await ask({ id: 4, method: 'corpora.list', params: { extra: true } })).error!.message,
      /unknown field "extra"/,
    );
    // The CLI's methods name places on disk: a page may not call them, however well formed.
    for (const [method, params] of [
      ['corpora.importPaths', { corpus: 'etc', paths: ['/etc'] }],
      ['models.exportTo', { name: 'base', dir: '/tmp/stolen' }],
      ['eval', { model: 'base', file: '/etc/passwd' }],
    ] as const) {
      const r = await ask({ id: 9, method, params });
      assert.match(r.error!.message, /is for the nib command only, not the app/, method);
    }
    assert.equal(fs.existsSync('/tmp/stolen'), false);
    // One envelope on every transport (the contract's Reply), with the request's id beside it.
    assert.deepEqual(await ask({ id: 5, method: 'drafts.get', params: { id: 999_999 } }), {
      id: 5,
      ok: false,
      error: { code: 'not-found', message: 'no draft 999999', problem: 'no draft 999999' },
    });
    const ok = (await ask({ id: 6, method: 'settings.get' })) as {
      id: number;
      ok: boolean;
      result: { editorFont: string };
    };
    assert.deepEqual([ok.id, ok.ok, ok.result.editorFont], [6, true, 'serif']);
    ws.close();
  });

  test('a writer imports, trains, writes with a suggestion, accepts it with Tab, and finds the draft after a reload', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

    // Library: import a small corpus through the file input.
    await page.getByTestId('nav-library').click();
    await page.getByLabel('Corpus name').fill('plays');
    const file = path.join(dir, 'plays.txt');
    fs.writeFileSync(file, fs.readFileSync(SHAKESPEARE, 'utf8').slice(0, 60_000));
    await page.getByTestId('import-input').setInputFiles(file);
    await page.getByTestId('corpus-row').first().waitFor();
    assert.match((await page.getByTestId('corpus-row').first().textContent()) ?? '', /plays\s*1\s*60,000/);
    // The welcome, still up, has its first step done and points to the next.
    await page.getByTestId('welcome-imported').waitFor();
    // At once, with no training: the base measured with the phrases of what was imported, and the
    // best of the three kept (services/base-fit.ts), said with what it saves.
    await page
      .getByTestId('base-fit')
      .filter({ hasText: /^Suggestions (now use your phrases|are fitted to “plays”).* saves? \d+\.\d% of keystrokes/ })
      .waitFor({ timeout: 120_000 });
    const fitted = (
      (await core.call('models.list', {})) as { name: string; suggestSource: { corpus: string } | null }[]
    ).find((m) => m.name === 'base')!;
    assert.equal(fitted.suggestSource?.corpus, 'plays');
    await shot('library');
    // Said again when the Library is opened later (a fit often ends while the writer is in Write).
    await page.getByTestId('nav-write').click();
    await page.getByTestId('editor').waitFor();
    await page.getByTestId('nav-library').click();
    await page
      .getByTestId('base-fit')
      .filter({ hasText: /^Suggestions / })
      .waitFor();

    // Settings: show every suggestion, however unsure, so the test does not depend on luck.
    await page.getByTestId('nav-settings').click();
    // With writing imported, the first-run welcome goes.
    await page.getByTestId('welcome').waitFor({ state: 'detached' });
    await page.getByLabel('Use a fixed confidence bar').check();
    await page.getByLabel('Confidence bar (0–1)').fill('0');
    // Saved as it is made: a number when Enter is pressed or the field is left.
    await page.getByLabel('Confidence bar (0–1)').press('Enter');
    await page.getByText('Saved.').waitFor();
    assert.equal(((await core.call('settings.get', {})) as { confidenceBar: number | null }).confidenceBar, 0);
    // The WebGPU adapter, or why there is none (here: no GPU, or Dawn for Node not installed).
    assert.match(
      (await page.getByTestId('webgpu-adapter').textContent()) ?? '',
      /^WebGPU adapter: (none \((not installed|no GPU with|failed|the )|.+\(largest buffer \d+ MB\))/,
    );
    await shot('settings');

    // Train: a tiny model to completion.
    await page.getByTestId('nav-train').click();
    await page.getByLabel('Model name').fill('e2e');
    await page.getByLabel('Start from').selectOption('scratch');
    await page.getByLabel('Maximum steps').fill('150');
    // Before starting: the parameter count and the time it would take here, measured.
    await page.getByText(/[\d,]+ parameters · about \d+ s for 150 steps on this computer/).waitFor({ timeout: 20_000 });
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-progress').waitFor();
    await page.getByText(/Finished "e2e" at step 150/).waitFor({ timeout: 120_000 });
    await shot('train');
    // One engine, one name: the sidebar's is a choice of Settings' "Compute engine", and the Train
    // view's begins with it (Nib's kernel here; the tfjs engines are all "TensorFlow.js").
    const engineName = (await page.getByTestId('backend').textContent()) ?? '';
    assert.ok(
      (BACKENDS as readonly { label: string }[]).some((b) => b.label === engineName),
      engineName,
    );
    const trainedOn = (await page.getByTestId('train-engine').textContent()) ?? '';
    assert.ok(
      trainedOn.startsWith(`Training on ${engineName.replace(/\)$/, '')}`) ||
        trainedOn.startsWith('Training on TensorFlow.js'),
      `${engineName} / ${trainedOn}`,
    );
    // The name just used is offered again with a number, as a file dialog does; typed back, it is
    // refused as it is typed (in the words of the form, not of command-line flags), and Start waits.
    const nameField = page.getByLabel('Model name');
    for (let i = 0; i < 40 && (await nameField.inputValue()) !== 'e2e-2'; i++) await page.waitForTimeout(50);
    assert.equal(await nameField.inputValue(), 'e2e-2');
    await nameField.fill('e2e');
    const err = page.getByText(/A model named “e2e” already exists/);
    await err.waitFor();
    const text = (await err.textContent()) ?? '';
    assert.match(text, /type another name/);
    assert.doesNotMatch(text, /--/);
    assert.ok(await page.getByTestId('train-start').isDisabled());
    assert.equal(await nameField.getAttribute('aria-invalid'), 'true');
    // Reopened after the run ended, the view still shows how it ended, its curve and its engine.
    await page.getByTestId('nav-models').click();
    await page.getByTestId('nav-train').click();
    await page.getByText(/Finished "e2e" at step 150/).waitFor();
    await page.locator('.chart .uplot').waitFor();
    await page.getByTestId('train-engine').waitFor();

    await page.getByTestId('nav-models').click();
    const row = page.getByTestId('model-row').filter({ hasText: 'e2e' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /e2e.*ready/);
    // Every figure says what text it was measured on: a trained model's, its corpus's held-out text.
    assert.match((await row.getByTestId('model-bits').textContent()) ?? '', /^\d\.\d{3} on plays/);
    await shot('models');

    // Write: type, see the ghost text, take it with Tab.
    await page.getByTestId('nav-write').click();
    const editor = page.getByTestId('editor');
    await editor.click();
    await page.keyboard.type('First Citizen:\nWe are accounted poor citizens, the ', { delay: 20 });
    const ghost = page.getByTestId('ghost');
    try {
      await ghost.waitFor({ timeout: 10_000 });
    } catch (e) {
      await shot('DEBUG-ghost');
      console.log('DEBUG ghosts', await ghost.count(), JSON.stringify(await page.getByTestId('editor').textContent()));
      console.log(
        'DEBUG status',
        await page.getByTestId('status-latency').textContent(),
        await page.getByTestId('model-name').textContent(),
      );
      console.log('DEBUG errors', JSON.stringify(errors));
      throw e;
    }
    const suggestion = (await ghost.textContent()) ?? '';
    assert.ok(suggestion.length > 0);
    assert.match((await page.getByTestId('status-latency').textContent()) ?? '', /Suggestion in [\d.]+ ms/);
    // Screen readers hear the suggestion, politely, with how to take it; the status bar (which
    // changes on every keystroke) is not a live region.
    const announcement = page.getByTestId('suggestion-announcement');
    assert.equal(await announcement.getAttribute('aria-live'), 'polite');
    assert.match((await announcement.textContent()) ?? '', /^Suggestion: .+\. Tab to accept/);
    assert.equal(
      await page
        .getByTestId('status-latency')
        .evaluate((el) => el.closest('[aria-live]')?.getAttribute('aria-live') ?? null),
      null,
    );
    await shot('write');
    // Alt+] decodes the alternatives on demand (a keystroke decodes only the best) and shows the
    // second; Alt+[ goes back. With the threshold at 0 there are always others.
    await page.keyboard.press('Alt+BracketRight');
    await page.locator('[data-testid=ghost][title^="Suggestion 2 of"]').waitFor();
    // The count is on screen (CSS after the ghost), not only in the tooltip, and not in the text.
    assert.match((await ghost.getAttribute('data-of')) ?? '', /^2 of \d$/);
    // Drawn on screen after the ghost (CSS ::after), not only in the attribute.
    assert.match(
      await ghost.evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown, p: string): { content: string } }).getComputedStyle(
            el,
            '::after',
          ).content,
      ),
      /2 of \d/,
    );
    assert.doesNotMatch((await ghost.textContent()) ?? '', / of \d$/);
    await shot('write-alternatives');
    assert.notEqual(await ghost.textContent(), suggestion);
    await page.keyboard.press('Alt+BracketLeft');
    await page
      .getByTestId('ghost')
      .filter({ hasText: suggestion })
      .locator('xpath=self::*[not(@title) or starts-with(@title, "Suggestion 1 of")]')
      .waitFor();
    await page.keyboard.press('Tab');
    await ghost.waitFor({ state: 'detached' }).catch(() => {});
    const expected = `We are accounted poor citizens, the ${suggestion}`;
    assert.ok((await editor.textContent())?.includes(expected), `editor holds the accepted suggestion "${suggestion}"`);

    // Tab with no suggestion showing keeps the focus (and every later keystroke) in the editor. Inside
    // a word no suggestion is asked for, so none can be showing. (Where the suggestion taken ended
    // with a space, the space typed next replaces it: one space either way.)
    const typedOn = `${expected.replace(/ $/, '')} zq eXnd`;
    await page.keyboard.type(' zq end');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await ghost.count(), 0);
    await page.keyboard.press('Tab');
    await page.keyboard.type('X');
    const after = (await editor.textContent()) ?? '';
    assert.ok(
      after.includes(typedOn),
      `Tab without a ghost neither moved focus nor lost text: "${typedOn}" in "${after.slice(-80)}"`,
    );
    // Alt+] with nothing shown says why none comes (briefly, in the status bar and to a screen reader)…
    await page.keyboard.press('Alt+BracketRight');
    await page.getByTestId('suggest-notice').getByText('Suggestions come at the end of a word').waitFor();
    assert.match((await announcement.textContent()) ?? '', /end of a word/);
    await shot('write-notice');
    assert.equal(await ghost.count(), 0);
    await page.keyboard.press('End');
    for (let k = 0; k < 8; k++) await page.keyboard.press('Backspace');
    // …and, where one can come, asks for it at once: dismissed with Escape, it is back on Alt+].
    await ghost.waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId('suggest-notice').count(), 0, 'a suggestion on screen clears the notice');
    await page.keyboard.press('Escape');
    await ghost.waitFor({ state: 'detached' });
    await page.keyboard.press('Alt+BracketRight');
    await ghost.waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    await ghost.waitFor({ state: 'detached' });

    // The draft autosaves; a reload brings it back.
    await page.getByText('Saved', { exact: true }).waitFor();
    await page.reload();
    await page.getByTestId('editor').getByText(expected.trimEnd().slice(-20)).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('keyboard: F6 and Shift+F6 move between the views bar, document bar, editor and status bar; the editor font follows Settings', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
    try {
      await page.goto(server.url);
      await page.getByTestId('editor').click();
      const focused = async () => {
        for (const r of ['views', 'welcome', 'documents', 'editor', 'status', 'page']) {
          if (await page.locator(`[data-region="${r}"] :focus, [data-region="${r}"]:focus`).count()) return r;
        }
        return null;
      };
      assert.equal(await focused(), 'editor');
      const order: (string | null)[] = [];
      for (let k = 0; k < 4; k++) {
        await page.keyboard.press('F6');
        order.push(await focused());
      }
      // Round the window and back to the text, whatever else is on screen.
      assert.equal(order.at(-1), 'editor', order.join(' → '));
      assert.ok(order.includes('views') && order.includes('status') && order.includes('documents'), order.join(' → '));
      await page.keyboard.press('Shift+F6');
      assert.equal(await focused(), order.at(-2));
      // Settings → Editor font: monospace for a writer who wants it, the serif back by default.
      await page.getByTestId('nav-settings').click();
      // A refused value is named and marked beside its field, and holds back no other setting.
      const pause = page.getByLabel('Pause before suggesting (ms)');
      const pauseBefore = await pause.inputValue();
      await pause.fill('-5');
      await pause.press('Enter');
      await page
        .getByTestId('settings-error')
        .getByText(/Pause before suggesting/)
        .waitFor();
      assert.equal(await pause.getAttribute('aria-invalid'), 'true');
      // Emptied, it is refused as empty rather than saved as 0.
      await pause.fill('');
      await pause.press('Enter');
      await page
        .getByTestId('settings-error')
        .getByText(/Pause before suggesting” needs a number/)
        .waitFor();
      await page.getByLabel('Editor font').selectOption('mono');
      await page.getByText('Saved.').waitFor();
      assert.equal(await page.getByTestId('settings-error').count(), 0);
      assert.equal(await pause.inputValue(), pauseBefore, 'the field shows the pause in effect');
      await page.getByTestId('nav-write').click();
      await page.locator('[data-testid="editor-host"].font-mono').waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, 'write-monospace.png') });
      await page.getByTestId('nav-settings').click();
      await page.getByLabel('Editor font').selectOption('serif');
      await page.getByText('Saved.').waitFor();
      // Ctrl+2 (Library) from the keyboard leaves the focus at the view's heading, so Tab goes on
      // inside the view, not from the top of the page.
      await page.getByTestId('nav-write').click();
      await page.getByTestId('editor').click();
      await page.keyboard.press('Control+2');
      await page.locator('#lib-h:focus').waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'page');
      assert.equal(((await core.call('settings.get', {})) as { editorFont: string }).editorFont, 'serif');
    } finally {
      await page.close();
    }
  });

  test('documents: new, text kept by a reload right after typing, rename, switch, export as .md, delete', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1200, height: 720 }, acceptDownloads: true });
    await core.call('drafts.save', { title: 'Another one', text: 'Another one, to switch to.' });
    await page.goto(server.url);
    await page.getByTestId('editor').waitFor();
    const drafts = async () => ((await core.call('drafts.list', {})) as unknown[]).length;
    const before = await drafts();
    await page.getByTestId('doc-new').click();
    await page.getByTestId('editor').click();
    await page.keyboard.type('A second document, about trains.');
    // Reload at once: the last keystrokes are not yet autosaved (400 ms); leaving the page flushes them.
    await page.reload();
    await page.getByTestId('editor').getByText('A second document, about trains.').waitFor();
    assert.equal(await drafts(), before + 1, 'one new draft, saved as the page went away');

    await page.getByRole('button', { name: /^Rename/ }).click();
    await page.getByTestId('rename-input').fill('Trains');
    await page.getByRole('button', { name: 'Save title' }).click();
    await page.getByTestId('doc-select').locator('option', { hasText: 'Trains' }).waitFor({ state: 'attached' });

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /Export \.md: “Trains” as Markdown/ }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'Trains.md');
    assert.equal(fs.readFileSync((await file.path())!, 'utf8'), 'A second document, about trains.');
    const txt = page.waitForEvent('download');
    await page.getByRole('button', { name: /Export \.txt: “Trains” as plain text/ }).click();
    assert.equal((await txt).suggestedFilename(), 'Trains.txt');
    assert.equal(fs.readFileSync((await (await txt).path())!, 'utf8'), 'A second document, about trains.');
    // A saved draft can go into a corpus at once (the button is live, not stuck disabled).
    assert.equal(await page.getByRole('button', { name: 'Add draft to corpus' }).isEnabled(), true);
    // Into a corpus of its own here (so the other tests' corpus stays as it is): it says what it
    // did beside the button, and why not the second time.
    await core.call('corpora.import', {
      corpus: 'trips',
      files: [{ name: 'n.txt', data: Buffer.from('A note to start the corpus.').toString('base64') }],
    });
    await page.reload();
    await page.getByLabel('Corpus to add this draft to').selectOption('trips');
    await page.getByRole('button', { name: 'Add draft to corpus' }).click();
    await page.getByTestId('corpus-note').getByText('Added “Trains” to “trips” (32 characters)').waitFor();
    await page.getByRole('button', { name: 'Add draft to corpus' }).click();
    await page.getByTestId('corpus-note').getByText('Not added: the same text is already in corpus "trips"').waitFor();
    // Keyboard users leave the editor with Esc then Tab (Tab alone never leaves it).
    await page.getByTestId('editor').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    assert.equal(
      await page.evaluate(() => {
        const d = (globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } })
          .document;
        return d.activeElement?.closest('.cm-editor') != null;
      }),
      false,
      'focus left the editor',
    );

    // Switch to the first draft and back.
    const other = await page
      .getByTestId('doc-select')
      .locator('option', { hasNotText: 'Trains' })
      .first()
      .getAttribute('value');
    await page.getByTestId('doc-select').selectOption(other!);
    await page.getByTestId('editor').getByText('about trains').waitFor({ state: 'detached' });
    const trains = await page.getByTestId('doc-select').locator('option', { hasText: 'Trains' }).getAttribute('value');
    await page.getByTestId('doc-select').selectOption(trains!);
    await page.getByTestId('editor').getByText('about trains').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'write-documents.png') });
    // Undo belongs to one document: right after switching there is nothing to undo, and Ctrl+Z never
    // brings the other document's text in (where autosave would keep it, over this one's).
    await page.getByTestId('editor').click();
    for (let k = 0; k < 3; k++) await page.keyboard.press('Control+z');
    await page.waitForTimeout(600);
    assert.equal(await editorText(page), 'A second document, about trains.');
    const another = (await core.call('drafts.list', {})) as { id: number; title: string }[];
    const anotherId = another.find((d) => d.title === 'Another one')!.id;
    assert.equal(
      ((await core.call('drafts.get', { id: anotherId })) as { text: string }).text,
      'Another one, to switch to.',
    );

    // Asked in the app's own dialog (not the browser's "127.0.0.1 says"): the focus starts on
    // Cancel, so Enter alone never deletes; Esc keeps the draft.
    await page.getByRole('button', { name: /Delete “Trains”/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Trains”?' });
    await dialog.waitFor();
    assert.equal(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document
            .activeElement?.textContent,
      ),
      'Cancel',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'confirm-delete.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.ok(
      ((await core.call('drafts.list', {})) as { title: string }[]).some((d) => d.title === 'Trains'),
      'Esc kept the draft',
    );
    await page.getByRole('button', { name: /Delete “Trains”/ }).click();
    await dialog.getByRole('button', { name: 'Delete draft' }).click();
    await page
      .getByTestId('doc-select')
      .locator('option', { hasText: /^Trains$/ })
      .waitFor({ state: 'detached' });
    // Said where the writer landed, with a way back: Undo brings the draft back and opens it.
    await page
      .getByTestId('deleted-note')
      .getByText(/^Deleted “Trains”; “.+” is open\./)
      .waitFor();
    await page.getByTestId('deleted-note').getByRole('button', { name: 'Undo' }).click();
    await page.getByTestId('editor').getByText('A second document, about trains.').waitFor();
    await page
      .getByTestId('doc-select')
      .locator('option', { hasText: /^Trains$/ })
      .waitFor({ state: 'attached' });
    await page.getByRole('button', { name: /Delete “Trains”/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete draft' }).click();
    await page
      .getByTestId('doc-select')
      .locator('option', { hasText: /^Trains$/ })
      .waitFor({ state: 'detached' });
    // Two drafts of one title are told apart in the menu by when they were last changed.
    await core.call('drafts.save', { title: 'Dear Anna', text: 'Dear Anna, the first letter.' });
    await core.call('drafts.save', { title: 'Dear Anna', text: 'Dear Anna, the second letter.' });
    await page.reload();
    const annas = page.getByTestId('doc-select').locator('option', { hasText: /^Dear Anna · / });
    await annas.first().waitFor({ state: 'attached' });
    assert.equal(await annas.count(), 2);
    assert.equal(
      await page
        .getByTestId('doc-select')
        .locator('option', { hasText: /^Another one$/ })
        .count(),
      1,
    );
    await page.close();
  });

  test('Library: a mailbox says how many messages held the writer’s own text; deleting a document keeps the list open and the focus in it', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    try {
      await page.goto(`${server.url}#library`);
      await page.getByLabel('Corpus name').fill('mail');
      // Thunderbird keeps a folder as an mbox file with no extension; the second message only quotes.
      const sent = path.join(dir, 'Sent');
      fs.writeFileSync(
        sent,
        [
          'From - Mon Jan  1 10:00:00 2024',
          'Subject: lunch',
          '',
          'Hi Sam,',
          '',
          'Shall we have lunch on Thursday? Let me know what suits you.',
          '',
          'From - Tue Jan  2 10:00:00 2024',
          'Subject: Re: lunch',
          '',
          '> Thursday is fine.',
          '',
          'From - Wed Jan  3 10:00:00 2024',
          'Subject: notes',
          '',
          'Thanks for the notes, they were a great help.',
          '',
        ].join('\n'),
      );
      const notes = path.join(dir, 'notes.txt');
      fs.writeFileSync(notes, 'Notes for the second chapter: the storm, the letter, the long walk home.');
      const more = path.join(dir, 'more.txt');
      fs.writeFileSync(more, 'More notes: the sister arrives in the spring, and nobody is ready for her.');
      await page.getByTestId('import-input').setInputFiles([sent, notes, more]);
      await page.getByText(/Sent: \d+ characters, your own text in 2 of 3 messages/).waitFor();
      // Its documents, then two deleted one after the other from the keyboard.
      await page.getByRole('button', { name: 'mail', exact: true }).click();
      await page.getByRole('button', { name: 'Delete document Sent' }).click();
      const ask = page.getByRole('dialog', { name: 'Delete “Sent” from the corpus?' });
      await ask.getByRole('button', { name: 'Delete document' }).click();
      await page.getByRole('button', { name: 'Delete document Sent' }).waitFor({ state: 'detached' });
      // The list stayed open, and the focus is on the document now in that place.
      const focused = () =>
        page.evaluate(
          () =>
            (
              globalThis as unknown as {
                document: { activeElement: { getAttribute(n: string): string | null } | null };
              }
            ).document.activeElement?.getAttribute('aria-label') ?? null,
        );
      assert.equal(await focused(), 'Delete document notes.txt');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Delete document notes.txt' }).waitFor({ state: 'detached' });
      assert.equal(await focused(), 'Delete document more.txt');
      // The corpus goes through the same question (the other tests expect "plays" alone).
      await page.getByRole('button', { name: 'Delete corpus mail' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete corpus' }).click();
      await page.getByRole('button', { name: 'Delete corpus mail' }).waitFor({ state: 'detached' });
      assert.ok(!((await core.call('corpora.list', {})) as { name: string }[]).some((c) => c.name === 'mail'));
    } finally {
      await page.close();
    }
  });

  test('two tabs on one draft never overwrite each other; Write reopens the draft and place the writer left; the list browses by keyboard; Rename takes the focus', async () => {
    // Two tabs of one browser (one localStorage), as a writer opens them.
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 720 } });
    const focused = (p: Page) =>
      p.evaluate(() => {
        const el = (
          globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }
        ).document.activeElement;
        return el?.getAttribute('data-testid') ?? el?.getAttribute('id') ?? '';
      });
    try {
      const { id } = (await core.call('drafts.save', { title: 'Shared', text: 'Shared draft.' })) as { id: number };
      await core.call('drafts.save', { title: 'Later', text: 'A later draft, the newest.' });
      const a = await ctx.newPage();
      await a.goto(server.url);
      await a.getByTestId('editor').waitFor();
      await a.getByTestId('doc-select').selectOption(String(id));
      await a.getByTestId('editor').getByText('Shared draft.').waitFor();
      // The second tab opens the draft the writer has open, not the newest.
      const b = await ctx.newPage();
      await b.goto(server.url);
      await b.getByTestId('editor').getByText('Shared draft.').waitFor();
      // A writes and saves; then B, which still has the text A started from, writes too.
      await a.getByTestId('editor').click();
      await a.keyboard.press('Control+End');
      await a.keyboard.type(' Only in A.');
      await a.getByTestId('save-state').getByText('Saved').waitFor();
      await b.getByTestId('editor').click();
      await b.keyboard.press('Control+End');
      await b.keyboard.type(' Only in B.');
      await b
        .getByTestId('conflict-note')
        .getByText(/^Another window or tab saved this draft while you typed here/)
        .waitFor();
      await b.getByTestId('save-state').getByText('Saved').waitFor();
      // Neither is lost: A's text stays in the draft, B's is in a copy that B now edits.
      assert.equal(((await core.call('drafts.get', { id })) as { text: string }).text, 'Shared draft. Only in A.');
      const copy = ((await core.call('drafts.list', {})) as { id: number; title: string }[]).find(
        (d) => d.title === "Shared (this window's copy)",
      )!;
      assert.equal(
        ((await core.call('drafts.get', { id: copy.id })) as { text: string }).text,
        'Shared draft. Only in B.',
      );
      await b.keyboard.type(' More.');
      await b.getByTestId('save-state').getByText('Saved').waitFor();
      assert.equal(
        ((await core.call('drafts.get', { id: copy.id })) as { text: string }).text,
        'Shared draft. Only in B. More.',
      );
      assert.equal(((await core.call('drafts.get', { id })) as { text: string }).text, 'Shared draft. Only in A.');
      await b.close();

      // A view switch, and a reload, come back to the same draft with the cursor where it was.
      await a.getByTestId('editor').click();
      await a.keyboard.press('Control+Home');
      for (let k = 0; k < 6; k++) await a.keyboard.press('ArrowRight');
      await a.keyboard.press('Control+4');
      await a.getByRole('heading', { name: 'Models' }).waitFor();
      await a.keyboard.press('Control+1');
      await a.getByTestId('editor').getByText('Only in A.').waitFor();
      await a.keyboard.type('X');
      await a.getByTestId('save-state').getByText('Saved').waitFor();
      assert.equal(await editorText(a), 'SharedX draft. Only in A.');
      await a.reload();
      await a.getByTestId('editor').getByText('SharedX').waitFor();
      // (Write takes the focus itself; no click, which would move the cursor.)
      await a.keyboard.type('Y');
      await a.getByTestId('save-state').getByText('Saved').waitFor();
      assert.equal(await editorText(a), 'SharedXY draft. Only in A.');

      // The document list is browsed with the arrow keys: the focus stays on it as drafts open.
      await a.getByTestId('doc-select').focus();
      await a.keyboard.press('ArrowDown');
      await a.waitForTimeout(300);
      assert.equal(await focused(a), 'doc-select');
      await a.keyboard.press('Enter');
      assert.equal(await focused(a), 'editor');
      // Rename puts the focus in the name field, its text selected; Esc gives the editor back.
      await a.getByRole('button', { name: /^Rename “/ }).click();
      await a.getByTestId('rename-input').waitFor();
      assert.equal(await focused(a), 'rename-input');
      await a.keyboard.press('Escape');
      assert.equal(await focused(a), 'editor');
      // Ctrl+O opens a draft by part of its title: the words typed narrow the list, Enter opens.
      await a.keyboard.press('Control+o');
      await a.getByTestId('switch-input').waitFor();
      assert.equal(await focused(a), 'switch-input');
      // Before anything is typed the draft before this one is chosen, not the one already open.
      const selected = (await a.getByTestId('switch-list').getByRole('option', { selected: true }).textContent()) ?? '';
      assert.doesNotMatch(selected, /open now/);
      await a
        .getByTestId('switch-list')
        .getByRole('option', { name: /open now/ })
        .waitFor();
      await a.keyboard.type('newest later');
      await a.keyboard.press('Escape');
      await a.getByTestId('switch-input').waitFor({ state: 'detached' });
      await a.keyboard.press('Control+o');
      await a.keyboard.type('lat');
      assert.equal(await a.getByTestId('switch-list').getByRole('option').count(), 1);
      await a.screenshot({ path: path.join(ARTIFACTS, 'write-switcher.png') });
      await a.keyboard.press('Enter');
      await a.getByTestId('editor').getByText('A later draft, the newest.').waitFor();
      assert.equal(await a.getByTestId('switch-input').count(), 0);
    } finally {
      await ctx.close();
    }
  });

  test('a writer typing on without a pause has the draft saved every few seconds, not only when they stop', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
    try {
      await page.goto(server.url);
      await page.getByTestId('editor').waitFor();
      const list = async () => (await core.call('drafts.list', {})) as { id: number; title: string }[];
      const before = new Set((await list()).map((d) => d.id));
      await page.getByTestId('doc-new').click();
      await page.getByTestId('editor').click();
      // 60 keys 150 ms apart: 9 s with no pause long enough (400 ms) for the save after a pause.
      const text = 'Steady typing with no pause at all, key after key, for nine s';
      await page.keyboard.type(text, { delay: 150 });
      // Read at once, before any pause could save: what is stored came from saves made while typing.
      const fresh = (await list()).filter((d) => !before.has(d.id));
      assert.equal(fresh.length, 1, 'the new draft was saved while the writer typed');
      const stored = ((await core.call('drafts.get', { id: fresh[0].id })) as { text: string }).text;
      assert.ok(text.startsWith(stored) && stored.length >= 20, `saved while typing: ${JSON.stringify(stored)}`);
    } finally {
      await page.close();
    }
  });

  test('Train: reopening shows the whole curve, Pause says paused, Resume keeps the goal, Cancel stops for good', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
    await page.goto(`${server.url}#train`);
    await page.getByLabel('Model name').fill('long');
    await page.getByLabel('Start from').selectOption('scratch');
    await page.getByLabel('Maximum steps').fill('100000');
    await page.getByTestId('train-start').click();
    // The first evaluation (step 100) writes the metrics so far to the database.
    await page
      .getByText(/Step [\d,]+ of 100,000 · training [\d.]+ · held-out [\d.]+ bits\/char/)
      .waitFor({ timeout: 60_000 });
    await page.getByTestId('nav-library').click();
    await page.getByTestId('nav-train').click();
    // The reopened chart was drawn from the database: every point stored so far, at once (live
    // progress alone would add points only as fast as steps run).
    const stored = ((await core.call('train.history', { model: 'long' })) as unknown[]).length;
    assert.ok(stored >= 100, `stored points ${stored}`);
    const points = async () => Number(await page.locator('.chart').getAttribute('data-points'));
    const t0 = Date.now();
    while ((await points()) < stored && Date.now() - t0 < 2_000) await page.waitForTimeout(50);
    assert.ok((await points()) >= stored, `chart points ${await points()} of ${stored} stored`);
    // The locked form shows the run's own settings, not the form's defaults.
    for (let i = 0; i < 40 && (await page.getByLabel('Start from').inputValue()) !== 'scratch'; i++)
      await page.waitForTimeout(50);
    assert.equal(await page.getByLabel('Start from').inputValue(), 'scratch');
    assert.equal(await page.getByLabel('Maximum steps').inputValue(), '100000');
    assert.equal(await page.getByLabel('Model name').inputValue(), 'long');
    await page.screenshot({ path: path.join(ARTIFACTS, 'train-reopened.png') });
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByText(/Paused "long" at step \d+/).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByText(/cancelled/).count(), 0);
    await page.getByRole('button', { name: 'Resume training long' }).click();
    await page.getByText(/Step [\d,]+ of 100,000/).waitFor({ timeout: 30_000 });
    // The resumed run itself aims at the goal it was started with (not the steps done + 100000).
    let status = (await core.call('train.status', {})) as { running: boolean; last?: { maxSteps?: number } | null };
    for (let i = 0; i < 200 && !(status.running && status.last?.maxSteps); i++) {
      await page.waitForTimeout(50);
      status = (await core.call('train.status', {})) as typeof status;
    }
    assert.equal(status.last?.maxSteps, 100000);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page
      .getByRole('dialog', { name: 'Stop this training for good?' })
      .getByRole('button', { name: 'Stop training' })
      .click();
    await page.getByText(/Stopped "long" for good at step \d+/).waitFor({ timeout: 30_000 });
    // Models: rename in place (no dialog), and a stale error disappears after a successful action.
    await page.getByTestId('nav-models').click();
    await page.getByRole('button', { name: 'Rename model long' }).click();
    await page.getByLabel('New name for long').fill('e2e');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /^A model named "e2e" already exists: type another name/ })
      .waitFor();
    // An empty name is refused in words, the field left open for one.
    await page.getByRole('button', { name: 'Rename model long' }).click();
    await page.getByLabel('New name for long').fill('  ');
    await page.keyboard.press('Enter');
    await page
      .getByRole('alert')
      .filter({ hasText: /^A model needs a name/ })
      .waitFor();
    await page.getByLabel('New name for long').fill('long story');
    await page.keyboard.press('Enter');
    await page.getByTestId('model-row').filter({ hasText: 'long story' }).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0);
    await page.close();
  });

  test('Models: export saves a .zip (a download, no server path typed), import takes it back as an upload; a bad file gets a reason', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, acceptDownloads: true });
    try {
      await page.goto(server.url);
      await page.getByTestId('nav-models').click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export model e2e as a .zip' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'e2e.zip');
      const zipPath = path.join(dir, 'e2e.zip');
      await download.saveAs(zipPath);
      await page.getByTestId('models-notice').filter({ hasText: 'Saved "e2e" as e2e.zip' }).waitFor();
      await page.getByTestId('model-files').setInputFiles(zipPath);
      await page.getByLabel('Imported model name').fill('e2e copy');
      // Measured on import, on the corpus chosen beside it (the only one: "plays").
      assert.equal(await page.getByLabel('Corpus to measure imported models on').inputValue(), 'plays');
      await page.getByRole('button', { name: 'Import model' }).click();
      await page
        .getByTestId('models-notice')
        .filter({ hasText: /Imported "e2e copy": .* \d\.\d{3} bits\/char on "plays"/ })
        .waitFor();
      const copy = page.getByTestId('model-row').filter({ hasText: 'e2e copy' });
      await copy.waitFor();
      assert.match((await copy.textContent()) ?? '', /imported/);
      // The same weights on the same held-out text (more windows than training scores): close to
      // the figure training recorded for the original, never "not measured".
      const bitsOf = async (row: typeof copy) =>
        Number(((await row.getByTestId('model-bits').textContent()) ?? '').match(/\d\.\d{3}/)?.[0]);
      const original = page.getByTestId('model-row').filter({ hasText: /^e2e(?! copy)/ });
      assert.match((await copy.getByTestId('model-bits').textContent()) ?? '', /^\d\.\d{3} on plays/);
      assert.ok(
        Math.abs((await bitsOf(copy)) - (await bitsOf(original))) < 0.25,
        'measured bits/char near the original',
      );
      // Remeasure on demand gives the same figure (same windows, same weights).
      const before = await bitsOf(copy);
      await page.getByRole('button', { name: 'Measure model e2e copy on corpus plays' }).click();
      await page.getByTestId('models-notice').filter({ hasText: 'Measured "e2e copy"' }).waitFor();
      assert.equal(await bitsOf(copy), before);
      // Imported, of quality not measured here: it suggests only once chosen.
      assert.doesNotMatch((await copy.textContent()) ?? '', /in use/);
      // Chosen with its own, named button; marked as in use, and still after a reload.
      await page.getByRole('button', { name: 'Use model e2e copy for suggestions' }).click();
      await copy.filter({ hasText: '(in use)' }).waitFor();
      await page.reload();
      await page.getByTestId('nav-models').click();
      await page
        .getByTestId('model-row')
        .filter({ hasText: /e2e copy\s*\(in use\)/ })
        .waitFor();
      await page.getByRole('button', { name: 'Use model e2e for suggestions' }).click();
      await page
        .getByTestId('model-row')
        .filter({ hasText: /^e2e\s*\(in use\)/ })
        .waitFor();
      // (That the copy's weights equal the original's is test/export.test.ts's job.)
      // Not a zip: refused with the file's name and what is wrong, nothing imported.
      fs.writeFileSync(path.join(dir, 'notes.zip'), 'these are my notes, not a model');
      await page.getByTestId('model-files').setInputFiles(path.join(dir, 'notes.zip'));
      await page.getByLabel('Imported model name').fill('bad');
      await page.getByRole('button', { name: 'Import model' }).click();
      await page.getByRole('alert').filter({ hasText: 'notes.zip: not a .zip file' }).waitFor();
      // The folder's files chosen one by one, but vocab.json left out: the app says which file is missing.
      const files = await unzip(new Uint8Array(fs.readFileSync(zipPath)));
      const loose = files
        .filter((f) => f.name !== 'vocab.json')
        .map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: Buffer.from(f.data) }));
      await page.getByTestId('model-files').setInputFiles(loose);
      await page.getByRole('button', { name: 'Import model' }).click();
      await page
        .getByRole('alert')
        .filter({
          hasText:
            'vocab.json is missing from the chosen files: choose model.json, vocab.json and the weight files together',
        })
        .waitFor();
      assert.equal(await page.getByTestId('model-row').filter({ hasText: /^bad/ }).count(), 0);
      await page.screenshot({ path: path.join(ARTIFACTS, 'models-import.png') });
      // Deleted from its row, after the app's own question (Cancel first keeps it).
      await page.getByRole('button', { name: 'Delete model e2e copy' }).click();
      const ask = page.getByRole('dialog', { name: 'Delete model “e2e copy”?' });
      await ask.getByRole('button', { name: 'Cancel' }).click();
      await ask.waitFor({ state: 'hidden' });
      assert.equal(await copy.count(), 1, 'Cancel kept the model');
      await page.getByRole('button', { name: 'Delete model e2e copy' }).click();
      await ask.getByRole('button', { name: 'Delete model' }).click();
      await copy.waitFor({ state: 'detached' });
      assert.equal(
        ((await core.call('models.list', {})) as { name: string }[]).filter((m) => m.name === 'e2e copy').length,
        0,
      );
    } finally {
      await page.close();
    }
  });

  test('accessibility: axe-core finds no serious or critical violation on any view, light or dark; screenshots of each', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      // axe-core's Playwright binding wants a page of an explicit context.
      const context = await browser.newContext({ viewport: { width: 1200, height: 720 }, colorScheme: scheme });
      const page: Page = await context.newPage();
      await page.goto(server.url);
      for (const v of ['write', 'library', 'train', 'models', 'settings']) {
        await page.getByTestId(`nav-${v}`).click();
        await page.waitForTimeout(400);
        const r = await new AxeBuilder({ page }).analyze();
        const bad = r.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical');
        assert.deepEqual(
          bad.map(
            (x) =>
              `${x.id}: ${x.nodes
                .map((n) => n.target.join(' '))
                .slice(0, 3)
                .join(', ')}`,
          ),
          [],
          `${scheme} ${v}`,
        );
        await page.screenshot({ path: path.join(ARTIFACTS, `${v}-${scheme}.png`) });
      }
      await context.close();
    }
  });
});
