/**
 * The renderer's only door to the core. In Electron the preload exposes `window.nib`; in web mode
 * the same calls travel over a WebSocket to 127.0.0.1 (the page's cookie carries the token).
 */
export interface NibApi {
  call<T = unknown>(method: string, params?: unknown): Promise<T>;
  onEvent(fn: (event: CoreEvent) => void): () => void;
}

export type CoreEvent =
  | { type: 'train'; model: string; event: TrainEvent }
  | {
      type: 'train-done';
      model: string;
      result?: { steps: number; bestValLoss: number | null; reason: string; suggestSource?: { source: string } | null };
      error?: { message: string; problem?: string; hint?: { app: string } };
      stopped?: 'pause' | 'cancel' | null;
    }
  | { type: 'host-crashed'; which: string; why: string }
  | { type: 'learned'; result: { model: string; adopted: boolean; reason: string } };

export interface TrainEvent {
  type: 'start' | 'progress' | 'eval' | 'checkpoint' | 'measuring';
  step: number;
  maxSteps: number;
  trainLoss: number;
  valLoss: number | null;
  charsPerSec: number;
  etaSec: number | null;
  params?: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function socketApi(): NibApi {
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<(e: CoreEvent) => void>();
  let next = 1;
  let ws: WebSocket;
  let open: Promise<void>;
  const connect = () => {
    const token = new URLSearchParams(location.search).get('token');
    ws = new WebSocket(`ws://${location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`);
    open = new Promise((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new ApiError('backend', 'cannot reach Nib: is it still running?'));
    });
    ws.onmessage = (m) => {
      const msg = JSON.parse(String(m.data));
      if (msg.event) return listeners.forEach((fn) => fn(msg.event));
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      // The app's wording: the problem and the app's hint (the CLI's flags stay in the CLI).
      const e = msg.error as { code: string; message: string; problem?: string; hint?: { app: string } } | undefined;
      if (e) p.reject(new ApiError(e.code, e.hint ? `${e.problem}: ${e.hint.app}` : (e.problem ?? e.message)));
      else p.resolve(msg.result);
    };
    ws.onclose = () => {
      for (const p of pending.values()) p.reject(new ApiError('backend', 'the connection to Nib closed'));
      pending.clear();
      setTimeout(connect, 1000);
    };
  };
  connect();
  return {
    async call<T>(method: string, params: unknown = {}) {
      await open;
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    onEvent(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

declare global {
  interface Window {
    nib?: NibApi;
  }
}

export const api: NibApi = window.nib ?? socketApi();

/**
 * A last save as the page goes away (reload, tab closed): over IPC in the app, as a beacon in web
 * mode (the WebSocket may not deliver what is sent while the page unloads).
 */
export function saveOnExit(params: { id?: number; title: string; text: string }): void {
  if (window.nib) {
    void window.nib.call('drafts.save', params);
    return;
  }
  const token = new URLSearchParams(location.search).get('token');
  navigator.sendBeacon(`/api/beacon${token ? `?token=${encodeURIComponent(token)}` : ''}`, new Blob([JSON.stringify({ method: 'drafts.save', params })], { type: 'application/json' }));
}
