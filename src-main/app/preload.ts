/**
 * The only bridge between the sandboxed renderer and the app: two named functions on
 * `window.nib`, never a raw ipcRenderer.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

contextBridge.exposeInMainWorld('nib', {
  async call(method: string, params: unknown) {
    if (typeof method !== 'string') throw new TypeError('method must be a string');
    const r = (await ipcRenderer.invoke('nib:call', method, params)) as { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };
    if (r.ok) return r.result;
    throw Object.assign(new Error(r.error.message), { code: r.error.code });
  },
  onEvent(fn: (event: unknown) => void) {
    const listener = (_e: IpcRendererEvent, event: unknown) => fn(event);
    ipcRenderer.on('nib:event', listener);
    return () => ipcRenderer.removeListener('nib:event', listener);
  },
});
