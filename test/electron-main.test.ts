import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { register } from 'node:module';
import { after, before, test } from 'node:test';
import { APP_CSP } from '../src-main/app/window-options.ts';
import { ROOT, SHAKESPEARE, tempDir } from './helpers.ts';

/**
 * The Electron main process (src-main/app/main.ts), run for real in plain Node: `electron` is
 * replaced by a stand-in (test/stand-ins/electron.ts) that implements what main.ts uses and
 * records what it does. The core, the contract, the transport and the ML host (a real child
 * process) are Nib's own; Electron's code is the only part not run.
 */
register('./stand-ins/electron-loader.mjs', import.meta.url);
const userData = tempDir('nib-electron-');
process.env.NIB_STANDIN_USER_DATA = userData;
const electron = await import('./stand-ins/electron.ts');
const { record } = electron;
type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

const until = async (what: string, ok: () => boolean, ms = 30_000) => {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const win = () => record.windows[0];
/** An IPC call as the app's own page makes it. */
const call = (method: unknown, params: unknown = {}) =>
  record.ipcHandlers.get('nib:call')!(
    { sender: win().webContents, senderFrame: win().webContents.mainFrame } as never,
    method as never,
    params as never,
  ) as Promise<Reply>;

before(async () => {
  await import('../src-main/app/main.ts');
  await until('the window to load', () => !!win()?.url);
});

after(async () => {
  for (const fn of record.appListeners.get('window-all-closed') ?? []) await (fn as () => Promise<void>)();
  for (const c of record.children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(userData, { recursive: true, force: true });
});

test('the window: every security setting on, the app from nib://app, navigation and new windows blocked', () => {
  assert.equal(record.windows.length, 1);
  const w = win().options.webPreferences as Record<string, unknown>;
  assert.deepEqual([w.contextIsolation, w.sandbox, w.nodeIntegration, w.webSecurity], [true, true, false, true]);
  assert.match(String(w.preload), /preload\.cjs$/);
  assert.equal(win().url, 'nib://app/index.html');
  assert.deepEqual(
    record.privilegedSchemes.map((s) => (s as { scheme: string }).scheme),
    ['nib'],
  );
  assert.deepEqual(win().webContents.windowOpenHandler!(), { action: 'deny' });
  for (const event of ['will-navigate', 'will-attach-webview']) {
    let prevented = false;
    win().webContents.emit(event, { preventDefault: () => (prevented = true) });
    assert.ok(prevented, `${event} is prevented`);
  }
  // Every permission (camera, notifications, …) is refused, asked or checked.
  let granted: boolean | null = null;
  record.permissionRequest!(null as never, 'media' as never, ((ok: boolean) => (granted = ok)) as never);
  assert.equal(granted, false);
  assert.equal(record.permissionCheck!(), false);
});

test('the nib:// scheme serves only files of the renderer, from host "app"', async () => {
  const handler = record.protocolHandlers.get('nib')!;
  for (const url of [
    'nib://app/..%2F..%2Fpackage.json',
    'nib://app/%2e%2e/%2e%2e/package.json',
    'nib://other/index.html',
  ]) {
    assert.equal((await handler(new Request(url))).status, 404, url);
  }
  // What it serves from the renderer's folder carries the app's Content-Security-Policy (run from
  // the sources, that folder is the unbuilt one: the response is a 404, with the header all the same).
  const page = await handler(new Request('nib://app/index.html'));
  assert.equal(page.headers.get('content-security-policy'), APP_CSP);
});

test('IPC: a request from a frame that is not the app’s page is refused; the app’s page goes through the contract', async () => {
  const handler = record.ipcHandlers.get('nib:call')!;
  const foreign = { sender: win().webContents, senderFrame: { url: 'https://example.com/' } };
  const sub = { sender: win().webContents, senderFrame: { url: 'nib://app/index.html' } }; // not the main frame
  for (const e of [foreign, sub, { sender: win().webContents, senderFrame: null }]) {
    const r = (await handler(e as never, 'app.info' as never, {} as never)) as Reply;
    assert.deepEqual(r, { ok: false, error: { code: 'invalid', message: 'request from an unknown frame' } });
  }
  const bad = await call('settings.set', { confidenceBar: 5 });
  assert.ok(
    !bad.ok && bad.error.code === 'invalid' && /"confidenceBar" must be between 0 and 1/.test(bad.error.message),
    JSON.stringify(bad),
  );
  // The CLI's local methods (paths on this computer) are refused over IPC as over the WebSocket.
  assert.deepEqual(await call('models.importFrom', { name: 'x', dir: '/etc' }), {
    ok: false,
    error: { code: 'invalid', message: '"models.importFrom" is for the nib command only, not the app' },
  });
  assert.deepEqual(await call('nope'), {
    ok: false,
    error: { code: 'invalid', message: 'unknown method "nope"', problem: 'unknown method "nope"' },
  });
  assert.deepEqual(await call(42), {
    ok: false,
    error: { code: 'invalid', message: 'a request needs a method (text)' },
  });
  const info = await call('app.info');
  assert.ok(info.ok);
  assert.equal((info.result as { dataDir: string }).dataDir, userData);
});

test('the ML host runs as a utility process; killed, it is reported to the window and replaced on the next request', async () => {
  const first = await call('app.info');
  assert.ok(first.ok);
  const pid = (first.result as { mlHostPid: number }).mlHostPid;
  assert.ok(
    record.children.some((c) => c.pid === pid),
    'started through utilityProcess.fork',
  );
  process.kill(pid, 'SIGKILL');
  await until('the crash to reach the window', () =>
    win().webContents.sent.some(
      (m) => m.channel === 'nib:event' && (m.args[0] as { type: string }).type === 'host-crashed',
    ),
  );
  const again = await call('app.info');
  assert.ok(again.ok);
  assert.notEqual((again.result as { mlHostPid: number }).mlHostPid, pid);
});

test('a second launch brings the existing window to the front', () => {
  win().calls.push('minimize');
  for (const fn of record.appListeners.get('second-instance') ?? []) (fn as () => void)();
  assert.deepEqual(win().calls.slice(-3), ['restore', 'show', 'focus']);
});

test('the app binary in command mode (`Nib --nib ARGS`, what bin/nib runs): the nib command, its ML host a utility process, its exit code', () => {
  const data = tempDir('nib-app-cli-');
  try {
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'test', 'stand-ins', 'run-main.ts'), '--nib', ...args, '--data-dir', data],
        { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NIB_STANDIN_USER_DATA: path.join(data, 'app') } },
      );
    const imp = run('import', SHAKESPEARE, '--corpus', 'plays');
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stdout, /1 imported, 0 skipped/);
    // A command that needs the ML host (utilityProcess.fork in the stand-in: a real child process).
    const s = run(
      'suggest',
      '--corpus',
      'plays',
      '--text',
      'First Citizen:\nBefore we proceed any further, hear me ',
      '--json',
    );
    assert.equal(s.status, 0, s.stderr);
    assert.equal(typeof JSON.parse(s.stdout).suggestion, 'string');
    // No window, and no app folder: the command ran, not the app.
    assert.equal(fs.existsSync(path.join(data, 'app')), false);
    const bad = run('train', '--corpus', 'nope', '--model', 'm');
    assert.equal(bad.status, 3, bad.stderr);
    assert.match(bad.stderr, /no corpus named "nope"/);
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
  // The Linux packages install the launcher that runs it so.
  const launcher = fs.readFileSync(path.join(ROOT, 'resources', 'cli', 'nib'), 'utf8');
  assert.match(launcher, /exec "\$here\/\.\.\/nib" --nib "\$@"/);
  assert.match(
    fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8'),
    /from: resources\/cli\/nib\s+to: bin\/nib/,
  );
});
