import { isUtf8 } from 'node:buffer';

export type Decoded = { ok: true; text: string; encoding: string } | { ok: false; reason: string };

/** Line endings of every platform become '\n', so the model sees one convention. */
export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * Turns the bytes of a text file into a string: UTF-8 (with or without BOM) or UTF-16 with BOM.
 * Refuses binary data and invalid UTF-8 rather than guessing, so a corpus never holds mojibake.
 */
export function decodeTextBytes(buf: Uint8Array): Decoded {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return decodeUtf16(buf.subarray(2), 'utf-16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return decodeUtf16(buf.subarray(2), 'utf-16be');
  let body = buf;
  let encoding = 'utf-8';
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    body = buf.subarray(3);
    encoding = 'utf-8 (BOM)';
  }
  const nul = body.indexOf(0);
  if (nul >= 0)
    return { ok: false, reason: `binary file (a NUL byte at offset ${nul}): not text, such as a program or an image` };
  if (!isUtf8(body)) {
    return {
      ok: false,
      reason: `invalid UTF-8 at byte ${firstInvalidUtf8(body)}: save the file as UTF-8 (or UTF-16 with a byte-order mark) and import it again`,
    };
  }
  return { ok: true, text: new TextDecoder('utf-8').decode(body), encoding };
}

function decodeUtf16(body: Uint8Array, enc: 'utf-16le' | 'utf-16be'): Decoded {
  if (body.length % 2 !== 0)
    return {
      ok: false,
      reason: `not valid ${enc.toUpperCase()} text (an odd number of bytes): save it as UTF-8 and import it again`,
    };
  let text: string;
  try {
    text = new TextDecoder(enc, { fatal: true }).decode(body);
  } catch {
    return {
      ok: false,
      reason: `not valid ${enc.toUpperCase()} text (an unpaired surrogate): save it as UTF-8 and import it again`,
    };
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0)
    return {
      ok: false,
      reason: `binary file (a NUL character at position ${nul}): not text, such as a program or an image`,
    };
  return { ok: true, text, encoding: enc };
}

/** Byte offset of the first malformed UTF-8 sequence (for the error message only). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}
