import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../core/core.ts';
import { toWire } from '../api/errors.ts';
import { answer } from '../core/transport.ts';

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

  // Compared as fixed-length digests: equal time whatever was sent, and no length mismatch to throw on
  // (a token of multi-byte characters once crashed the server here).
  const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();
  const tokenDigest = digest(token);

  /** The request's URL, or null when it cannot be parsed (`GET http://[`): such requests get 400. */
  const parseUrl = (req: http.IncomingMessage): URL | null => {
    try {
      return new URL(req.url ?? '/', `http://${req.headers.host}`);
    } catch {
      return null;
    }
  };

  const authorised = (
    req: http.IncomingMessage,
  ): { ok: boolean; why?: string; viaQuery?: boolean; status?: number; url?: URL } => {
    if (!hosts.has(req.headers.host ?? '')) return { ok: false, why: 'bad Host' };
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin)) return { ok: false, why: 'foreign Origin' };
    const url = parseUrl(req);
    if (!url) return { ok: false, why: 'malformed request address', status: 400 };
    const q = url.searchParams.get('token');
    const cookie = /(?:^|;\s*)nib_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given = q ?? cookie ?? '';
    const ok = crypto.timingSafeEqual(digest(given), tokenDigest);
    return ok ? { ok, viaQuery: q !== null, url } : { ok: false, why: 'missing or wrong token' };
  };

  server.on('request', (req, res) => {
    const auth = authorised(req);
    if (!auth.ok) {
      res.writeHead(auth.status ?? 403, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(
        `${auth.status === 400 ? 'Bad request' : 'Forbidden'} (${auth.why}). Open the address Nib printed at start-up.\n`,
      );
      return;
    }
    const url = auth.url!;
    if (req.method === 'POST' && url.pathname === '/api/beacon') return beacon(req, res);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Bad request (malformed percent-encoding)\n');
      return;
    }
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
    // A file that vanishes or cannot be read after the check ends this response, not the server.
    fs.createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });

  /**
   * A page being closed or reloaded cannot wait for a WebSocket reply, and the browser may drop
   * what it sent last: its final save arrives as a beacon (navigator.sendBeacon, a POST with the
   * token cookie). Only saving a draft is allowed this way.
   */
  function beacon(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (status: number, why: string) => {
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${why}\n`);
    };
    req.on('error', () => res.destroy());
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 60 * 1024 * 1024) {
        fail(413, 'too large');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', async () => {
      if (res.writableEnded) return;
      let msg: { method?: unknown; params?: unknown };
      try {
        msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return fail(400, 'a beacon must be JSON');
      }
      if (typeof msg !== 'object' || msg === null || msg.method !== 'drafts.save')
        return fail(400, 'only drafts.save may be sent as a beacon');
      try {
        await core.call('drafts.save', msg.params);
        res.writeHead(204);
        res.end();
      } catch (e) {
        fail(400, toWire(e).message);
      }
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 100 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    // A socket reset mid-handshake must not become an unhandled 'error' event.
    socket.on('error', () => socket.destroy());
    const auth = authorised(req);
    if (!auth.ok || req.headers.origin === undefined) {
      socket.end(
        `HTTP/1.1 ${auth.status === 400 ? '400 Bad Request' : '403 Forbidden'}\r\nContent-Type: text/plain\r\n\r\nForbidden (${auth.why ?? 'no Origin'})\n`,
      );
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
    // A malformed frame (bad opcode, RSV bits, unmasked, invalid UTF-8, an oversized length) makes
    // the ws library emit 'error' and close the connection: without a listener that error would
    // end the whole process.
    ws.on('error', () => {
      clients.delete(ws);
      ws.terminate();
    });
    ws.on('message', async (raw) => {
      let msg: { id?: unknown; method?: unknown; params?: unknown };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return ws.send(
          JSON.stringify({ id: null, ok: false, error: { code: 'invalid', message: 'messages must be JSON' } }),
        );
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
        return ws.send(
          JSON.stringify({
            id: null,
            ok: false,
            error: { code: 'invalid', message: 'a message must be a JSON object {id, method, params}' },
          }),
        );
      }
      const id = typeof msg.id === 'number' ? msg.id : null;
      ws.send(JSON.stringify({ id, ...(await answer(core, msg.method, msg.params)) }));
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
