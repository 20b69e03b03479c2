import { Rng } from './rng.ts';
import { paramShapes, type ModelSpec } from './spec.ts';

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A model's parameters in `paramShapes` order (tfjs-layers names and layout). */
export type Weights = NamedArray[];

/**
 * PyTorch's default initialisation (uniform ±1/√fan for LSTM and Linear, N(0,1) embeddings):
 * it learns faster per step here than tfjs-layers' defaults (orthogonal, small embeddings).
 */
export function initWeights(spec: ModelSpec, seed: number): Weights {
  const rng = new Rng(seed);
  return paramShapes(spec).map(({ name, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const u = () => 2 * rng.next() - 1;
    if (name.startsWith('embedding')) {
      for (let i = 0; i < n; i++) data[i] = rng.normal();
    } else if (name.startsWith('lstm')) {
      const bound = 1 / Math.sqrt(shape[shape.length - 1] / 4);
      // PyTorch has two LSTM bias vectors, each U(±bound); ours is their sum.
      const isBias = name.endsWith('/bias');
      for (let i = 0; i < n; i++) data[i] = (isBias ? u() + u() : u()) * bound;
    } else {
      const bound = 1 / Math.sqrt(spec.units[spec.units.length - 1]);
      for (let i = 0; i < n; i++) data[i] = u() * bound;
    }
    return { name, shape, data };
  });
}

export function cloneWeights(w: Weights): Weights {
  return w.map((a) => ({ name: a.name, shape: [...a.shape], data: new Float32Array(a.data) }));
}

/** Checks that weights fit a spec, naming the first tensor that does not. */
export function checkWeights(spec: ModelSpec, w: Weights): void {
  const want = paramShapes(spec);
  if (want.length !== w.length) throw new Error(`expected ${want.length} weight tensors, found ${w.length}`);
  want.forEach((p, i) => {
    const got = w[i];
    if (got.shape.join('x') !== p.shape.join('x')) {
      throw new Error(`weight ${p.name} should have shape [${p.shape}], found ${got.name} [${got.shape}]`);
    }
  });
}

const MAGIC = 0x5742494e; // 'NIBW'

/**
 * A self-describing binary form of named float32 arrays (plus a JSON `meta`), kept free of tfjs so
 * the store and any compute kernel can read it. Layout: magic, header length, header JSON, padding,
 * data in header order: float32, or float16 (`half`: half the size, for the shipped base model;
 * values are widened back to float32 on reading).
 */
export function encodeArrays(arrays: NamedArray[], meta: unknown = null, opts: { half?: boolean } = {}): Uint8Array {
  const dtype = opts.half ? 'float16' : undefined;
  const header = new TextEncoder().encode(
    JSON.stringify({ meta, arrays: arrays.map((a) => ({ name: a.name, shape: a.shape, ...(dtype && { dtype }) })) }),
  );
  const bytesPer = opts.half ? 2 : 4;
  const headerPadded = Math.ceil((8 + header.length) / 4) * 4;
  const total = headerPadded + arrays.reduce((s, a) => s + a.data.length * bytesPer, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, header.length, true);
  out.set(header, 8);
  let off = headerPadded;
  for (const a of arrays) {
    if (opts.half) {
      for (let i = 0; i < a.data.length; i++) dv.setUint16(off + 2 * i, toHalf(a.data[i]), true);
    } else out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), off);
    off += a.data.length * bytesPer;
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a float32, rounded to nearest even (subnormals kept, overflow to ±inf). */
export function toHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function decodeArrays(bytes: Uint8Array): { arrays: NamedArray[]; meta: unknown } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || dv.getUint32(0, true) !== MAGIC) throw new Error('not a Nib weights blob');
  const hlen = dv.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen))) as {
    meta: unknown;
    arrays: { name: string; shape: number[]; dtype?: 'float16' }[];
  };
  let off = Math.ceil((8 + hlen) / 4) * 4;
  const arrays = header.arrays.map(({ name, shape, dtype }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const size = n * (dtype === 'float16' ? 2 : 4);
    if (off + size > bytes.byteLength) throw new Error('truncated weights blob');
    const data = new Float32Array(n);
    if (dtype === 'float16') for (let i = 0; i < n; i++) data[i] = fromHalf(dv.getUint16(off + 2 * i, true));
    // Copy out: the source buffer (a SQLite BLOB) may not be 4-byte aligned.
    else new Uint8Array(data.buffer).set(bytes.subarray(off, off + size));
    off += size;
    return { name, shape, data };
  });
  return { arrays, meta: header.meta };
}

/** Where one parameter lies in a flat Float32Array of them all (tfjs-layers order). */
export interface FlatSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** The flat layout the native and WebGPU engines keep weights, gradients and moments in. */
export function flatLayout(spec: Pick<ModelSpec, 'vocab' | 'embedding' | 'units'>): {
  slots: FlatSlot[];
  size: number;
} {
  const slots: FlatSlot[] = [];
  let offset = 0;
  for (const p of paramShapes(spec)) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    slots.push({ ...p, offset, size });
    offset += size;
  }
  return { slots, size: offset };
}

/** Named arrays (copies) of a flat buffer laid out by `flatLayout`. */
export function viewFlat(slots: FlatSlot[], flat: Float32Array): NamedArray[] {
  return slots.map((l) => ({ name: l.name, shape: [...l.shape], data: flat.slice(l.offset, l.offset + l.size) }));
}
