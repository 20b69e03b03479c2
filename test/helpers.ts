import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHAKESPEARE = path.resolve(ROOT, '..', 'shared', 'data', 'tinyshakespeare.txt');

export function tempDir(prefix = 'nib-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A minimal ZIP writer (deflate), enough to make .docx fixtures and hostile archives. */
export function makeZip(entries: { name: string; data: Buffer; store?: boolean; declaredSize?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const comp = e.store ? e.data : zlib.deflateRawSync(e.data);
    const name = Buffer.from(e.name, 'utf8');
    const crc = zlib.crc32 ? zlib.crc32(e.data) : 0;
    const size = e.declaredSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.store ? 0 : 8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(comp.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, comp);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.store ? 0 : 8, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(comp.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A real .docx body: paragraphs of runs, with a tab and a line break to check both survive. */
export function makeDocx(paragraphs: string[]): Buffer {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${esc(p)}</w:t></w:r></w:p>`).join('');
  const xml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}<w:sectPr/></w:body></w:document>`;
  return makeZip([
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') },
    { name: 'word/document.xml', data: Buffer.from(xml) },
  ]);
}

/** Float64 reference of SEED.md's LSTM, tfjs gate order (i, f, c, o), for checking the engines. */
export function referenceLogits(
  w: { data: Float32Array; shape: number[] }[],
  units: number[],
  tokens: number[],
  hard = false,
): number[][] {
  const sig = (x: number) => (hard ? Math.min(1, Math.max(0, 0.2 * x + 0.5)) : 1 / (1 + Math.exp(-x)));
  const [emb] = w;
  const E = emb.shape[1];
  const h = units.map((H) => new Float64Array(H));
  const c = units.map((H) => new Float64Array(H));
  const out: number[][] = [];
  for (const tok of tokens) {
    let x: Float64Array = Float64Array.from(emb.data.subarray(tok * E, (tok + 1) * E));
    units.forEach((H, l) => {
      const [W, U, b] = [w[1 + 3 * l], w[2 + 3 * l], w[3 + 3 * l]];
      const z = new Float64Array(4 * H);
      for (let j = 0; j < 4 * H; j++) {
        let s = b.data[j];
        for (let k = 0; k < x.length; k++) s += x[k] * W.data[k * 4 * H + j];
        for (let k = 0; k < H; k++) s += h[l][k] * U.data[k * 4 * H + j];
        z[j] = s;
      }
      for (let j = 0; j < H; j++) {
        const i = sig(z[j]);
        const f = sig(z[H + j]);
        const g = Math.tanh(z[2 * H + j]);
        const o = sig(z[3 * H + j]);
        c[l][j] = f * c[l][j] + i * g;
        h[l][j] = o * Math.tanh(c[l][j]);
      }
      x = h[l];
    });
    const [Wd, bd] = [w[w.length - 2], w[w.length - 1]];
    const V = bd.data.length;
    const logits: number[] = [];
    for (let v = 0; v < V; v++) {
      let s = bd.data[v];
      for (let k = 0; k < x.length; k++) s += x[k] * Wd.data[k * V + v];
      logits.push(s);
    }
    out.push(logits);
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
