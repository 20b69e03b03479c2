import type { Core } from './core.ts';
import { LOCAL_METHODS, type Reply } from '../api/core-api.ts';
import { toWire } from '../api/errors.ts';

/**
 * One request from a front end, answered in the contract's envelope (api/core-api.ts `Reply`):
 * the same for Electron IPC and web mode's WebSocket. A bug's detail (its stack) goes to the log,
 * never into the page.
 */
export async function answer(
  core: Core,
  method: unknown,
  params: unknown,
  log: (line: string) => void = console.error,
): Promise<Reply> {
  if (typeof method !== 'string')
    return { ok: false, error: { code: 'invalid', message: 'a request needs a method (text)' } };
  // The CLI's methods name places on this computer's disk: never a page's to call.
  if (LOCAL_METHODS.has(method))
    return { ok: false, error: { code: 'invalid', message: `"${method}" is for the nib command only, not the app` } };
  try {
    return { ok: true, result: (await core.call(method, params)) ?? null };
  } catch (e) {
    const w = toWire(e);
    if (w.code !== 'internal') return { ok: false, error: w };
    log(`nib: ${method} failed: ${w.message}`);
    return { ok: false, error: { code: 'internal', message: 'Something went wrong inside Nib; the log has details.' } };
  }
}
