import { ADAM, EngineFailure, type OptimizerState, type StepOptions, type TrainEngine } from '../engine.ts';
import type { ModelSpec } from '../spec.ts';
import { checkWeights, flatLayout, viewFlat, type FlatSlot, type NamedArray, type Weights } from '../weights.ts';
import {
  BufferUsage,
  MAP_READ,
  type GpuBindGroup,
  type GpuBuffer,
  type GpuComputePipeline,
  type GpuDevice,
} from './gpu.ts';
import {
  ADAM_STEP,
  COLUMN_SUM,
  CROSS_ENTROPY,
  DROPOUT,
  EMBEDDING_GRAD,
  GATHER,
  LSTM_BACKWARD,
  LSTM_FORWARD,
  LSTM_STEP,
  MASK_MUL,
  MATMUL,
  MATMUL_SMALL,
  MATMUL_TILE,
  MAX_UNITS,
  MEAN,
  NORM_PARTS,
  SQUARED_NORM,
  TRANSPOSE,
} from './shaders.ts';

/** One compute dispatch of a plan: a pipeline, its bindings, its workgroup counts. */
interface Dispatch {
  pipeline: GpuComputePipeline;
  group: GpuBindGroup;
  workgroups: [number, number, number];
}

interface LayerBuffers {
  H: number;
  inDim: number;
  Z: GpuBuffer;
  G: GpuBuffer;
  C: GpuBuffer;
  Hs: GpuBuffer;
  dH: GpuBuffer;
  dZ: GpuBuffer;
}

/** Everything a batch shape (B, T) needs: activation buffers and the dispatches of each phase. */
interface Plan {
  B: number;
  T: number;
  tokX: GpuBuffer;
  tokY: GpuBuffer;
  X0: GpuBuffer;
  dX0: GpuBuffer;
  layers: LayerBuffers[];
  logits: GpuBuffer;
  lossOut: GpuBuffer;
  /** Forward and backward without dropout (evaluation, logits, training at dropout 0). */
  plain: { forward: Dispatch[]; backward: Dispatch[] };
  /** With dropout between layers, built at the first such step; `uniforms` carry each step's seed. */
  dropout: { forward: Dispatch[]; backward: Dispatch[]; uniforms: GpuBuffer[] } | null;
  lossGrad: Dispatch[];
  lossOnly: Dispatch[];
  buffers: GpuBuffer[];
}

/** Buffers and dispatches of single-step inference for K states. */
interface StepPlan {
  stride: number;
  tokens: GpuBuffer;
  states: GpuBuffer;
  logits: GpuBuffer;
  dispatches: Dispatch[];
}

/** Workgroups of 256 threads covering n elements, folded into two dimensions past the limit. */
function flat(n: number): number[] {
  const groups = Math.max(1, Math.ceil(n / 256));
  const x = Math.min(groups, 65535);
  return [x, Math.ceil(groups / x)];
}

const F32 = 4;

/**
 * Training on WebGPU, behind the same TrainEngine interface as the native kernel: embedding, the
 * stacked LSTM forward, backpropagation through time, softmax cross-entropy, gradient clipping and
 * Adam, all in WGSL (shaders.ts). Weights, gradients and Adam's moments live on the GPU as flat
 * buffers in tfjs-layers order, the native engine's layout, so a model and its optimizer state
 * move between engines unchanged.
 *
 * A training step is one command submission: 10 + 8·L dispatches for L layers (the recurrence is
 * one dispatch per layer and direction, see shaders.ts; the backward one reads U transposed, one
 * more), and one 4-byte read back, the loss.
 * Weights are read back only when asked for: `sync()` before `getWeights()` or
 * `getOptimizerState()` (WebGPU reads are asynchronous; the interface's getters are not).
 */
