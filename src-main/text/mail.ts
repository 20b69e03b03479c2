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

/** A header field's first line: a name of printable characters other than the colon, then a colon. */
const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+:/;

/**
 * A mailbox's message starts at a "From " line followed at once by a header (every mbox writer
 * puts the message's own headers there). A sentence of a body that starts with "From " (written
 * ">From " by most writers, not by all) is followed by more prose, not by a header.
 */
function isSeparator(line: string, next: string | undefined): boolean {
  return line.startsWith('From ') && next !== undefined && HEADER_LINE.test(next);
}

/** Bytes read for `looksLikeMbox`. */
export const MBOX_HEAD_BYTES = 1024;

/** A file that starts as a mailbox does (Thunderbird's folders have no extension). */
export function looksLikeMbox(head: Uint8Array): boolean {
  const lines = Buffer.from(head.subarray(0, MBOX_HEAD_BYTES)).toString('latin1').split(/\r?\n/);
  return isSeparator(lines[0], lines[1]);
}

/**
 * One message (.eml). A file with no headers at all is read as the body alone; one that starts
 * with a mailbox's "From " line (as mutt and archives such as the SpamAssassin corpus save a
 * message, and as a one-message mbox renamed .eml is) is read as the mailbox it is, so its
 * headers are never taken for the body.
 */
export function emailToText(bytes: Uint8Array): MailText {
  if (looksLikeMbox(bytes)) return mboxToText(bytes);
  return oneMessage(Buffer.from(bytes).toString('latin1').replace(/\r\n?/g, '\n'));
}

function oneMessage(raw: string): MailText {
  if (!raw.trim()) return { text: '', messages: 0, withText: 0 };
  const text = messageText(raw);
  return { text, messages: 1, withText: text ? 1 : 0 };
}

/**
 * A mailbox (.mbox): every message's text, in order. A file with no separator at all is one
 * message if it starts with a header, else no mailbox (messages: 0).
 */
