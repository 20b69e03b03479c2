/** Files in and out of the page: what the Write, Library and Models views share. */

/** Bytes as base64, in chunks (one `String.fromCharCode(...)` of a large file would overflow the stack). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export { FILE_NAME_BYTES, safeFileName } from './file-name.ts';

/**
 * Offers a file for download: the browser's download (its save dialog when it asks where), or in
 * the desktop app Electron's native save dialog.
 */
export function saveFile(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
