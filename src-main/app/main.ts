/**
 * Electron entry: one window, the renderer from the nib:// scheme, the core's API over IPC, and
 * the ML host in a utility process. Everything else lives in plain-Node modules.
 */
import { app, BrowserWindow, ipcMain, net, protocol, session, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Core } from '../core/core.ts';
import type { Reply } from '../api/core-api.ts';
import { answer } from '../core/transport.ts';
import type { ChildLauncher, HostReply } from '../workers/protocol.ts';
import { APP_CSP, APP_ORIGIN, mainWindowOptions } from './window-options.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const RENDERER = path.resolve(here, '..', 'renderer');

protocol.registerSchemesAsPrivileged([
  { scheme: 'nib', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

/** The ML host as an Electron utility process: a crash there is reported, never fatal here. */
const utilityLauncher: ChildLauncher = (modulePath, env) => {
  const child = utilityProcess.fork(modulePath, [], { env: { ...process.env, ...env }, serviceName: 'Nib ML host' });
  return {
    send: (m) => child.postMessage(m),
    onMessage: (fn) => child.on('message', (m: HostReply) => fn(m)),
    onExit: (fn) => child.on('exit', (code) => fn(code, null)),
    kill: () => child.kill(),
    get pid() {
      return child.pid;
    },
  };
};

function fromOurPage(e: IpcMainInvokeEvent): boolean {
  const url = e.senderFrame?.url ?? '';
  return url.startsWith(`${APP_ORIGIN}/`) && e.senderFrame === e.sender.mainFrame;
}

async function start(): Promise<void> {
  // One app per user: a second launch would open a second core on the same database. It hands
  // over to the first, which brings its window to the front, and quits.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  const core = new Core(app.getPath('userData'), { launcher: utilityLauncher });

  protocol.handle('nib', async (req) => {
    const url = new URL(req.url);
    const rel = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
    const file = path.resolve(RENDERER, '.' + rel);
    if (url.host !== 'app' || !file.startsWith(RENDERER + path.sep)) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', APP_CSP);
    return new Response(res.body, { status: res.status, headers });
  });

  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  ipcMain.handle('nib:call', async (e, method: unknown, params: unknown) => {
    if (!fromOurPage(e))
      return { ok: false, error: { code: 'invalid', message: 'request from an unknown frame' } } satisfies Reply;
    return answer(core, method, params);
  });

  const win = new BrowserWindow(mainWindowOptions(path.join(here, 'preload.cjs')));
  core.on((event) => {
    if (!win.isDestroyed()) win.webContents.send('nib:event', event);
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.once('ready-to-show', () => win.show());
  app.on('second-instance', () => {
    if (win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  await win.loadURL(`${APP_ORIGIN}/index.html`);

  app.on('window-all-closed', async () => {
    await core.close();
    app.quit();
  });
}

/**
 * `Nib --nib ARGS`: the nib command, run by the app's own binary, for a desktop install (whose
 * binary cannot run plain Node: the RunAsNode fuse is off). No window and no single-instance lock;
 * the ML host is a utility process as in the app; the command's exit code is the app's.
 * The Linux packages install `bin/nib` (resources/cli/nib), which calls this.
 */
async function command(args: string[]): Promise<void> {
  await app.whenReady();
  const { main } = await import('../cli/main.ts');
  app.exit(await main(args, { launcher: utilityLauncher }));
}

const nibAt = process.argv.indexOf('--nib');
(nibAt >= 0 ? command(process.argv.slice(nibAt + 1)) : start()).catch((e) => {
  console.error(nibAt >= 0 ? 'nib failed:' : 'Nib failed to start:', e);
  app.exit(1);
});
