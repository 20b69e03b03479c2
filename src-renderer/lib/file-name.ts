/** File names from titles and model names (free of the DOM, so tested in Node). */

/** The most UTF-8 bytes `safeFileName` keeps of a name. */
export const FILE_NAME_BYTES = 200;
const utf8 = new TextEncoder();

/** A name that every file system accepts, from a title or a model name. */
export function safeFileName(name: string, fallback = 'Untitled'): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const clean = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ').trim();
  // Common file systems allow 255 bytes a name: a 500-character title is cut at whole characters
  // to FILE_NAME_BYTES of UTF-8, leaving room for ".md" or a folder's "/model.json".
  let out = '';
  let bytes = 0;
  for (const ch of clean) {
    bytes += utf8.encode(ch).length;
    if (bytes > FILE_NAME_BYTES) break;
    out += ch;
  }
  return out.trim() || fallback;
}
