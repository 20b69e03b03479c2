import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** 300k characters of tiny-shakespeare (public domain; see test/fixtures/README.md). */
export const SHAKESPEARE = path.join(ROOT, 'test', 'fixtures', 'tinyshakespeare-300k.txt');

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
    {
      name: '[Content_Types].xml',
      data: Buffer.from(
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
      ),
    },
    { name: 'word/document.xml', data: Buffer.from(xml) },
  ]);
}

/** Float64 reference of the LSTM equations in README.md, tfjs gate order (i, f, c, o), for checking the engines. */
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

/**
 * Float64 reference of the whole training computation — forward, softmax cross-entropy (mean over
 * B·T) and backpropagation through time — written straight from the LSTM equations in README.md, for
 * checking the kernels' gradients. x, y are batch-major [B*T].
 */
export function referenceLossAndGrads(
  w: { data: Float32Array; shape: number[] }[],
  units: number[],
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  B: number,
  T: number,
): { loss: number; grads: Float64Array[] } {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const E = w[0].shape[1];
  const L = units.length;
  const V = w[w.length - 1].data.length;
  const grads = w.map((a) => new Float64Array(a.data.length));
  let loss = 0;
  for (let b = 0; b < B; b++) {
    // forward, keeping every activation
    const inputs: Float64Array[][] = Array.from({ length: L + 1 }, () => []);
    const gates: { i: Float64Array; f: Float64Array; g: Float64Array; o: Float64Array; c: Float64Array }[][] =
      units.map(() => []);
    for (let t = 0; t < T; t++) {
      const tok = x[b * T + t];
      inputs[0].push(Float64Array.from(w[0].data.subarray(tok * E, (tok + 1) * E)));
    }
    units.forEach((H, l) => {
      const [W, U, bb] = [w[1 + 3 * l].data, w[2 + 3 * l].data, w[3 + 3 * l].data];
      let h = new Float64Array(H);
      let c = new Float64Array(H);
      for (let t = 0; t < T; t++) {
        const xin = inputs[l][t];
        const i = new Float64Array(H),
          f = new Float64Array(H),
          g = new Float64Array(H),
          o = new Float64Array(H);
        const cn = new Float64Array(H),
          hn = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const z = [0, 1, 2, 3].map((q) => {
            let s = bb[q * H + j];
            for (let k = 0; k < xin.length; k++) s += xin[k] * W[k * 4 * H + q * H + j];
            for (let k = 0; k < H; k++) s += h[k] * U[k * 4 * H + q * H + j];
            return s;
          });
          i[j] = sig(z[0]);
          f[j] = sig(z[1]);
          g[j] = Math.tanh(z[2]);
          o[j] = sig(z[3]);
          cn[j] = f[j] * c[j] + i[j] * g[j];
          hn[j] = o[j] * Math.tanh(cn[j]);
        }
        gates[l].push({ i, f, g, o, c: cn });
        inputs[l + 1].push(hn);
        h = hn;
        c = cn;
      }
    });
    // dense, loss, and its gradient
    const Hl = units[L - 1];
    const [Wd, bd] = [w[w.length - 2].data, w[w.length - 1].data];
    let dOut: Float64Array[] = [];
    for (let t = 0; t < T; t++) {
      const hTop = inputs[L][t];
      const logits = new Float64Array(V);
      for (let v = 0; v < V; v++) {
        let s = bd[v];
        for (let k = 0; k < Hl; k++) s += hTop[k] * Wd[k * V + v];
        logits[v] = s;
      }
      const mx = Math.max(...logits);
      const ex = logits.map((l) => Math.exp(l - mx));
      const sum = ex.reduce((a, c) => a + c, 0);
      const target = y[b * T + t];
      loss += -(Math.log(ex[target]) - Math.log(sum));
      const d = ex.map((e, v) => (e / sum - (v === target ? 1 : 0)) / (B * T));
      const dh = new Float64Array(Hl);
      for (let k = 0; k < Hl; k++) {
        for (let v = 0; v < V; v++) {
          grads[w.length - 2][k * V + v] += hTop[k] * d[v];
          dh[k] += d[v] * Wd[k * V + v];
        }
      }
      for (let v = 0; v < V; v++) grads[w.length - 1][v] += d[v];
      dOut.push(dh);
    }
    // backpropagation through time, top layer first
    for (let l = L - 1; l >= 0; l--) {
      const H = units[l];
      const [W, U] = [w[1 + 3 * l].data, w[2 + 3 * l].data];
      const [gW, gU, gb] = [grads[1 + 3 * l], grads[2 + 3 * l], grads[3 + 3 * l]];
      const inDim = inputs[l][0].length;
      const dIn: Float64Array[] = Array.from({ length: T }, () => new Float64Array(inDim));
      let dhNext = new Float64Array(H);
      let dcNext = new Float64Array(H);
      for (let t = T - 1; t >= 0; t--) {
        const { i, f, g, o, c } = gates[l][t];
        const cPrev = t > 0 ? gates[l][t - 1].c : new Float64Array(H);
        const hPrev = t > 0 ? inputs[l + 1][t - 1] : new Float64Array(H);
        const dz = new Float64Array(4 * H);
        const dc = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const dh = dOut[t][j] + dhNext[j];
          const tc = Math.tanh(c[j]);
          dc[j] = dcNext[j] + dh * o[j] * (1 - tc * tc);
          dz[j] = dc[j] * g[j] * i[j] * (1 - i[j]);
          dz[H + j] = dc[j] * cPrev[j] * f[j] * (1 - f[j]);
          dz[2 * H + j] = dc[j] * i[j] * (1 - g[j] * g[j]);
          dz[3 * H + j] = dh * tc * o[j] * (1 - o[j]);
        }
        const dhPrev = new Float64Array(H);
        for (let q = 0; q < 4 * H; q++) {
          const d = dz[q];
          gb[q] += d;
          for (let k = 0; k < inDim; k++) {
            gW[k * 4 * H + q] += inputs[l][t][k] * d;
            dIn[t][k] += W[k * 4 * H + q] * d;
          }
          for (let k = 0; k < H; k++) {
            gU[k * 4 * H + q] += hPrev[k] * d;
            dhPrev[k] += U[k * 4 * H + q] * d;
          }
        }
        dhNext = dhPrev;
        dcNext = dc.map((v, j) => v * f[j]);
      }
      dOut = dIn;
    }
    for (let t = 0; t < T; t++) {
      const tok = x[b * T + t];
      for (let k = 0; k < E; k++) grads[0][tok * E + k] += dOut[t][k];
    }
  }
  return { loss: loss / (B * T), grads };
}

/** max |a − b| / max |b|: error relative to the tensor's scale. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbsDiff(a, b) / Math.max(scale, 1e-12);
}
