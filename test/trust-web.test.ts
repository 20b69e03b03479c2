import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { Core } from '../src-main/core/core.ts';
import { Rng } from '../src-main/ml/rng.ts';
import { startWebServer, type WebServer } from '../src-main/server/web.ts';
import { tempDir } from './helpers.ts';

/**
 * The transport fuzzer of the trust suite: every request and frame that once ended `nib serve`,
 * then random frames and messages in bounded numbers; after each, the server must still answer
 * app.info. Runs against a real Core and web server on 127.0.0.1.
 */
let dir: string;
let core: Core;
let server: WebServer;
let own: string;

before(async () => {
  dir = tempDir('nib-fuzz-');
  core = new Core(path.join(dir, 'data'));
  // The static folder only has to exist; these requests never reach a file.
  fs.mkdirSync(path.join(dir, 'static'));
  fs.writeFileSync(path.join(dir, 'static', 'index.html'), '<!doctype html><title>Nib</title>');
  server = await startWebServer(core, { staticDir: path.join(dir, 'static') });
  own = `http://127.0.0.1:${server.port}`;
});

after(async () => {
  await server.close();
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Sends raw bytes and returns what came back before the server closed or 2 s passed. */
function raw(bytes: string | Buffer, wait = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(server.port, '127.0.0.1');
    let got = '';
    const done = () => {
      s.destroy();
      resolve(got);
    };
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.write(bytes);
    setTimeout(done, wait);
  });
}

