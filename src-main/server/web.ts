import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../api/core.ts';
import { toWire } from '../api/errors.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * Web mode: the renderer over HTTP and the core's API over a WebSocket, on 127.0.0.1 only. A
 * random per-launch token (in the URL, then an HttpOnly SameSite cookie) guards every request and
 * upgrade; a Host other than the bound address or localhost (DNS rebinding) and a foreign Origin
 * (another site in the same browser) are refused.
 */
export async function startWebServer(core: Core, opts: { port?: number; staticDir: string }): Promise<WebServer> {
  const token = crypto.randomBytes(24).toString('base64url');
  const server = http.createServer();
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, '127.0.0.1', () => res());
  });
  const port = (server.address() as { port: number }).port;
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    // CodeMirror and Svelte transitions add style elements at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  const authorised = (req: http.IncomingMessage): { ok: boolean; why?: string; viaQuery?: boolean } => {
    if (!hosts.has(req.headers.host ?? '')) return { ok: false, why: 'bad Host' };
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) return { ok: false, why: 'foreign Origin' };
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const q = url.searchParams.get('token');
    const cookie = /(?:^|;\s*)nib_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given = q ?? cookie ?? '';
    const ok = given.length === token.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(token));
    return ok ? { ok, viaQuery: q !== null } : { ok: false, why: 'missing or wrong token' };
  };

  server.on('request', (req, res) => {
    const auth = authorised(req);
    if (!auth.ok) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Forbidden (${auth.why}). Open the address Nib printed at start-up.\n`);
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || !path.extname(rel)) rel = '/index.html';
    const file = path.resolve(opts.staticDir, '.' + rel);
    if (!file.startsWith(path.resolve(opts.staticDir) + path.sep) || !fs.existsSync(file) || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found\n');
      return;
    }
    const headers: Record<string, string> = {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    };
    if (auth.viaQuery) headers['Set-Cookie'] = `nib_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 100 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const auth = authorised(req);
    if (!auth.ok || req.headers.origin === undefined) {
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nForbidden (${auth.why ?? 'no Origin'})\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  const clients = new Set<WebSocket>();
  const unsubscribe = core.on((event) => {
    const msg = JSON.stringify({ event });
    for (const c of clients) c.send(msg);
  });

  function serve(ws: WebSocket): void {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', async (raw) => {
      let msg: { id?: unknown; method?: unknown; params?: unknown };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return ws.send(JSON.stringify({ id: null, error: { code: 'invalid', message: 'messages must be JSON' } }));
      }
      const id = typeof msg.id === 'number' ? msg.id : null;
      if (typeof msg.method !== 'string') return ws.send(JSON.stringify({ id, error: { code: 'invalid', message: 'a request needs a method' } }));
      try {
        const result = await core.call(msg.method, msg.params);
        ws.send(JSON.stringify({ id, result: result ?? null }));
      } catch (e) {
        const w = toWire(e);
        // Internal errors keep their detail in the log, not in the page.
        if (w.code === 'internal') console.error(`nib web: ${msg.method} failed:`, w.message);
        ws.send(JSON.stringify({ id, error: w.code === 'internal' ? { code: 'internal', message: 'Something went wrong inside Nib; the log has details.' } : w }));
      }
    });
  }

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const c of clients) c.terminate();
      wss.close();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
