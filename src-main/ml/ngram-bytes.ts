import { idArray, type TableParts } from './ngram-table.ts';

/**
 * The stored form of a character n-gram model (ml/ngram.ts): "NIBNGRM1", a little-endian u32
 * length and a JSON header (vocabulary, order, discounts, each table's width and sizes), then per
 * order its contexts' ids, totals and entry counts, and its entries' tokens and counts. Ids are
 * bytes where the vocabulary has at most 256 symbols (else 2 or 4 bytes, little-endian), counts
 * are LEB128 varints: most are 1. Contexts are in key order, so the bytes compress well (callers
 * gzip them) and the same counts always give the same bytes.
 */

const MAGIC = 'NIBNGRM1';

interface Header {
  kind: 'char-ngram-kn';
  vocab: string[];
  order: number;
  discounts: number[];
  tables: { width: number; contexts: number; entries: number }[];
}

export interface NgramParts {
  vocab: string[];
  order: number;
  discounts: number[];
  tables: TableParts[];
}

/** Whether `bytes` start as this format does (the JSON form stored before it does not). */
export function isNgramBytes(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && new TextDecoder().decode(bytes.subarray(0, 8)) === MAGIC;
}

class Writer {
  private buf = new Uint8Array(1 << 16);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  u32(x: number): void {
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.length, x, true);
    this.length += 4;
  }

  varint(x: number): void {
    this.room(5);
    while (x >= 0x80) {
      this.buf[this.length++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.length++] = x;
  }

  ids(a: ArrayLike<number>, width: number): void {
    this.room(a.length * width);
    const dv = new DataView(this.buf.buffer);
    for (let i = 0; i < a.length; i++) {
      if (width === 1) this.buf[this.length] = a[i];
      else if (width === 2) dv.setUint16(this.length, a[i], true);
      else dv.setUint32(this.length, a[i], true);
      this.length += width;
    }
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class Reader {
  private at = 0;
  private readonly dv: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new Error('n-gram data is truncated');
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    this.at += n;
    return this.buf.subarray(this.at - n, this.at);
  }

  u32(): number {
    this.need(4);
    this.at += 4;
    return this.dv.getUint32(this.at - 4, true);
  }

  varint(): number {
    let x = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const b = this.buf[this.at++];
      x += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return x;
    }
    throw new Error('n-gram data has a malformed count');
  }

  ids(out: Uint8Array | Uint16Array | Uint32Array, width: number): void {
    this.need(out.length * width);
    for (let i = 0; i < out.length; i++) {
      out[i] =
        width === 1
          ? this.buf[this.at]
          : width === 2
            ? this.dv.getUint16(this.at, true)
            : this.dv.getUint32(this.at, true);
      this.at += width;
    }
  }

  get end(): boolean {
    return this.at === this.buf.length;
  }
}

const idWidth = (vocabSize: number) => (vocabSize <= 0x100 ? 1 : vocabSize <= 0x10000 ? 2 : 4);

export function encodeNgram(m: NgramParts): Uint8Array {
  const w = new Writer();
  w.bytes(new TextEncoder().encode(MAGIC));
  const header: Header = {
    kind: 'char-ngram-kn',
    vocab: m.vocab,
    order: m.order,
    discounts: m.discounts,
    tables: m.tables.map((t) => ({ width: t.width, contexts: t.totals.length, entries: t.next.length })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  w.u32(json.length);
  w.bytes(json);
  const iw = idWidth(m.vocab.length);
  for (const t of m.tables) {
    w.ids(t.keys, iw);
    for (const x of t.totals) w.varint(x);
    for (let c = 0; c < t.totals.length; c++) w.varint(t.start[c + 1] - t.start[c]);
    w.ids(t.next, iw);
    for (const x of t.counts) w.varint(x);
  }
  return w.done();
}

/** Reads `encodeNgram`'s bytes; throws on anything else (a truncated or foreign file). */
export function decodeNgram(bytes: Uint8Array): NgramParts {
  if (!isNgramBytes(bytes)) throw new Error('not Nib n-gram data');
  const r = new Reader(bytes);
  r.bytes(8);
  const header = JSON.parse(new TextDecoder().decode(r.bytes(r.u32()))) as Header;
  if (header.kind !== 'char-ngram-kn' || header.tables.length !== header.order)
    throw new Error('n-gram data has an unknown header');
  const V = header.vocab.length;
  const iw = idWidth(V);
  const tables = header.tables.map(({ width, contexts, entries }): TableParts => {
    // Sizes a damaged header could make enormous are checked against the bytes there are.
    if (!(contexts * Math.max(1, width) * iw <= bytes.length && entries * iw <= bytes.length))
      throw new Error('n-gram data is inconsistent');
    const keys = idArray(V, contexts * width);
    r.ids(keys, iw);
    const totals = new Uint32Array(contexts);
    for (let c = 0; c < contexts; c++) totals[c] = r.varint();
    const start = new Uint32Array(contexts + 1);
    for (let c = 0; c < contexts; c++) start[c + 1] = start[c] + r.varint();
    if (start[contexts] !== entries) throw new Error('n-gram data is inconsistent');
    const next = idArray(V, entries);
    r.ids(next, iw);
    const counts = new Uint32Array(entries);
    for (let e = 0; e < entries; e++) counts[e] = r.varint();
    return { width, keys, totals, start, next, counts };
  });
  if (!r.end) throw new Error('n-gram data has trailing bytes');
  return { vocab: header.vocab, order: header.order, discounts: header.discounts, tables };
}
