import { htmlToText } from './html.ts';
import { unwrapParagraphs } from './unwrap.ts';

/**
 * E-mail as a writer's text. A writer's sent mail is much of what they write, in their own voice,
 * but a message file holds far more than that: headers, the quoted message being answered, a
 * forwarded one, a signature, a mailing list's footer, an HTML copy of the same text, attachments.
 * Training on those would teach the model other people's words and the machinery of mail, so this
 * keeps only what the sender wrote:
 *
 * - a single message (`.eml`, RFC 5322 with MIME) or a mailbox (`.mbox`: messages each starting
 *   with a "From " line, as Thunderbird keeps its folders and Apple Mail and Google Takeout export
 *   them);
 * - of a message, its text parts that are not attachments: of alternatives the plain text, else the
 *   HTML's visible text without its quoted blocks; never a forwarded message (message/rfc822);
 * - each part decoded from its transfer encoding (quoted-printable, base64) and its charset, with
 *   format=flowed soft breaks joined;
 * - of the text, not the quoted lines ("> "), the attribution before them ("On … wrote:"), nor
 *   anything from a signature ("-- "), a quoted Outlook header block, "Original Message" or
 *   "Forwarded message" line, a mailing list footer or a PGP signature on;
 * - hard-wrapped paragraphs joined into one line each (`unwrapParagraphs`).
 *
 * The input is bytes, read as Latin-1 so that every byte survives until its part says what charset
 * it is in (a mailbox mixes UTF-8, ISO-8859-1 and windows-1252 messages).
 */

export interface MailText {
  /** The writer's text, messages separated by a blank line. */
  text: string;
  /** Messages in the file. */
  messages: number;
  /** Messages that had text of their own (a message that only forwards or quotes has none). */
  withText: number;
}

/** A file whose first line is an mbox "From " line (Thunderbird's folders have no extension). */
export function looksLikeMbox(head: Uint8Array): boolean {
  return /^From \S+ .*\d{4}/.test(Buffer.from(head.subarray(0, 200)).toString('latin1').split('\n')[0]);
}

/** One message (.eml). */
export function emailToText(bytes: Uint8Array): MailText {
  const text = messageText(Buffer.from(bytes).toString('latin1').replace(/\r\n?/g, '\n'), 0);
  return { text, messages: 1, withText: text ? 1 : 0 };
}

