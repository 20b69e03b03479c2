import type { BackendReport } from '../ml/backend.ts';
import type { MlEvent, MlMethod, MlParams, MlResult } from './ml-host-api.ts';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fromWire, NibError } from '../api/errors.ts';
import type { ChildHandle, ChildLauncher, HostReply } from './protocol.ts';

const CHILD = fileURLToPath(new URL('./ml-host-child.ts', import.meta.url));

/** `child_process.fork` with the TypeScript loader the parent runs under. */
export const forkLauncher: ChildLauncher = (modulePath, env) => {
  const child = fork(modulePath, [], {
    env: { ...process.env, ...env },
    // The TypeScript loader by absolute URL: a bare 'tsx' would be looked up from the working
    // directory, and `node /path/to/nib/bin/nib.js` run elsewhere could not find it.
    execArgv: [
      ...process.execArgv.filter((a) => !a.startsWith('--test')),
      ...(modulePath.endsWith('.ts') && !hasTsLoader() ? ['--import', tsxUrl()] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    send: (m) => child.send(m),
    onMessage: (fn) => child.on('message', (m) => fn(m as HostReply)),
    onExit: (fn) => child.on('exit', (code, signal) => fn(code, signal)),
    kill: (s) => child.kill(s),
    get pid() {
      return child.pid;
    },
  };
};

function tsxUrl(): string {
  return import.meta.resolve('tsx');
}

function hasTsLoader(): boolean {
  return process.execArgv.some((a, i, all) => a.includes('tsx') || (a === '--import' && all[i + 1]?.includes('tsx')));
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onEvent?: (e: unknown) => void;
}

/**
 * The parent's handle on one ML host process: long-lived, so tfjs and the active model stay
 * loaded between requests; a crash rejects what was in flight with a clear error instead of
 * taking the caller down.
 */
export class MlHost {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly child: ChildHandle;
  private exited: string | null = null;
  /** Resolves with the engine the host loaded, once it is ready for requests. */
  readonly ready: Promise<BackendReport>;
  private exitListeners: ((why: string) => void)[] = [];

  /**
   * `nice` (0–19) lowers the host's scheduling priority: the app's training host runs at 10, so
   * while it trains (or learns from drafts) the suggestion host and the editor still get the CPU
   * first when the writer types; alone, it runs at full speed. `threads` caps the native kernel's
   * threads (NIB_THREADS): a background measurement on one core leaves the other to the writer.
   */
  constructor(opts: { dataDir: string; backend?: string; launcher?: ChildLauncher; nice?: number; threads?: number }) {
    const env: Record<string, string> = { NIB_DATA_DIR: opts.dataDir };
    if (opts.backend) env.NIB_BACKEND = opts.backend;
    if (opts.nice) env.NIB_NICE = String(opts.nice);
    if (opts.threads) env.NIB_THREADS = String(opts.threads);
    // Bundled (the Electron app), this module and the child sit side by side as .mjs files.
    const child = import.meta.url.endsWith('.ts') ? CHILD : CHILD.replace(/\.ts$/, '.mjs');
    this.child = (opts.launcher ?? forkLauncher)(child, env);
    let readyResolve!: (v: BackendReport) => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.ready.catch(() => {});
    this.child.onMessage((m) => {
      if (m.kind === 'ready') return readyResolve(m.backend as BackendReport);
      if (m.kind === 'fatal') return readyReject(fromWire(m.error));
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.kind === 'event') p.onEvent?.(m.event);
      else {
        this.pending.delete(m.id);
        if (m.kind === 'result') p.resolve(m.result);
        else p.reject(fromWire(m.error));
      }
    });
    this.child.onExit((code, signal) => {
      this.exited = signal ? `the ML process was killed (${signal})` : `the ML process exited (code ${code})`;
      const err = new NibError('backend', this.exited);
      readyReject(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const fn of this.exitListeners) fn(this.exited);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  onExit(fn: (why: string) => void): void {
    this.exitListeners.push(fn);
  }

  /** Calls `method` in the host (typed by MlHostApi); `onEvent` receives its progress events. */
  call<M extends MlMethod>(
    method: M,
    params: MlParams<M>,
    onEvent?: (e: MlEvent<M>) => void,
  ): { id: number; result: Promise<MlResult<M>> } {
    const id = this.nextId++;
    const result = new Promise<MlResult<M>>((resolve, reject) => {
      if (this.exited) return reject(new NibError('backend', this.exited));
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onEvent: onEvent as ((e: unknown) => void) | undefined,
      });
      this.child.send({ kind: 'call', id, method, params });
    });
    return { id, result };
  }

  request<M extends MlMethod>(method: M, params: MlParams<M>, onEvent?: (e: MlEvent<M>) => void): Promise<MlResult<M>> {
    return this.call(method, params, onEvent).result;
  }

  /** Asks a running call to stop at its next safe point (training checkpoints first). */
  cancel(id: number): void {
    if (!this.exited) this.child.send({ kind: 'cancel', id });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.exited) this.child.kill(signal);
  }

  /** Ends the host once nothing is in flight. */
  async close(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      this.onExit(() => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