export function mboxToText(bytes: Uint8Array): MailText {
  const lines = Buffer.from(bytes).toString('latin1').replace(/\r\n?/g, '\n').split('\n');
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) if (isSeparator(lines[i], lines[i + 1])) starts.push(i);
  if (!starts.length)
    return HEADER_LINE.test(lines[0]) ? oneMessage(lines.join('\n')) : { text: '', messages: 0, withText: 0 };
  const texts: string[] = [];
  for (const [i, start] of starts.entries()) {
    const body = lines
      .slice(start + 1, starts[i + 1] ?? lines.length)
      .map((l) => (/^>+From /.test(l) ? l.slice(1) : l))
      .join('\n');
    const text = messageText(body);
    if (text) texts.push(text);
  }
  return { text: texts.join('\n\n'), messages: starts.length, withText: texts.length };
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function parsePart(raw: string): Part {
  // Headers end at the first blank line; a part that starts with one, or with a line that is no
  // header (a message saved without its headers), has none.
  if (!HEADER_LINE.test(raw.slice(0, raw.indexOf('\n') >>> 0)))
    return { headers: new Map(), body: raw.startsWith('\n') ? raw.slice(1) : raw };
  const end = raw.indexOf('\n\n');
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

function messageText(raw: string): string {
  return partText(parsePart(raw), 0)
    .filter(Boolean)
    .join('\n\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function partText(part: Part, depth: number): string[] {
  if (depth > MAX_DEPTH) return [];
  const type = headerValue(part.headers.get('content-type'), 'text/plain');
  // An attachment, or a file sent inline (Apple Mail's text attachments carry a file name): a log,
  // notes, an invoice are not the sender's writing.
  const disposition = headerValue(part.headers.get('content-disposition'), 'inline');
  if (disposition.value === 'attachment' || disposition.params.has('filename') || type.params.has('name')) return [];
  if (type.value.startsWith('multipart/')) {
    const boundary = type.params.get('boundary');
    if (!boundary) return [];
    const parts = splitMultipart(part.body, boundary).map(parsePart);
    if (type.value === 'multipart/alternative') {
      const typeOf = (p: Part) => headerValue(p.headers.get('content-type'), 'text/plain').value;
      // The plain text, else a structure that may hold it (related, mixed), else the richest.
      const chosen =
        parts.find((p) => typeOf(p) === 'text/plain') ??
        parts.find((p) => typeOf(p).startsWith('multipart/')) ??
        parts.at(-1);
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
  // Declared UTF-8 that is not (an old client's windows-1252 mislabelled) falls to the guess below.
  if (label && !GUESSED.has(label)) {
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
 * Labels left to the guess: ASCII and UTF-8 (which the guess reads, and whose mislabelled bytes it
 * reads as windows-1252), and those that mean windows-1252 in practice (the WHATWG Encoding
 * standard maps ISO-8859-1 to it, as mail clients do: Outlook's "ISO-8859-1" mail has curly quotes
 * at 0x93 and 0x94).
 */
const GUESSED = new Set([
  'us-ascii',
  'ascii',
  'utf-8',
  'utf8',
  'unicode-1-1-utf-8',
  'windows-1252',
  'cp1252',
  'iso-8859-1',
  'iso8859-1',
  'latin1',
  'l1',
  'x-cp1252',
]);
/** windows-1252's 0x80–0x9F; the rest of its bytes are Latin-1's. Node's TextDecoder reads the label as Latin-1. */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'.split('');

function windows1252(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
  return out;
}

/**
 * RFC 3676: a line ending in a space continues on the next line of the same quote depth; the
 * signature separator "-- " is no such line, and a line is never joined across quote depths (an
 * answer under a quoted question stays the writer's). Space-stuffing is undone; quoted lines keep
 * their ">" so the quote is still seen as one.
 */
function joinFlowed(text: string, delsp: boolean): string {
  const out: string[] = [];
  let cur: string | null = null;
  let curDepth = -1;
  for (const raw of text.split('\n')) {
    const depth = /^>*/.exec(raw)![0].length;
    let line = raw.slice(depth);
    if (line.startsWith(' ')) line = line.slice(1);
    const flowed = line !== '-- ' && line.endsWith(' ');
    const content = flowed && delsp ? line.slice(0, -1) : line;
    if (cur !== null && depth === curDepth) cur += content;
    else {
      if (cur !== null) out.push(cur);
      cur = (depth ? '>'.repeat(depth) + ' ' : '') + content;
      curDepth = depth;
    }
    if (!flowed) {
      out.push(cur);
      cur = null;
    }
  }
  if (cur !== null) out.push(cur);
  return out.join('\n');
}

/**
 * An HTML reply carries the message it answers in <blockquote> (Gmail, Apple Mail, Thunderbird),
 * each left as one quoted line (so the "On … wrote:" before it is seen as an attribution), or
 * after Yahoo's quoted block, which is cut off whole.
 */
function withoutQuotedHtml(html: string): string {
  const yahoo = html.search(/<div\b[^>]*class="[^"]*yahoo_quoted/i);
  if (yahoo >= 0) html = html.slice(0, yahoo);
  let out = '';
  let depth = 0;
  const tag = /<(\/?)blockquote\b[^>]*>/gi;
  let last = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    if (depth === 0) out += html.slice(last, m.index) + (m[1] ? '' : '<div>&gt;</div>');
    depth = Math.max(0, depth + (m[1] ? -1 : 1));
    last = m.index + m[0].length;
  }
  return depth === 0 ? out + html.slice(last) : out;
}

/** Where someone else's words or the mail's machinery begin; nothing after is the writer's. */
const STOP = [
  /^-- ?$/, // signature
  /^_{20,}$/, // mailing list footer (Mailman)
  /^-{2,}\s*(original message|forwarded message|forwarded by|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|weitergeleitete nachricht|message transféré)/i,
  /^begin forwarded message:?$/i,
  /^-----BEGIN PGP SIGNATURE-----$/,
];
/** Outlook's header block over the message it answers, in the languages it is most often set to. */
const OUTLOOK_FROM = /^\*?(From|Von|De|Da|Van|Från|Fra)\s?:\*?\s/;
const OUTLOOK_NEXT =
  /^\*?(Sent|Date|To|Subject|Gesendet|Datum|An|Betreff|Envoyé|À|Objet|Enviado|Fecha|Para|Asunto|Inviato|Oggetto|Verzonden|Aan|Onderwerp|Skickat|Till|Ämne|Sendt|Til|Emne)\s?:\*?\s/;
/** "On Tue, Ann wrote:", "Am Montag schrieb Paul <p@x.de>:", "Le lun., Paul a écrit :". */
const ATTRIBUTION = /\b(wrote|writes|said|schrieb|a écrit|escribió|scrisse|schreef|skrev)\b.{0,120}:\s*$/i;
/** The line a phone or a mail program adds under every message. */
const FOOTER =
  /^(Sent from my \S|Sent from (Mail|Outlook|Yahoo Mail)\b|Get Outlook for \S|Envoyé de mon |Von meinem \S+ gesendet)/i;

/** The lines of a text part the sender wrote. */
function ownWords(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const quoted = (l: string | undefined) => l !== undefined && /^\s*>/.test(l);
  /** The next line that is not blank is quoted: what comes before it may be its attribution. */
  const quoteFollows = (i: number) => {
    let j = i + 1;
    while (j < lines.length && !lines[j].trim()) j++;
    return quoted(lines[j]);
  };
  const out: string[] = [];
  let signed = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trimEnd();
    // Inline PGP: a signed message dash-escapes its lines ("- -- " is its signature separator).
    if (signed && line.startsWith('- ')) line = line.slice(2);
    if (STOP.some((r) => r.test(line))) break;
    // Outlook quotes the message it answers under a header block, not with "> ".
    if (OUTLOOK_FROM.test(line) && lines.slice(i + 1, i + 5).some((l) => OUTLOOK_NEXT.test(l))) break;
    if (line === '-----BEGIN PGP SIGNED MESSAGE-----') {
      signed = true;
      if (/^Hash: /.test(lines[i + 1] ?? '')) i++;
      continue;
    }
    if (line === '-----BEGIN PGP MESSAGE-----') {
      while (i < lines.length && lines[i].trimEnd() !== '-----END PGP MESSAGE-----') i++;
      continue;
    }
    if (quoted(line) || FOOTER.test(line)) continue;
    // An attribution is one only over a quote: "this is what I wrote:" ending a paragraph stays.
    if (line.length < 300 && ATTRIBUTION.test(line) && quoteFollows(i)) {
      // "On Tue, 3 Sep 2002, Ann Smith <ann@example.org>" / "wrote:" may take two lines.
      if (out.length && /^(On|Am|Le|El|Il|Op)\b/.test(out.at(-1)!) && !/[.!?]$/.test(out.at(-1)!)) out.pop();
      continue;
    }
    out.push(line);
  }
  return unwrapParagraphs(out.join('\n'));
}