export class WebGpuEngine implements TrainEngine {
  readonly name: string;
  private readonly layout: FlatSlot[];
  private readonly n: number;
  private readonly params: GpuBuffer;
  private readonly grads: GpuBuffer;
  private readonly m: GpuBuffer;
  private readonly v: GpuBuffer;
  private readonly partials: GpuBuffer;
  private readonly adamUniform: GpuBuffer;
  private readonly optimizer: Dispatch[];
  private readonly pipelines = new Map<string, GpuComputePipeline>();
  private readonly plans = new Map<string, Plan>();
  private readonly stepPlans = new Map<number, StepPlan>();
  /**
   * Per layer, Uᵀ (4H × H), transposed from the weights at each backward pass (LSTM_BACKWARD reads
   * it): one per engine, whatever the batch shapes, made when a first plan is built.
   */
  private readonly transposedU: GpuBuffer[] = [];
  private t = 0;
  /** CPU copies of weights and moments, current after `sync()` until the next step. */
  private mirror: { params: Float32Array; m: Float32Array; v: Float32Array } | null = null;
  private lost: string | null = null;

  constructor(
    private readonly device: GpuDevice,
    private readonly spec: ModelSpec,
    weights: Weights,
    adapterName = 'WebGPU',
    /** Destroy the device on dispose (a device opened for this engine alone). */
    private readonly ownsDevice = false,
  ) {
    checkWeights(spec, weights);
    if (spec.units.some((h) => h > MAX_UNITS))
      throw new Error(`the WebGPU engine runs LSTM layers of at most ${MAX_UNITS} units`);
    const { slots, size } = flatLayout(spec);
    this.layout = slots;
    this.n = size;
    const storage = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;
    this.params = this.buffer(this.n, storage, 'params');
    this.grads = this.buffer(this.n, storage, 'grads');
    this.m = this.buffer(this.n, storage, 'adam m');
    this.v = this.buffer(this.n, storage, 'adam v');
    this.partials = this.buffer(NORM_PARTS, storage, 'norm partials');
    this.adamUniform = this.device.createBuffer({ size: 48, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
    const adamGroups = Math.ceil(this.n / 256);
    const wgX = Math.min(adamGroups, 65535);
    this.optimizer = [
      this.dispatch(SQUARED_NORM, [this.uniform([this.n, 0, 0, 0]), this.grads, this.partials], [NORM_PARTS]),
      this.dispatch(
        ADAM_STEP,
        [this.adamUniform, this.grads, this.partials, this.params, this.m, this.v],
        [wgX, Math.ceil(adamGroups / wgX)],
      ),
    ];
    this.setWeights(weights);
    this.zeroMoments();
    this.name = `webgpu (${adapterName})`;
    void device.lost.then(
      (info) => (this.lost = `the GPU device was lost (${info.message || info.reason || 'no reason given'})`),
    );
    // Validation and out-of-memory errors raised by the device outside an error scope.
    device.onuncapturederror = (ev) => {
      this.lost ??= `the GPU reported an error: ${ev.error.message}`;
    };
  }

  /** Dispatches in one training step for a batch of B sequences of T characters. */
  dispatchesPerStep(B: number, T: number, dropout = 0): number {
    const p = this.plan(B, T);
    const ph = dropout > 0 ? this.dropoutPhases(p) : p.plain;
    return ph.forward.length + p.lossGrad.length + ph.backward.length + this.optimizer.length;
  }

  async trainStep(x: Int32Array, y: Int32Array, B: number, T: number, o: StepOptions): Promise<number> {
    const p = this.load(x, y, B, T);
    const ph = this.phasesFor(p, o.dropout, o.seed);
    this.t += 1;
    const c1 = 1 - Math.pow(ADAM.beta1, this.t);
    const c2 = 1 - Math.pow(ADAM.beta2, this.t);
    const u = new ArrayBuffer(48);
    new Uint32Array(u, 0, 4).set([this.n, 0, 0, 0]);
    new Float32Array(u, 16, 8).set([o.lr / c1, 1 / c2, ADAM.beta1, ADAM.beta2, ADAM.epsilon, o.clipNorm, 0, 0]);
    this.device.queue.writeBuffer(this.adamUniform, 0, u);
    this.mirror = null;
    return this.run([...ph.forward, ...p.lossGrad, ...ph.backward, ...this.optimizer], p.lossOut);
  }

  /** Loss and gradients without an update (for checking the kernels against references). */
  async gradients(
    x: Int32Array,
    y: Int32Array,
    B: number,
    T: number,
    dropout = 0,
    seed = 0,
  ): Promise<{ loss: number; grads: Weights }> {
    const p = this.load(x, y, B, T);
    const ph = this.phasesFor(p, dropout, seed);
    const loss = await this.run([...ph.forward, ...p.lossGrad, ...ph.backward], p.lossOut);
    return { loss, grads: this.view(await this.read(this.grads, this.n)) };
  }

  async evaluate(x: Int32Array, y: Int32Array, B: number, T: number): Promise<number> {
    const p = this.load(x, y, B, T);
    return this.run([...p.plain.forward, ...p.lossOnly], p.lossOut);
  }

  async logits(x: Int32Array, B: number, T: number): Promise<Float32Array> {
    const p = this.load(x, null, B, T);
    await this.run(p.plain.forward, null);
    // Time-major rows back to the interface's batch-major order.
    const V = this.spec.vocab.length;
    const tm = await this.read(p.logits, B * T * V);
    const out = new Float32Array(B * T * V);
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++) out.set(tm.subarray((t * B + b) * V, (t * B + b + 1) * V), (b * T + t) * V);
    return out;
  }

  /**
   * One step of single-character inference for K states at once (a suggestion's candidates):
   * `states` holds K of LstmRunner's flat states (per layer h then c) and is advanced in place by
   * `tokens`; resolves to the next-token logits, K × vocabulary. L + 1 dispatches, one submission.
   */
  async step(states: Float32Array, tokens: Int32Array): Promise<Float32Array> {
    const K = tokens.length;
    const sp = this.stepPlan(K);
    if (states.length !== K * sp.stride)
      throw new Error(`step: ${K} states of ${sp.stride} floats expected, got ${states.length} floats`);
    const V = this.spec.vocab.length;
    if (this.lost) throw new EngineFailure(this.lost);
    for (const t of tokens)
      if (!(t >= 0 && t < V)) throw new Error(`token ${t} is outside the vocabulary (0–${V - 1})`);
    this.device.queue.writeBuffer(sp.tokens, 0, Uint32Array.from(tokens));
    this.device.queue.writeBuffer(sp.states, 0, states);
    await this.run(sp.dispatches, null);
    states.set(await this.read(sp.states, K * sp.stride));
    return this.read(sp.logits, K * V);
  }

  /** Dispatches in one inference step. */
  dispatchesPerInferenceStep(K = 1): number {
    return this.stepPlan(K).dispatches.length;
  }

  private stepPlan(K: number): StepPlan {
    let sp = this.stepPlans.get(K);
    if (sp) return sp;
    const { spec } = this;
    // The step kernel holds a layer's input in workgroup memory.
    if (spec.embedding > MAX_UNITS) throw new Error(`the WebGPU step runs embeddings of at most ${MAX_UNITS} units`);
    const V = spec.vocab.length;
    const L = spec.units.length;
    const hard = spec.recurrentActivation === 'hardSigmoid' ? 1 : 0;
    const off = (i: number) => this.layout[i].offset;
    const at: number[] = [];
    let stride = 0;
    for (const H of spec.units) {
      at.push(stride);
      stride += 2 * H;
    }
    const storage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    const tokens = this.buffer(K, storage, 'step tokens');
    const states = this.buffer(K * stride, storage, 'step states');
    const logits = this.buffer(K * V, storage, 'step logits');
    const dispatches = spec.units.map((H, l) => {
      const inDim = l === 0 ? spec.embedding : spec.units[l - 1];
      const u = this.uniform([
        K,
        H,
        inDim,
        stride,
        at[l],
        l === 0 ? 0 : at[l - 1],
        l === 0 ? 1 : 0,
        off(1 + 3 * l),
        off(2 + 3 * l),
        off(3 + 3 * l),
        off(0),
        hard,
      ]);
      return this.dispatch(LSTM_STEP, [u, this.params, tokens, states], [K], { MAXH: H, MAXIN: inDim });
    });
    dispatches.push(
      this.matmul(states, this.params, this.params, logits, {
        M: K,
        N: V,
        K: spec.units[L - 1],
        lda: stride,
        ldb: V,
        ldc: V,
        offA: at[L - 1],
        offB: off(1 + 3 * L),
        offBias: off(2 + 3 * L),
      }),
    );
    sp = { stride, tokens, states, logits, dispatches };
    this.stepPlans.set(K, sp);
    return sp;
  }

  /** Reads weights and Adam's moments back from the GPU, for getWeights() and getOptimizerState(). */
  async sync(): Promise<void> {
    if (this.mirror) return; // nothing has changed on the GPU since the last read
    this.mirror = {
      params: await this.read(this.params, this.n),
      m: await this.read(this.m, this.n),
      v: await this.read(this.v, this.n),
    };
  }

  getWeights(): Weights {
    return this.view(this.synced().params);
  }

  setWeights(w: Weights): void {
    checkWeights(this.spec, w);
    const flat = new Float32Array(this.n);
    w.forEach((a, i) => flat.set(a.data, this.layout[i].offset));
    this.device.queue.writeBuffer(this.params, 0, flat);
    if (this.mirror) this.mirror.params = flat;
  }

  getOptimizerState(): OptimizerState {
    const s = this.synced();
    return { t: this.t, m: this.view(s.m), v: this.view(s.v) };
  }

  setOptimizerState(s: OptimizerState): void {
    this.t = s.t;
    const m = new Float32Array(this.n);
    const v = new Float32Array(this.n);
    s.m.forEach((a, i) => m.set(a.data, this.layout[i].offset));
    s.v.forEach((a, i) => v.set(a.data, this.layout[i].offset));
    this.device.queue.writeBuffer(this.m, 0, m);
    this.device.queue.writeBuffer(this.v, 0, v);
    if (this.mirror) Object.assign(this.mirror, { m, v });
  }

  dispose(): void {
    for (const p of this.plans.values()) for (const b of p.buffers) b.destroy();
    this.plans.clear();
    for (const sp of this.stepPlans.values()) for (const b of [sp.tokens, sp.states, sp.logits]) b.destroy();
    this.stepPlans.clear();
    for (const b of [this.params, this.grads, this.m, this.v, this.partials, this.adamUniform, ...this.transposedU])
      b.destroy();
    if (this.ownsDevice) this.device.destroy();
  }

  // ---- internals ----------------------------------------------------------------------------

  /**
   * The dispatches of a step at this dropout rate; with dropout, this step's seed and rate go to
   * the mask kernels. The keep probability is rounded to float32 as the native kernel rounds it,
   * so both draw the same masks.
   */
  private phasesFor(p: Plan, dropout: number, seed: number): { forward: Dispatch[]; backward: Dispatch[] } {
    if (!(dropout > 0)) return p.plain;
    if (!(dropout < 1)) throw new Error(`dropout must be below 1, got ${dropout}`);
    const d = this.dropoutPhases(p);
    const keep = Math.fround(1 - Math.fround(dropout));
    const inv = Math.fround(1 / keep);
    p.layers.forEach((ly, l) => {
      const u = new ArrayBuffer(32);
      new Uint32Array(u, 0, 4).set([p.B * p.T * ly.H, l, seed >>> 0, 0]);
      new Float32Array(u, 16, 4).set([keep, inv, 0, 0]);
      this.device.queue.writeBuffer(d.uniforms[l], 0, u);
    });
    return d;
  }

  private synced(): NonNullable<WebGpuEngine['mirror']> {
    if (!this.mirror) throw new Error('WebGpuEngine: await sync() after training steps, before reading weights');
    return this.mirror;
  }

  private zeroMoments(): void {
    const zero = new Float32Array(this.n);
    this.device.queue.writeBuffer(this.m, 0, zero);
    this.device.queue.writeBuffer(this.v, 0, zero);
  }

  private buffer(floats: number, usage: number, label: string): GpuBuffer {
    // At least 16 bytes: zero-sized bindings are invalid.
    return this.device.createBuffer({ size: Math.max(16, floats * F32), usage, label });
  }

  private uniform(values: number[], floats: number[] = []): GpuBuffer {
    const bytes = Math.ceil(((values.length + floats.length) * 4) / 16) * 16;
    const data = new ArrayBuffer(bytes);
    new Uint32Array(data, 0, values.length).set(values);
    new Float32Array(data, values.length * 4, floats.length).set(floats);
    const b = this.device.createBuffer({ size: bytes, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
    this.device.queue.writeBuffer(b, 0, data);
    return b;
  }

  private pipeline(code: string, constants?: Record<string, number>): GpuComputePipeline {
    const key = code + JSON.stringify(constants ?? {});
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code });
      p = this.device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main', ...(constants && { constants }) },
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  private dispatch(
    code: string,
    buffers: GpuBuffer[],
    workgroups: number[],
    constants?: Record<string, number>,
  ): Dispatch {
    const pipeline = this.pipeline(code, constants);
    const group = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const [x, y = 1, z = 1] = workgroups;
    return { pipeline, group, workgroups: [x, y, z] };
  }

  /** C = op(A)·op(B) (+ bias): the uniform block of MATMUL. */
  private matmul(
    A: GpuBuffer,
    Bm: GpuBuffer,
    bias: GpuBuffer | null,
    C: GpuBuffer,
    s: {
      M: number;
      N: number;
      K: number;
      transA?: boolean;
      transB?: boolean;
      lda: number;
      ldb: number;
      ldc: number;
      offA?: number;
      offB?: number;
      offC?: number;
      offBias?: number;
    },
  ): Dispatch {
    const u = this.uniform([
      s.M,
      s.N,
      s.K,
      s.transA ? 1 : 0,
      s.transB ? 1 : 0,
      s.lda,
      s.ldb,
      s.ldc,
      s.offA ?? 0,
      s.offB ?? 0,
      s.offC ?? 0,
      s.offBias ?? 0,
      bias ? 1 : 0,
      0,
      0,
      0,
    ]);
    if (s.M < MATMUL_TILE || s.N < MATMUL_TILE)
      return this.dispatch(MATMUL_SMALL, [u, A, Bm, bias ?? Bm, C], [Math.ceil(s.N / 16), Math.ceil(s.M / 16)]);
    return this.dispatch(
      MATMUL,
      [u, A, Bm, bias ?? Bm, C],
      [Math.ceil(s.N / MATMUL_TILE), Math.ceil(s.M / MATMUL_TILE)],
    );
  }

  /** Layer l's buffer for Uᵀ, made once. */
  private uTransposed(l: number): GpuBuffer {
    const H = this.spec.units[l];
    this.transposedU[l] ??= this.buffer(4 * H * H, BufferUsage.STORAGE, `u transposed ${l}`);
    return this.transposedU[l];
  }

  /** The buffers and dispatches for batches of B × T, built once per shape. */
  private plan(B: number, T: number): Plan {
    const key = `${B}x${T}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (B > max) throw new Error(`the WebGPU engine runs batches of at most ${max} sequences`);
    const { spec } = this;
    const V = spec.vocab.length;
    const E = spec.embedding;
    const R = B * T;
    const buffers: GpuBuffer[] = [];
    const act = (floats: number, label: string) => {
      const b = this.buffer(floats, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST, label);
      buffers.push(b);
      return b;
    };
    const logits = act(R * V, 'logits');
    const lossRows = act(R, 'loss rows');
    const lossOut = act(1, 'loss');
    const ce = (grad: boolean) =>
      this.dispatch(
        CROSS_ENTROPY,
        [this.uniform([R, V, grad ? 1 : 0, 0], [1 / R, 0, 0, 0]), plan.tokY, logits, lossRows],
        [Math.ceil(R / 64)],
      );
    const plan: Plan = {
      B,
      T,
      tokX: act(R, 'tokens x'),
      tokY: act(R, 'tokens y'),
      X0: act(R * E, 'embedded'),
      dX0: act(R * E, 'd embedded'),
      layers: spec.units.map((H, l) => ({
        H,
        inDim: l === 0 ? E : spec.units[l - 1],
        Z: act(R * 4 * H, `z ${l}`),
        G: act(R * 4 * H, `gates ${l}`),
        C: act(R * H, `c ${l}`),
        Hs: act(R * H, `h ${l}`),
        dH: act(R * H, `d h ${l}`),
        dZ: act(R * 4 * H, `d z ${l}`),
      })),
      logits,
      lossOut,
      plain: { forward: [], backward: [] },
      dropout: null,
      lossGrad: [],
      lossOnly: [],
      buffers,
    };
    const mean = this.dispatch(MEAN, [this.uniform([R, 0, 0, 0]), lossRows, lossOut], [1]);
    plan.lossGrad = [ce(true), mean];
    plan.lossOnly = [ce(false), mean];
    plan.plain = this.phases(plan, null);
    this.plans.set(key, plan);
    return plan;
  }

  /** The plan's dropout variant (training with dropout > 0): masks and masked copies, built once. */
  private dropoutPhases(p: Plan): NonNullable<Plan['dropout']> {
    if (!p.dropout) {
      const R = p.B * p.T;
      const drop = {
        Hd: p.layers.map((ly, l) => this.buffer(R * ly.H, BufferUsage.STORAGE, `h ${l} after dropout`)),
        mask: p.layers.map((ly, l) => this.buffer(R * ly.H, BufferUsage.STORAGE, `dropout mask ${l}`)),
        uniforms: p.layers.map(() =>
          this.device.createBuffer({ size: 32, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST }),
        ),
      };
      p.buffers.push(...drop.Hd, ...drop.mask, ...drop.uniforms);
      p.dropout = { ...this.phases(p, drop), uniforms: drop.uniforms };
    }
    return p.dropout;
  }

  /**
   * The forward and backward dispatches over a plan's buffers. With `drop`, each layer's output
   * is masked (DROPOUT) before the layer above or the dense layer reads it, and the gradient
   * flowing back into it is masked the same way (MASK_MUL); the recurrence itself sees no dropout.
   */
  private phases(
    p: Plan,
    drop: { Hd: GpuBuffer[]; mask: GpuBuffer[]; uniforms: GpuBuffer[] } | null,
  ): { forward: Dispatch[]; backward: Dispatch[] } {
    const { spec } = this;
    const { B, T, layers } = p;
    const V = spec.vocab.length;
    const E = spec.embedding;
    const L = layers.length;
    const R = B * T;
    const hard = spec.recurrentActivation === 'hardSigmoid' ? 1 : 0;
    const off = (i: number) => this.layout[i].offset;
    /** What the layer above (or the dense layer) reads of layer l's output. */
    const out = (l: number) => (drop ? drop.Hd[l] : layers[l].Hs);
    const input = (l: number) => (l === 0 ? p.X0 : out(l - 1));
    const maskGrad = (l: number, dH: GpuBuffer) =>
      this.dispatch(MASK_MUL, [this.uniform([R * layers[l].H, 0, 0, 0]), drop!.mask[l], dH], flat(R * layers[l].H));
    const top = layers[L - 1];
    const offWd = off(1 + 3 * L);
    const offBd = off(2 + 3 * L);

    const forward: Dispatch[] = [
      this.dispatch(GATHER, [this.uniform([R, E, off(0), 0]), p.tokX, this.params, p.X0], [Math.ceil((R * E) / 256)]),
    ];
    layers.forEach((ly, l) => {
      forward.push(
        this.matmul(input(l), this.params, this.params, ly.Z, {
          M: R,
          N: 4 * ly.H,
          K: ly.inDim,
          lda: ly.inDim,
          ldb: 4 * ly.H,
          ldc: 4 * ly.H,
          offB: off(1 + 3 * l),
          offBias: off(3 + 3 * l),
        }),
        this.dispatch(
          LSTM_FORWARD,
          [this.uniform([B, T, ly.H, off(2 + 3 * l), hard, 0, 0, 0]), this.params, ly.Z, ly.G, ly.C, ly.Hs],
          [B],
          { MAXH: ly.H },
        ),
      );
      if (drop)
        forward.push(this.dispatch(DROPOUT, [drop.uniforms[l], ly.Hs, drop.mask[l], drop.Hd[l]], flat(R * ly.H)));
    });
    forward.push(
      this.matmul(out(L - 1), this.params, this.params, p.logits, {
        M: R,
        N: V,
        K: top.H,
        lda: top.H,
        ldb: V,
        ldc: V,
        offB: offWd,
        offBias: offBd,
      }),
    );

    const backward: Dispatch[] = [
      // dense: ∂Wd = Hᵀ·dlogits, ∂bd = Σ dlogits, ∂H = dlogits·Wdᵀ
      this.matmul(out(L - 1), p.logits, null, this.grads, {
        M: top.H,
        N: V,
        K: R,
        transA: true,
        lda: top.H,
        ldb: V,
        ldc: V,
        offC: offWd,
      }),
      this.dispatch(COLUMN_SUM, [this.uniform([R, V, 0, offBd]), p.logits, this.grads], [Math.ceil(V / 64)]),
      this.matmul(p.logits, this.params, null, top.dH, {
        M: R,
        N: top.H,
        K: V,
        transB: true,
        lda: V,
        ldb: V,
        ldc: top.H,
        offB: offWd,
      }),
    ];
    if (drop) backward.push(maskGrad(L - 1, top.dH));
    for (let l = L - 1; l >= 0; l--) {
      const ly = layers[l];
      const H4 = 4 * ly.H;
      const dInput = l === 0 ? p.dX0 : layers[l - 1].dH;
      backward.push(
        this.dispatch(
          TRANSPOSE,
          [this.uniform([ly.H, H4, off(2 + 3 * l), 0]), this.params, this.uTransposed(l)],
          [Math.ceil(H4 / 16), Math.ceil(ly.H / 16)],
        ),
        this.dispatch(
          LSTM_BACKWARD,
          [this.uniform([B, T, ly.H, 0, hard, 0, 0, 0]), this.uTransposed(l), ly.G, ly.C, ly.dH, ly.dZ],
          [B],
          { MAXH: ly.H },
        ),
        // ∂W = inputᵀ·dZ
        this.matmul(input(l), ly.dZ, null, this.grads, {
          M: ly.inDim,
          N: H4,
          K: R,
          transA: true,
          lda: ly.inDim,
          ldb: H4,
          ldc: H4,
          offC: off(1 + 3 * l),
        }),
        // ∂U = h₋₁ᵀ·dZ: rows of h shifted one step (h₋₁ = 0 at t = 0 adds nothing)
        this.matmul(ly.Hs, ly.dZ, null, this.grads, {
          M: ly.H,
          N: H4,
          K: (T - 1) * B,
          transA: true,
          lda: ly.H,
          ldb: H4,
          ldc: H4,
          offB: B * H4,
          offC: off(2 + 3 * l),
        }),
        this.dispatch(COLUMN_SUM, [this.uniform([R, H4, 0, off(3 + 3 * l)]), ly.dZ, this.grads], [Math.ceil(H4 / 64)]),
        // ∂input = dZ·Wᵀ
        this.matmul(ly.dZ, this.params, null, dInput, {
          M: R,
          N: ly.inDim,
          K: H4,
          transB: true,
          lda: H4,
          ldb: H4,
          ldc: ly.inDim,
          offB: off(1 + 3 * l),
        }),
      );
      if (drop && l > 0) backward.push(maskGrad(l - 1, dInput));
    }
    backward.push(
      this.dispatch(
        EMBEDDING_GRAD,
        [this.uniform([R, E, V, off(0)]), p.tokX, p.dX0, this.grads],
        [Math.ceil((V * E) / 64)],
      ),
    );
    return { forward, backward };
  }

  /** Uploads a batch (batch-major, as the interface takes it) as time-major token rows. */
  private load(x: Int32Array, y: Int32Array | null, B: number, T: number): Plan {
    if (this.lost) throw new EngineFailure(this.lost);
    const p = this.plan(B, T);
    const V = this.spec.vocab.length;
    const tm = (a: Int32Array) => {
      const out = new Uint32Array(B * T);
      for (let b = 0; b < B; b++)
        for (let t = 0; t < T; t++) {
          const v = a[b * T + t];
          if (!(v >= 0 && v < V)) throw new Error(`token ${v} is outside the vocabulary (0–${V - 1})`);
          out[t * B + b] = v;
        }
      return out;
    };
    this.device.queue.writeBuffer(p.tokX, 0, tm(x));
    if (y) this.device.queue.writeBuffer(p.tokY, 0, tm(y));
    return p;
  }

  /** Encodes the dispatches in one compute pass, submits, and reads back one float (or none). */
  private async run(dispatches: Dispatch[], result: GpuBuffer | null): Promise<number> {
    try {
      return await this.submit(dispatches, result);
    } catch (e) {
      throw e instanceof EngineFailure ? e : new EngineFailure(this.lost ?? `the GPU failed: ${(e as Error).message}`);
    }
  }

  private async submit(dispatches: Dispatch[], result: GpuBuffer | null): Promise<number> {
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const d of dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.group);
      pass.dispatchWorkgroups(...d.workgroups);
    }
    pass.end();
    let staging: GpuBuffer | null = null;
    if (result) {
      staging = this.device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
      enc.copyBufferToBuffer(result, 0, staging, 0, 4);
    }
    this.device.queue.submit([enc.finish()]);
    if (!staging) {
      await this.device.queue.onSubmittedWorkDone();
      return NaN;
    }
    await staging.mapAsync(MAP_READ);
    const value = new Float32Array(staging.getMappedRange().slice(0, 4))[0];
    staging.unmap();
    staging.destroy();
    if (this.lost) throw new EngineFailure(this.lost);
    return value;
  }

  private async read(buffer: GpuBuffer, floats: number): Promise<Float32Array> {
    try {
      return await this.readBack(buffer, floats);
    } catch (e) {
      throw new EngineFailure(this.lost ?? `the GPU failed: ${(e as Error).message}`);
    }
  }

  private async readBack(buffer: GpuBuffer, floats: number): Promise<Float32Array> {
    const staging = this.device.createBuffer({
      size: Math.max(16, floats * F32),
      usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, 0, staging, 0, floats * F32);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_READ);
    const out = new Float32Array(staging.getMappedRange().slice(0, floats * F32));
    staging.unmap();
    staging.destroy();
    return out;
  }

  private view(flat: Float32Array): NamedArray[] {
    return viewFlat(this.layout, flat);
  }
}
