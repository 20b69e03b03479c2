import zlib from 'node:zlib';

/** Limits that keep a hostile archive (a zip bomb) from exhausting memory or time. */
export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxRatio: 200,
};

export class ZipError extends Error {}

interface Entry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/**
 * A reader for the central directory of a ZIP archive and the inflation of chosen entries,
 * enough for .docx. Every size it reads is checked against `limits` before memory is spent.
 */
export class ZipReader {
  readonly entries = new Map<string, Entry>();

  constructor(
    private readonly buf: Buffer,
    private readonly limits: ZipLimits = DEFAULT_ZIP_LIMITS,
  ) {
    const eocd = this.findEndOfCentralDirectory();
    const count = buf.readUInt16LE(eocd + 10);
    const cdSize = buf.readUInt32LE(eocd + 12);
    const cdOffset = buf.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported');
    if (count > limits.maxEntries)
      throw new ZipError(`too many entries in the archive (${count} > ${limits.maxEntries})`);
    if (cdOffset + cdSize > buf.length) throw new ZipError('the archive is truncated (central directory out of range)');
    let p = cdOffset;
    let declaredTotal = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new ZipError('corrupt central directory');
      const flags = buf.readUInt16LE(p + 8);
      const method = buf.readUInt16LE(p + 10);
      const compressedSize = buf.readUInt32LE(p + 20);
      const size = buf.readUInt32LE(p + 24);
      const nameLen = buf.readUInt16LE(p + 28);
      const extraLen = buf.readUInt16LE(p + 30);
      const commentLen = buf.readUInt16LE(p + 32);
      const localOffset = buf.readUInt32LE(p + 42);
      const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
      declaredTotal += size;
      if (declaredTotal > limits.maxTotalBytes)
        throw new ZipError('the archive expands to more than the allowed total size');
      this.entries.set(name, { name, method, flags, compressedSize, size, localOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  private findEndOfCentralDirectory(): number {
    const b = this.buf;
    const stop = Math.max(0, b.length - 22 - 0xffff);
    for (let i = b.length - 22; i >= stop; i--) {
      if (b.readUInt32LE(i) === 0x06054b50) return i;
    }
    throw new ZipError('not a ZIP archive (no end-of-central-directory record)');
  }

  read(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new ZipError(`the archive has no ${name}`);
    if (e.flags & 1) throw new ZipError('encrypted archives are not supported');
    if (e.size > this.limits.maxEntryBytes) throw new ZipError(`${name} is too large when unpacked (${e.size} bytes)`);
    if (e.compressedSize > 0 && e.size / e.compressedSize > this.limits.maxRatio) {
      throw new ZipError(`${name} has a suspicious compression ratio (${Math.round(e.size / e.compressedSize)}:1)`);
    }
    const b = this.buf;
    const lo = e.localOffset;
    if (lo + 30 > b.length || b.readUInt32LE(lo) !== 0x04034b50) throw new ZipError('corrupt local file header');
    const start = lo + 30 + b.readUInt16LE(lo + 26) + b.readUInt16LE(lo + 28);
    const data = b.subarray(start, start + e.compressedSize);
    if (data.length !== e.compressedSize) throw new ZipError('the archive is truncated');
    let out: Buffer;
    if (e.method === 0) out = Buffer.from(data);
    else if (e.method === 8) {
      // The declared size may lie: cap what inflation may produce at the declared size itself.
      try {
        out = zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, e.size) });
      } catch (err) {
        throw new ZipError(`${name} could not be unpacked (${(err as Error).message})`);
      }
    } else throw new ZipError(`unsupported compression method ${e.method}`);
    if (out.length !== e.size) throw new ZipError(`${name} unpacked to a different size than declared`);
    return out;
  }
}
