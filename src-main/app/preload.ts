/**
 * The only bridge between the sandboxed renderer and the app: two named functions on
 * `window.nib`, never a raw ipcRenderer.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { appMessage } from '../api/app-message.ts';
import type { Reply } from '../api/core-api.ts';

contextBridge.exposeInMainWorld('nib', {
  async call(method: string, params: unknown) {
    if (typeof method !== 'string') throw new TypeError('method must be a string');
    // The contract's envelope (api/core-api.ts Reply), the same as web mode's WebSocket carries.
    const r = (await ipcRenderer.invoke('nib:call', method, params)) as Reply;
    if (r.ok) return r.result;
    // The app's wording: the problem and the app's hint (the CLI's flags stay in the CLI), a
    // refused field by its label.
    throw Object.assign(new Error(appMessage(r.error)), { code: r.error.code });
  },
  onEvent(fn: (event: unknown) => void) {
    const listener = (_e: IpcRendererEvent, event: unknown) => fn(event);
    ipcRenderer.on('nib:event', listener);
    return () => ipcRenderer.removeListener('nib:event', listener);
  },
});