/** A mailbox (.mbox): every message's text, in order. */
export function mboxToText(bytes: Uint8Array): MailText {
  const raw = Buffer.from(bytes).toString('latin1').replace(/\r\n?/g, '\n');
  // A message starts at a "From " line at the start of the file or after a blank line; a line of
  // a body that starts with "From " is written ">From " by every mbox writer, and the date on the
  // separator tells it from a sentence that happens to start so after a blank line.
  const starts: number[] = [];
  const sep = /(^|\n\n)From \S+ [^\n]*\d{4}[^\n]*\n/g;
  for (let m = sep.exec(raw); m; m = sep.exec(raw)) starts.push(m.index + m[1].length);
  if (!starts.length) return { ...emailToText(bytes), messages: raw.trim() ? 1 : 0 };
  const texts: string[] = [];
  for (const [i, start] of starts.entries()) {
    const chunk = raw.slice(raw.indexOf('\n', start) + 1, starts[i + 1] ?? raw.length);
    const text = messageText(chunk.replace(/^>(>*From )/gm, '$1'), 0);
    if (text) texts.push(text);
  }
  return { text: texts.join('\n\n'), messages: starts.length, withText: texts.length };
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function parsePart(raw: string): Part {
  // Headers end at the first blank line; a part that starts with one has none.
  const end = raw.startsWith('\n') ? 0 : raw.indexOf('\n\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end === 0 ? 1 : end + 2);
  const headers = new Map<string, string>();
  // Folded header lines continue the one before.
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** `text/plain; charset="utf-8"; format=flowed` → its type and lower-cased parameter names. */
function headerValue(value: string | undefined, fallback: string): { value: string; params: Map<string, string> } {
  const [first, ...rest] = (value ?? fallback).split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq > 0)
      params.set(
        p.slice(0, eq).trim().toLowerCase(),
        p
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
  }
  return { value: first.trim().toLowerCase(), params };
}

const MAX_DEPTH = 8;

function messageText(raw: string, depth: number): string {
  return partText(parsePart(raw), depth)
    .filter(Boolean)
    .join('\n\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function partText(part: Part, depth: number): string[] {
  if (depth > MAX_DEPTH) return [];
  const type = headerValue(part.headers.get('content-type'), 'text/plain');
  if (headerValue(part.headers.get('content-disposition'), 'inline').value === 'attachment') return [];
  if (type.value.startsWith('multipart/')) {
    const boundary = type.params.get('boundary');
    if (!boundary) return [];
    const parts = splitMultipart(part.body, boundary).map(parsePart);
    if (type.value === 'multipart/alternative') {
      const plain = parts.find((p) => headerValue(p.headers.get('content-type'), 'text/plain').value === 'text/plain');
      const chosen = plain ?? parts.at(-1);
      return chosen ? partText(chosen, depth + 1) : [];
    }
    return parts.flatMap((p) => partText(p, depth + 1));
  }
  if (type.value !== 'text/plain' && type.value !== 'text/html') return [];
  let text = decodeCharset(
    transferDecode(part.body, part.headers.get('content-transfer-encoding')),
    type.params.get('charset'),
  );
  if (type.value === 'text/html') text = htmlToText(withoutQuotedHtml(text));
  else if (type.params.get('format')?.toLowerCase() === 'flowed')
    text = joinFlowed(text, type.params.get('delsp')?.toLowerCase() === 'yes');
  return [ownWords(text)];
}

function splitMultipart(body: string, boundary: string): string[] {
  const parts: string[] = [];
  const delim = '--' + boundary;
  let cur: string[] | null = null;
  for (const line of body.split('\n')) {
    const t = line.trimEnd();
    if (t === delim || t === delim + '--') {
      if (cur) parts.push(cur.join('\n'));
      cur = t === delim ? [] : null;
      if (t !== delim) break;
    } else cur?.push(line);
  }
  if (cur) parts.push(cur.join('\n'));
  return parts;
}

function transferDecode(body: string, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (enc === 'quoted-printable')
    return Buffer.from(
      body
        .replace(/[ \t]+\n/g, '\n')
        .replace(/=\n/g, '')
        .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
  return Buffer.from(body, 'latin1');
}

/**
 * A part's bytes in its declared charset. Without one (or with one this runtime does not know):
 * UTF-8 when the bytes are valid UTF-8, else windows-1252, which is what mail that claims nothing
 * and is not UTF-8 almost always is.
 */
function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const label = charset?.trim().toLowerCase();
  if (label && !WESTERN.has(label) && label !== 'us-ascii' && label !== 'ascii') {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // An unknown label: fall through to the guess.
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return windows1252(bytes);
  }
}

/**
 * Labels that mean windows-1252 in practice (the WHATWG Encoding standard maps ISO-8859-1 to it, as
 * mail clients do: Outlook's "ISO-8859-1" mail has curly quotes at 0x93 and 0x94).
 */
const WESTERN = new Set(['windows-1252', 'cp1252', 'iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'x-cp1252']);
/** windows-1252's 0x80–0x9F; the rest of its bytes are Latin-1's. Node's TextDecoder reads the label as Latin-1. */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'.split('');

function windows1252(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
  return out;
}

/** RFC 3676: a line ending in a space continues on the next (a signature separator does not). */
function joinFlowed(text: string, delsp: boolean): string {
  return text.replace(/([^\n]) \n(?!-- \n)/g, (_, c: string) => (delsp ? c : c + ' '));
}

/** An HTML reply carries the message it answers in <blockquote> (Gmail, Apple Mail, Thunderbird). */
function withoutQuotedHtml(html: string): string {
  let out = '';
  let depth = 0;
  const tag = /<(\/?)blockquote\b[^>]*>/gi;
  let last = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    if (depth === 0) out += html.slice(last, m.index);
    depth = Math.max(0, depth + (m[1] ? -1 : 1));
    last = m.index + m[0].length;
  }
  return depth === 0 ? out + html.slice(last) : out;
}

/** Where someone else's words or the mail's machinery begin; nothing after is the writer's. */
const STOP = [
  /^-- ?$/, // signature
  /^_{20,}$/, // mailing list footer (Mailman)
  /^-{2,}\s*(original message|forwarded message|forwarded by)/i,
  /^begin forwarded message:?$/i,
  /^-----BEGIN PGP SIGNATURE-----$/,
];
const ATTRIBUTION = /\b(wrote|writes|said|schrieb|a écrit|escribió|scrisse|schreef):\s*$/i;

/** The lines of a text part the sender wrote. */
function ownWords(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    if (STOP.some((r) => r.test(line))) break;
    // Outlook quotes the message it answers under a header block, not with "> ".
    if (/^\*?From:\*? /.test(line) && lines.slice(i + 1, i + 5).some((l) => /^\*?(Sent|Date|To|Subject):\*? /.test(l)))
      break;
    if (line === '-----BEGIN PGP SIGNED MESSAGE-----') {
      if (/^Hash: /.test(lines[i + 1] ?? '')) i++;
      continue;
    }
    if (/^\s*>/.test(line)) continue;
    if (line.length < 300 && ATTRIBUTION.test(line)) {
      // "On Tue, 3 Sep 2002, Ann Smith <ann@example.org>" / "wrote:" may take two lines.
      if (out.length && /^On\b/.test(out.at(-1)!) && !/[.!?]$/.test(out.at(-1)!)) out.pop();
      continue;
    }
    out.push(line);
  }
  return unwrapParagraphs(out.join('\n'));
}
