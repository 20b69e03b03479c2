import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeTextBytes, normaliseNewlines } from './decode.ts';
import { docxToText } from './docx.ts';
import { htmlToText } from './html.ts';
import { emailToText, looksLikeMbox, MBOX_HEAD_BYTES, mboxToText, type MailText } from './mail.ts';
import { ZipError } from './zip.ts';

export const SUPPORTED_EXTENSIONS: Record<string, string> = {
  '.txt': 'text',
  '.text': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.docx': 'docx',
  '.eml': 'email',
  '.mbox': 'mailbox',
};

/** What the "unsupported" message lists, in the words of a file picker. */
export const READABLE_KINDS = '.txt, .md, .markdown, .html, .htm, .docx, .eml, .mbox';

/**
 * The format of a file by its name, or for a file with no extension by its first bytes: Thunderbird
 * keeps each mail folder ("Sent", "Inbox") as an mbox file with no extension.
 */
export function formatOf(name: string, head: Uint8Array): string | undefined {
  const ext = path.extname(name).toLowerCase();
  if (!ext && looksLikeMbox(head)) return 'mailbox';
  return SUPPORTED_EXTENSIONS[ext];
}

export function unsupportedReason(name: string): string {
  const ext = path.extname(name).toLowerCase();
  return `unsupported file type "${ext || '(none)'}" (Nib reads ${READABLE_KINDS})`;
}

