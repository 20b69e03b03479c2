/**
 * A stand-in for the `electron` module, loaded only by test/electron-main.test.ts (through
 * electron-loader.mjs), since Electron's binary cannot run on the machines that test Nib. It
 * implements the parts of Electron's API that src-main/app/main.ts uses, and records what main.ts
 * does with them, so the test can drive the real main process code in plain Node: the window it
 * opens, the IPC handler it installs, its protocol handler and permission handlers, and the ML
 * host it starts (a real child process: `utilityProcess.fork` is backed by `child_process.fork`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

type Fn = (...args: never[]) => unknown;

/** What main.ts did, for the test to read and drive. */
export const record = {
  lock: true,
  quit: 0,
  exitCode: null as number | null,
  privilegedSchemes: [] as unknown[],
  protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
  ipcHandlers: new Map<string, Fn>(),
  appListeners: new Map<string, Fn[]>(),
  permissionRequest: null as Fn | null,
  permissionCheck: null as Fn | null,
  windows: [] as BrowserWindow[],
  children: [] as ChildProcess[],
};

export const app = {
  requestSingleInstanceLock: () => record.lock,
  quit: () => void record.quit++,
  exit: (code: number) => void (record.exitCode = code),
  whenReady: () => Promise.resolve(),
  getPath: (name: string) => {
    if (name !== 'userData') throw new Error(`stand-in: getPath(${name})`);
    return process.env.NIB_STANDIN_USER_DATA!;
  },
  on: (event: string, fn: Fn) => {
    record.appListeners.set(event, [...(record.appListeners.get(event) ?? []), fn]);
  },
};

export const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown[]) => void record.privilegedSchemes.push(...schemes),
  handle: (scheme: string, fn: (req: Request) => Promise<Response>) => void record.protocolHandlers.set(scheme, fn),
};

/** Electron's net.fetch, for file: URLs only (what main.ts uses it for). */
export const net = {
  fetch: async (url: string) => {
    try {
      return new Response(fs.readFileSync(fileURLToPath(url)), {
        status: 200,
        headers: { 'content-type': 'text/html' },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (fn: Fn) => void (record.permissionRequest = fn),
    setPermissionCheckHandler: (fn: Fn) => void (record.permissionCheck = fn),
  },
};

export const ipcMain = {
  handle: (channel: string, fn: Fn) => void record.ipcHandlers.set(channel, fn),
};

class Emitter {
  readonly listeners = new Map<string, Fn[]>();
  on(event: string, fn: Fn): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  once(event: string, fn: Fn): this {
    return this.on(event, fn);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const fn of this.listeners.get(event) ?? []) (fn as (...a: unknown[]) => unknown)(...args);
  }
}

class WebContents extends Emitter {
  readonly mainFrame = { url: '' };
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: Fn | null = null;
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(fn: Fn): void {
    this.windowOpenHandler = fn;
  }
}

export class BrowserWindow extends Emitter {
  readonly webContents = new WebContents();
  readonly calls: string[] = [];
  url = '';
  constructor(readonly options: Record<string, unknown>) {
    super();
    record.windows.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.url = url;
    this.webContents.mainFrame.url = url;
  }
  isDestroyed = () => false;
  isMinimized = () => this.calls.at(-1) === 'minimize';
  restore = () => void this.calls.push('restore');
  show = () => void this.calls.push('show');
  focus = () => void this.calls.push('focus');
}

/** Electron's utility process, as a Node child process with the same small surface. */
export const utilityProcess = {
  fork: (modulePath: string, args: string[], opts: { env?: Record<string, string> }) => {
    const child = fork(modulePath, args, { env: opts.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    record.children.push(child);
    return {
      postMessage: (m: unknown) => child.send(m as never),
      on: (event: 'message' | 'exit', fn: (x: unknown) => void) => {
        if (event === 'message') child.on('message', fn);
        else child.on('exit', (code) => fn(code));
      },
      kill: () => child.kill(),
      get pid() {
        return child.pid;
      },
    };
  },
};

export type IpcMainInvokeEvent = { sender: WebContents; senderFrame: { url: string } | null };
