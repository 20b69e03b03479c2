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