function readHead(filePath: string): Uint8Array {
  let fd: number | undefined;
  try {
    fd = fs.openSync(filePath, 'r');
    const buf = Buffer.alloc(MBOX_HEAD_BYTES);
    return buf.subarray(0, fs.readSync(fd, buf, 0, MBOX_HEAD_BYTES, 0));
  } catch {
    return new Uint8Array(0);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export const DEFAULT_MAX_SIZE = 50 * 1024 * 1024;

export interface ReadDocument {
  name: string;
  sourcePath: string;
  format: string;
  sizeBytes: number;
  sha256: string;
  text: string;
  encoding: string;
  /** A mail file's messages, and how many had text of the sender's own. */
  messages?: { total: number; withText: number };
}

export type ReadOutcome = { ok: true; doc: ReadDocument } | { ok: false; path: string; reason: string; code: SkipCode };

/** Why a file was not imported; the CLI and UI group their summaries by it. */
export type SkipCode =
  'unsupported' | 'too-large' | 'empty' | 'binary' | 'invalid-encoding' | 'bad-document' | 'unreadable';

function skip(p: string, code: SkipCode, reason: string): ReadOutcome {
  return { ok: false, path: p, code, reason };
}

/** Reads one file and turns it into plain text, or says precisely why it cannot. */
export function readDocumentFile(filePath: string, maxSize = DEFAULT_MAX_SIZE): ReadOutcome {
  // Only a file with no extension is opened to look at its first line (a FIFO never reaches here:
  // collectFiles passes such files over).
  const format = formatOf(filePath, path.extname(filePath) ? new Uint8Array(0) : readHead(filePath));
  if (!format) return skip(filePath, 'unsupported', unsupportedReason(filePath));
  let stat: fs.Stats;
  try {
    stat = fs.statSync(filePath);
  } catch (e) {
    return skip(filePath, 'unreadable', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (stat.size > maxSize) {
    return skip(filePath, 'too-large', `too large (${formatBytes(stat.size)} > --max-size ${formatBytes(maxSize)})`);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(filePath);
  } catch (e) {
    return skip(filePath, 'unreadable', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return documentFromBytes(filePath, path.basename(filePath), format, bytes);
}

/** The same rules for bytes that arrive without a file (drag-and-drop, paste). */
export function documentFromBytes(sourcePath: string, name: string, format: string, bytes: Buffer): ReadOutcome {
  if (bytes.length === 0) return skip(sourcePath, 'empty', 'empty file');
  let text: string;
  let encoding = 'utf-8';
  let mail: MailText | undefined;
  if (format === 'email' || format === 'mailbox') {
    // Mail is text: a NUL byte means a program, an image or a compressed mailbox named like one.
    const nul = bytes.indexOf(0);
    if (nul >= 0)
      return skip(
        sourcePath,
        'binary',
        `binary file (a NUL byte at offset ${nul}): not a ${format === 'email' ? 'message' : 'mailbox'} (a compressed mailbox must be unpacked first)`,
      );
    mail = format === 'email' ? emailToText(bytes) : mboxToText(bytes);
    text = mail.text;
    encoding = 'per message';
  } else if (format === 'docx') {
    try {
      text = docxToText(bytes);
    } catch (e) {
      const msg = e instanceof ZipError ? e.message : `unreadable document (${(e as Error).message})`;
      return skip(sourcePath, 'bad-document', `not a readable .docx: ${msg}`);
    }
  } else {
    const decoded = decodeTextBytes(bytes);
    if (!decoded.ok) {
      return skip(sourcePath, decoded.reason.startsWith('binary') ? 'binary' : 'invalid-encoding', decoded.reason);
    }
    encoding = decoded.encoding;
    text = format === 'html' ? htmlToText(decoded.text) : decoded.text;
  }
  text = normaliseNewlines(text);
  if (text.trim() === '')
    return skip(
      sourcePath,
      'empty',
      mail
        ? emptyMailReason(format, mail)
        : format === 'html' || format === 'docx'
          ? 'no visible text'
          : 'empty file (only white space)',
    );
  const sha256 = crypto.createHash('sha256').update(text).digest('hex');
  return {
    ok: true,
    doc: {
      name,
      sourcePath,
      format,
      sizeBytes: bytes.length,
      sha256,
      text,
      encoding,
      ...(mail && { messages: { total: mail.messages, withText: mail.withText } }),
    },
  };
}

/** Why a mail file gave no text: no messages at all, or only other people's words and machinery. */
function emptyMailReason(format: string, mail: MailText): string {
  if (mail.messages > 0)
    return `no text of the sender's own in ${mail.messages === 1 ? 'this message' : `its ${mail.messages} messages`} (only quotes, forwards, signatures or attachments)`;
  return format === 'email'
    ? 'empty file (only white space)'
    : 'no messages found: not a mailbox (save the folder as .mbox or each message as .eml)';
}

/**
 * Expands files and folders (recursively, in a stable order) into the files to import.
 * Hidden files and folders are passed over, as a user expects of "import this folder".
 */
export function collectFiles(inputs: string[]): {
  files: string[];
  missing: string[];
  passedOver: { path: string; reason: string }[];
} {
  const files: string[] = [];
  const missing: string[] = [];
  const passedOver: { path: string; reason: string }[] = [];
  // Each real folder is walked once: symbolic links to a folder above (a link to `.`) would
  // otherwise make the walk endless. The depth bound catches whatever that misses.
  const seen = new Set<string>();
  const walk = (p: string, top: boolean, depth: number) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      if (top) missing.push(p);
      return;
    }
    if (st.isDirectory()) {
      let real: string;
      try {
        real = fs.realpathSync(p);
      } catch {
        return;
      }
      if (seen.has(real)) return;
      seen.add(real);
      if (depth > 32) return void passedOver.push({ path: p, reason: 'folders nested more than 32 deep' });
      let names: string[];
      try {
        names = fs.readdirSync(p).sort();
      } catch (e) {
        return void passedOver.push({
          path: p,
          reason: `cannot read this folder (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
        });
      }
      for (const n of names) if (!n.startsWith('.')) walk(path.join(p, n), false, depth + 1);
    } else if (st.isFile()) {
      files.push(p);
    } else {
      // A FIFO, socket or device named like a document: reading it would block or never end.
      passedOver.push({ path: p, reason: 'not a regular file (a pipe, socket or device)' });
    }
  };
  for (const p of inputs) walk(path.resolve(p), true, 0);
  return { files, missing, passedOver };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