/** A socket past a valid WebSocket handshake, ready for hand-made frames. */
function handshake(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(server.port, '127.0.0.1');
    const key = crypto.randomBytes(16).toString('base64');
    s.write(
      `GET /api?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nOrigin: ${own}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    s.once('data', (d) => (d.toString().startsWith('HTTP/1.1 101') ? resolve(s) : reject(new Error(d.toString()))));
    s.on('error', () => {});
  });
}

/** One frame: first byte (FIN, RSV, opcode), payload, masked or not, optionally a lying length. */
function frame(first: number, payload: Buffer, opts: { masked?: boolean; length?: number } = {}): Buffer {
  const masked = opts.masked ?? true;
  const len = opts.length ?? payload.length;
  const head: number[] = [first];
  if (len < 126) head.push((masked ? 0x80 : 0) | len);
  else if (len < 65536) head.push((masked ? 0x80 : 0) | 126, len >> 8, len & 255);
  else {
    head.push((masked ? 0x80 : 0) | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(...b);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const mask = crypto.randomBytes(4);
  return Buffer.concat([Buffer.from(head), mask, Buffer.from(payload.map((x, i) => x ^ mask[i % 4]))]);
}

async function sendFrames(frames: Buffer[]): Promise<void> {
  const s = await handshake();
  await new Promise<void>((resolve) => {
    s.on('close', () => resolve());
    for (const f of frames) s.write(f);
    setTimeout(() => {
      s.destroy();
      resolve();
    }, 300);
  });
}

/** The server still works: a proper client gets app.info answered. */
async function stillAnswers(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: own });
  await new Promise((r, j) => {
    ws.on('open', r);
    ws.on('error', j);
  });
  // Its reply, not an event the Core broadcasts meanwhile (a fit of the base after an import).
  const reply = await new Promise<{ id: number; result?: { dataDir: string } }>((resolve) => {
    ws.on('message', (m) => {
      const msg = JSON.parse(String(m));
      if (msg.id !== undefined) resolve(msg);
    });
    ws.send(JSON.stringify({ id: 7, method: 'app.info', params: {} }));
  });
  ws.close();
  assert.equal(reply.id, 7);
  assert.equal(reply.result?.dataDir, path.join(dir, 'data'));
}

describe('web mode survives hostile requests', () => {
  test('a token of multi-byte characters, in the query, the cookie or an upgrade, is refused (not a crash)', async () => {
    const bad = 'é'.repeat(32);
    const host = `Host: 127.0.0.1:${server.port}`;
    assert.match(await raw(`GET /?token=${encodeURIComponent(bad)} HTTP/1.1\r\n${host}\r\n\r\n`), /^HTTP\/1.1 403/);
    assert.match(
      await raw(Buffer.from(`GET / HTTP/1.1\r\n${host}\r\nCookie: nib_token=${bad}\r\n\r\n`, 'utf8')),
      /^HTTP\/1.1 403/,
    );
    assert.match(
      await raw(
        `GET /api?token=${encodeURIComponent(bad)} HTTP/1.1\r\n${host}\r\nOrigin: ${own}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
      /^HTTP\/1.1 403/,
    );
    await stillAnswers();
  });

  test('an unparsable request address and malformed percent-encoding get 400', async () => {
    const host = `Host: 127.0.0.1:${server.port}`;
    assert.match(await raw(`GET http://[ HTTP/1.1\r\n${host}\r\n\r\n`), /^HTTP\/1.1 400/);
    assert.match(await raw(`GET /%zz?token=${server.token} HTTP/1.1\r\n${host}\r\n\r\n`), /^HTTP\/1.1 400/);
    await stillAnswers();
  });

  test('JSON that is not an object (null, a number, a list) gets an error reply', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: own });
    await new Promise((r) => ws.on('open', r));
    for (const m of ['null', '42', '[1,2]', '"text"', 'true']) {
      const reply = await new Promise<{ error?: { message: string } }>((resolve) => {
        ws.once('message', (d) => resolve(JSON.parse(String(d))));
        ws.send(m);
      });
      assert.match(reply.error?.message ?? '', /JSON object/, m);
    }
    ws.close();
    await stillAnswers();
  });

  test('"__proto__", "constructor" and "toString" sent as raw JSON keys are unknown fields, and settings keep none of them', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: own });
    await new Promise((r) => ws.on('open', r));
    const ask = (text: string) =>
      new Promise<{ ok: boolean; error?: { message: string }; result?: Record<string, unknown> }>((resolve) => {
        ws.once('message', (d) => resolve(JSON.parse(String(d))));
        ws.send(text);
      });
    // Written by hand: JSON.stringify never emits a "__proto__" key from an object literal.
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const reply = await ask(`{"id":1,"method":"settings.set","params":{"${key}":{"polluted":1}}}`);
      assert.equal(reply.ok, false, key);
      assert.match(reply.error!.message, new RegExp(`unknown field "${key}"`), key);
    }
    const settings = await ask('{"id":2,"method":"settings.get"}');
    assert.equal(Object.hasOwn(settings.result!, 'polluted'), false);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
    ws.close();
  });

  test('a large import through the web (4 MB of HTML) runs off the event loop: app.info is answered meanwhile', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: own });
    await new Promise((r) => ws.on('open', r));
    const html = `<html><body>${'<p>The import of a long page of paragraphs, every one of them a sentence.</p>'.repeat(52_000)}</body></html>`;
    const started = performance.now();
    const imported = new Promise<{ ok: boolean; result?: { imported: number } }>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(String(d));
        if (m.id === 1) resolve(m);
      });
    });
    ws.send(
      JSON.stringify({
        id: 1,
        method: 'corpora.import',
        params: { corpus: 'big', files: [{ name: 'big.html', data: Buffer.from(html).toString('base64') }] },
      }),
    );
    // While it runs: a second connection's app.info, each answer timed.
    let answered = 0;
    let slowest = 0;
    let done = false;
    void imported.then(() => (done = true));
    while (!done) {
      const t0 = performance.now();
      await stillAnswers();
      slowest = Math.max(slowest, performance.now() - t0);
      answered++;
    }
    const r = await imported;
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.result!.imported, 1);
    const importMs = performance.now() - started;
    assert.ok(answered >= 2, `app.info answered ${answered} times during a ${importMs.toFixed(0)} ms import`);
    // An event loop blocked by the import would hold an answer for the import's whole length.
    assert.ok(
      slowest < importMs / 2,
      `slowest answer ${slowest.toFixed(0)} ms during a ${importMs.toFixed(0)} ms import`,
    );
    ws.close();
  });

  test('malformed frames close that connection only: oversized length, invalid UTF-8, unmasked, unknown opcode, RSV1, 1-byte close', async () => {
    const cases: [string, Buffer][] = [
      ['101 MB length header', frame(0x81, Buffer.alloc(0), { length: 101 * 1024 * 1024 })],
      ['invalid UTF-8', frame(0x81, Buffer.from([0xff, 0xfe, 0xfd]))],
      ['unmasked client frame', frame(0x81, Buffer.from('{"id":1}'), { masked: false })],
      ['unknown opcode', frame(0x83, Buffer.from('x'))],
      ['RSV1 bit without an extension', frame(0xc1, Buffer.from('x'))],
      ['close frame with a 1-byte payload', frame(0x88, Buffer.from([3]))],
    ];
    for (const [, f] of cases) await sendFrames([f]);
    await stillAnswers();
  });

  test('fuzz: 150 random frames and 300 random messages, then app.info is still answered with bounded memory', async () => {
    const rng = new Rng(2026);
    for (let i = 0; i < 15; i++) {
      const frames = Array.from({ length: 10 }, () => {
        const first = rng.int(256);
        const len = rng.int(200);
        return rng.int(3) === 0
          ? crypto.randomBytes(len + 2)
          : frame(first, crypto.randomBytes(len), { masked: rng.int(4) !== 0 });
      });
      await sendFrames(frames);
    }
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: own });
    await new Promise((r) => ws.on('open', r));
    const methods = [
      'app.info',
      'corpora.list',
      'models.list',
      'settings.set',
      'drafts.save',
      'drafts.get',
      'suggest',
      'nope',
      '__proto__',
      'constructor',
      'toString',
    ];
    const values: unknown[] = [
      null,
      0,
      -1,
      1e308,
      'x',
      '',
      [],
      {},
      JSON.parse('{"__proto__": 1}'),
      { toString: 2 },
      true,
      'é'.repeat(300),
    ];
    let replies = 0;
    ws.on('message', () => replies++);
    for (let i = 0; i < 300; i++) {
      const params: Record<string, unknown> = {};
      for (let k = rng.int(4); k > 0; k--)
        params[['id', 'text', 'title', 'threshold', 'constructor', '__proto__', 'toString'][rng.int(7)]] =
          values[rng.int(values.length)];
      ws.send(
        rng.int(10) === 0
          ? crypto.randomBytes(rng.int(50)).toString('latin1')
          : JSON.stringify({ id: i, method: methods[rng.int(methods.length)], params }),
      );
    }
    const t0 = Date.now();
    while (replies < 300 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    ws.close();
    assert.equal(replies, 300, 'every message got a reply');
    // Nothing a request sent was stored as a setting.
    const settings = (await core.call('settings.get', {})) as Record<string, unknown>;
    for (const k of ['constructor', '__proto__', 'toString', 'id', 'text']) assert.ok(!Object.hasOwn(settings, k), k);
    await stillAnswers();
    // The server (this process: core, server and the test) stays within 1.5 GB resident.
    assert.ok(process.memoryUsage().rss < 1.5 * 1024 ** 3, `rss ${process.memoryUsage().rss}`);
  });
});
