import { loadNativeKernel, type NativeKernel } from './native-kernel.ts';
import type { ModelSpec } from './spec.ts';
import { checkWeights, type Weights } from './weights.ts';

/** The recurrent state after some text: h and c for every layer, as views into one array. */
export interface LstmState {
  /** Per layer: h (H floats) then c (H floats). */
  flat: Float32Array;
  h: Float32Array[];
  c: Float32Array[];
  /** The next-token logits for this state, when the native step computed them with it. */
  logits?: Float32Array;
}

/**
 * One-character-at-a-time inference for generation and suggestions, in plain JavaScript over
 * Float32Arrays: no tensor dispatch per step, and the state is an ordinary value that can be
 * cloned and cached along a document. The first layer's input product is precomputed per
 * vocabulary entry (embedding · W), so a step costs only the recurrent products beyond it.
 */
export class LstmRunner {
  readonly vocabSize: number;
  private readonly units: number[];
  /** Per layer: input kernel [in, 4H] (layer 0: table [V, 4H] = embeddings · W + b). */
  private readonly kernels: Float32Array[] = [];
  private readonly recurrent: Float32Array[] = [];
  private readonly biases: Float32Array[] = [];
  private readonly denseW: Float32Array;
  private readonly denseB: Float32Array;
  private readonly hard: boolean;
  private readonly z: Float32Array[];
  private readonly native: { kernel: NativeKernel; model: object; params: Float32Array } | null = null;
  readonly engine: string;

  /**
   * `kernel`: the native kernel to step with; null for plain JS. By default the kernel when it
   * loads, unless NIB_BACKEND forces another engine (then inference stays off the kernel too).
   */
  constructor(spec: ModelSpec, w: Weights, kernel: NativeKernel | null | undefined = defaultKernel()) {
    checkWeights(spec, w);
    if (kernel) {
      const params = new Float32Array(w.reduce((n, a) => n + a.data.length, 0));
      let off = 0;
      for (const a of w) {
        params.set(a.data, off);
        off += a.data.length;
      }
      const model = kernel.create(
        spec.vocab.length,
        spec.embedding,
        Int32Array.from(spec.units),
        spec.recurrentActivation === 'hardSigmoid',
      );
      this.native = { kernel, model, params };
    }
    this.engine = kernel ? 'native' : 'js';
    this.vocabSize = spec.vocab.length;
    this.units = spec.units;
    this.hard = spec.recurrentActivation === 'hardSigmoid';
    const emb = w[0].data;
    const E = spec.embedding;
    let p = 1;
    spec.units.forEach((H, l) => {
      const W = w[p].data;
      const U = w[p + 1].data;
      const b = w[p + 2].data;
      p += 3;
      if (l === 0 && !this.native) {
        const table = new Float32Array(this.vocabSize * 4 * H);
        for (let v = 0; v < this.vocabSize; v++) {
          const row = table.subarray(v * 4 * H, (v + 1) * 4 * H);
          row.set(b);
          for (let k = 0; k < E; k++) {
            const e = emb[v * E + k];
            const wk = k * 4 * H;
            for (let j = 0; j < 4 * H; j++) row[j] += e * W[wk + j];
          }
        }
        this.kernels.push(table);
      } else this.kernels.push(W);
      this.recurrent.push(U);
      this.biases.push(b);
    });
    this.denseW = w[p].data;
    this.denseB = w[p + 1].data;
    this.z = spec.units.map((H) => new Float32Array(4 * H));
  }

  zeroState(): LstmState {
    return this.views(new Float32Array(this.units.reduce((n, H) => n + 2 * H, 0)));
  }

  clone(s: LstmState): LstmState {
    const c = this.views(s.flat.slice());
    if (s.logits) c.logits = s.logits.slice();
    return c;
  }

  private views(flat: Float32Array): LstmState {
    const h: Float32Array[] = [];
    const c: Float32Array[] = [];
    let off = 0;
    for (const H of this.units) {
      h.push(flat.subarray(off, off + H));
      c.push(flat.subarray(off + H, off + 2 * H));
      off += 2 * H;
    }
    return { flat, h, c };
  }

  /** Advances `state` in place by one token. */
  step(state: LstmState, token: number): void {
    if (this.native) {
      // The kernel computes the dense layer too (SIMD, in the same call): a suggestion reads the
      // logits of every state it steps to, and the JavaScript product cost more than the step.
      state.logits ??= new Float32Array(this.vocabSize);
      this.native.kernel.step(this.native.model, this.native.params, state.flat, token, state.logits);
      return;
    }
    let x: Float32Array | null = null;
    for (let l = 0; l < this.units.length; l++) {
      const H = this.units[l];
      const G = 4 * H;
      const z = this.z[l];
      if (l === 0) z.set(this.kernels[0].subarray(token * G, (token + 1) * G));
      else {
        z.set(this.biases[l]);
        matVecAcc(z, x!, this.kernels[l], G);
      }
      const h = state.h[l];
      const c = state.c[l];
      matVecAcc(z, h, this.recurrent[l], G);
      for (let j = 0; j < H; j++) {
        const i = this.act(z[j]);
        const f = this.act(z[H + j]);
        const g = Math.tanh(z[2 * H + j]);
        const o = this.act(z[3 * H + j]);
        const cj = f * c[j] + i * g;
        c[j] = cj;
        h[j] = o * Math.tanh(cj);
      }
      x = h;
    }
  }

  /** Logits over the vocabulary for the next token, given the state. */
  logits(state: LstmState, out = new Float32Array(this.vocabSize)): Float32Array {
    if (state.logits) {
      out.set(state.logits);
      return out;
    }
    out.set(this.denseB);
    matVecAcc(out, state.h[this.units.length - 1], this.denseW, this.vocabSize);
    return out;
  }

  /** Next-token probabilities at a temperature (1 = the model's own distribution). */
  probs(state: LstmState, temperature = 1): Float32Array {
    return softmax(this.logits(state), temperature);
  }

  private act(x: number): number {
    return this.hard ? Math.min(1, Math.max(0, 0.2 * x + 0.5)) : 1 / (1 + Math.exp(-x));
  }
}

function defaultKernel(): NativeKernel | null {
  const forced = process.env.NIB_BACKEND;
  // WebGPU trains; suggestions stay on the kernel (a GPU round trip per character costs more).
  return forced && !['auto', 'kernel', 'webgpu'].includes(forced) ? null : loadNativeKernel().kernel;
}

/** out[j] += Σ_k x[k] · M[k*n + j] — row-major M, inner loop contiguous. */
function matVecAcc(out: Float32Array, x: Float32Array, M: Float32Array, n: number): void {
  for (let k = 0; k < x.length; k++) {
    const xk = x[k];
    if (xk === 0) continue;
    const base = k * n;
    for (let j = 0; j < n; j++) out[j] += xk * M[base + j];
  }
}

export function softmax(logits: Float32Array, temperature = 1): Float32Array {
  const t = Math.max(temperature, 1e-6);
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp((logits[i] - max) / t);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
