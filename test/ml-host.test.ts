import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MlHost } from '../src-main/workers/ml-host.ts';
import type { MlMethod } from '../src-main/workers/ml-host-api.ts';
import { tempDir } from './helpers.ts';

/*
 * The ML host validates every request against its contract (workers/ml-host-api.ts) before a
 * handler runs: a message that does not match is refused by field, in a real host process, and the
 * host goes on answering.
 */
let dir: string;
let host: MlHost;

before(async () => {
  dir = tempDir('nib-host-');
  host = new MlHost({ dataDir: path.join(dir, 'data') });
  await host.ready;
});

after(async () => {
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('requests that do not match the contract are refused by field; the host still answers', async () => {
  const send = (method: string, params: unknown) => host.request(method as MlMethod, params as never);
  await assert.rejects(send('suggest', { text: 42 }), /ML host suggest: "text" /);
  await assert.rejects(send('ngram.refresh', { corpus: 'essays', order: 5 }), /ML host ngram\.refresh: "order" /);
  await assert.rejects(
    send('train', { model: 'm', resume: false, config: { lr: 'fast' } }),
    /ML host train: "config\.lr" /,
  );
  await assert.rejects(
    send('generate', { model: 'm', prompt: 'a', length: 1.5, temperature: 1, topK: 0, topP: 1, seed: 1 }),
    /"length"/,
  );
  await assert.rejects(send('no.such', {}), /unknown ML host method "no\.such"/);
  const info = await host.request('info', {});
  assert.equal(info.dataDir, path.join(dir, 'data'));
});

/** The process state Linux reports (`T`: stopped by a signal), once it is `want` (signals land a moment later). */
async function procState(pid: number, want: (s: string) => boolean): Promise<string> {
  let s = '';
  for (let i = 0; i < 100; i++) {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    if (want(s)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return s;
}

test('a paused host is stopped for real: a request waits until it is resumed; closing a paused host ends it', async (t) => {
  if (process.platform !== 'linux') return t.skip('reads the process state from /proc (Linux)');
  const h = new MlHost({ dataDir: path.join(dir, 'data') });
  try {
    await h.ready;
    assert.ok(h.pause());
    assert.equal(await procState(h.pid!, (s) => s === 'T'), 'T');
    let answered = false;
    const pending = h.request('info', {}).then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(answered, false, 'a stopped process answers nothing');
    h.resume();
    await pending;
    assert.notEqual(await procState(h.pid!, (s) => s !== 'T'), 'T');
    // Stopped again, then closed: the SIGTERM would wait for a SIGCONT that never came.
    h.pause();
    assert.equal(await procState(h.pid!, (s) => s === 'T'), 'T');
    const t0 = Date.now();
    await h.close();
    assert.ok(Date.now() - t0 < 5_000, `closed in ${Date.now() - t0} ms`);
  } finally {
    h.kill('SIGKILL');
  }
});
