import { appMessage, type CoreCaller, type CoreParams, type Reply } from '../../src-main/api/core-api.ts';
export type { CoreResult } from '../../src-main/api/core-api.ts';

// What the forms offer and accept comes from the contract too, never restated in a view.
export {
  BACKENDS,
  backendLabel,
  EDITOR_FONTS,
  engineLabel,
  LIMITS,
  NAME_MAX,
  PRESET_NAMES,
  PRESETS,
  presetParameters,
  TITLE_MAX,
  type EndedRun,
  type Settings,
} from '../../src-main/api/core-api.ts';
import type { CoreEvent } from '../../src-main/core/core.ts';

export type { CoreEvent };
export type { TrainEvent, TrainProgressEvent, TrainResult } from '../../src-main/api/contract.ts';
export { appMessage };

/**
 * The renderer's only door to the core, typed by the contract (src-main/api/core-api.ts): each
 * method's parameters and result come from there, so a view cannot call a method that does not
 * exist, send a field it does not declare, or guess its result. In Electron the preload exposes
 * `window.nib`; in web mode the same calls travel over a WebSocket to 127.0.0.1 (the page's cookie
 * carries the token). Both carry the contract's one envelope.
 */
export interface NibApi extends CoreCaller {
  onEvent(fn: (event: CoreEvent) => void): () => void;
}

/** What the window's bridge (preload) or the socket client offers, untyped. */
interface RawApi {
  call(method: string, params?: unknown): Promise<unknown>;
  onEvent(fn: (event: CoreEvent) => void): () => void;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function socketApi(): RawApi {
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
      const msg = JSON.parse(String(m.data)) as { event: CoreEvent } | (Reply & { id: number | null });
      if ('event' in msg) return listeners.forEach((fn) => fn(msg.event));
      const p = msg.id === null ? undefined : pending.get(msg.id);
      if (!p || msg.id === null) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new ApiError(msg.error.code, appMessage(msg.error)));
    };
    ws.onclose = () => {
      for (const p of pending.values()) p.reject(new ApiError('backend', 'the connection to Nib closed'));
      pending.clear();
      setTimeout(connect, 1000);
    };
  };
  connect();
  return {
    async call(method: string, params: unknown = {}) {
      await open;
      const id = next++;
      return new Promise<unknown>((resolve, reject) => {
        pending.set(id, { resolve, reject });
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
    nib?: RawApi;
  }
}

const raw: RawApi = window.nib ?? socketApi();

export const api: NibApi = {
  call: (method, ...params) => raw.call(method, params[0] ?? {}) as never,
  onEvent: (fn) => raw.onEvent(fn),
};

/**
 * A last save as the page goes away (reload, tab closed): over IPC in the app, as a beacon in web
 * mode (the WebSocket may not deliver what is sent while the page unloads).
 */
export function saveOnExit(params: CoreParams<'drafts.save'>): void {
  if (window.nib) {
    void window.nib.call('drafts.save', params);
    return;
  }
  const token = new URLSearchParams(location.search).get('token');
  navigator.sendBeacon(
    `/api/beacon${token ? `?token=${encodeURIComponent(token)}` : ''}`,
    new Blob([JSON.stringify({ method: 'drafts.save', params })], { type: 'application/json' }),
  );
}
