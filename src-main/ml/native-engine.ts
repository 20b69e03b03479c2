import { ADAM, type OptimizerState, type StepOptions, type TrainEngine } from './engine.ts';
import { threadsFixed, type NativeKernel } from './native-kernel.ts';
import type { ModelSpec } from './spec.ts';
import { checkWeights, flatLayout, viewFlat, type FlatSlot, type NamedArray, type Weights } from './weights.ts';

/**
 * Training on the fused native kernel: one call per batch for forward, backpropagation through
 * time and the loss, one for Adam. Parameters, gradients and Adam moments are flat Float32Arrays
 * in tfjs-layers order, so weights move to and from tfjs unchanged.
 */
export class NativeEngine implements TrainEngine {
  readonly name: string;
  private readonly model: object;
  private readonly params: Float32Array;
  private readonly grads: Float32Array;
  private m: Float32Array;
  private v: Float32Array;
  private t = 0;
  private readonly layout: FlatSlot[];

  constructor(
    private readonly kernel: NativeKernel,
    private readonly spec: ModelSpec,
    weights: Weights,
  ) {
    checkWeights(spec, weights);
    const { slots, size: offset } = flatLayout(spec);
    this.layout = slots;
    this.params = new Float32Array(offset);
    this.grads = new Float32Array(offset);
    this.m = new Float32Array(offset);
    this.v = new Float32Array(offset);
    this.model = kernel.create(
      spec.vocab.length,
      spec.embedding,
      Int32Array.from(spec.units),
      spec.recurrentActivation === 'hardSigmoid',
    );
    this.setWeights(weights);
    const adaptive = !threadsFixed();
    kernel.setAdaptive(this.model, adaptive);
    const { isa, threads } = kernel.info();
    this.name = `nib-kernel (${isa}, ${threads} thread${threads === 1 ? '' : 's'}${adaptive && threads > 1 ? ', adaptive' : ''})`;
  }

  async trainStep(x: Int32Array, y: Int32Array, B: number, T: number, o: StepOptions): Promise<number> {
    const loss = this.kernel.trainStep(this.model, this.params, this.grads, x, y, B, T, o.dropout, o.seed >>> 0);
    this.t += 1;
    this.kernel.adam(
      this.params,
      this.grads,
      this.m,
      this.v,
      o.lr,
      ADAM.beta1,
      ADAM.beta2,
      ADAM.epsilon,
      this.t,
      o.clipNorm,
    );
    return loss;
  }

  /** Loss and gradients without an update (for checking the kernel against references). */
  gradients(
    x: Int32Array,
    y: Int32Array,
    B: number,
    T: number,
    dropout = 0,
    seed = 0,
  ): { loss: number; grads: Weights } {
    const loss = this.kernel.trainStep(this.model, this.params, this.grads, x, y, B, T, dropout, seed);
    return { loss, grads: this.view(this.grads) };
  }

  /** Turns the adaptive thread count on or off for this model (benchmarks compare both). */
  adaptThreads(on: boolean): void {
    this.kernel.setAdaptive(this.model, on);
  }

  /** Threads training steps use now (adaptive unless NIB_THREADS is set), and how often it changed. */
  threads(): { width: number; switches: number } {
    return this.kernel.threadInfo(this.model);
  }

  /** Where training time went since the last call (needs NIB_KERNEL_PROFILE=1 before creation). */
  profile(): { phase: string; seconds: number }[] {
    return this.kernel.profile(this.model);
  }

  async evaluate(x: Int32Array, y: Int32Array, B: number, T: number): Promise<number> {
    return this.kernel.evaluate(this.model, this.params, x, y, B, T);
  }

  async logits(x: Int32Array, B: number, T: number): Promise<Float32Array> {
    const out = new Float32Array(B * T * this.spec.vocab.length);
    this.kernel.logits(this.model, this.params, x, B, T, out);
    return out;
  }

  private view(flat: Float32Array): NamedArray[] {
    return viewFlat(this.layout, flat);
  }

  getWeights(): Weights {
    return this.view(this.params);
  }

  setWeights(w: Weights): void {
    checkWeights(this.spec, w);
    w.forEach((a, i) => this.params.set(a.data, this.layout[i].offset));
  }

  getOptimizerState(): OptimizerState {
    return { t: this.t, m: this.view(this.m), v: this.view(this.v) };
  }

  setOptimizerState(s: OptimizerState): void {
    this.t = s.t;
    s.m.forEach((a, i) => this.m.set(a.data, this.layout[i].offset));
    s.v.forEach((a, i) => this.v.set(a.data, this.layout[i].offset));
  }

  dispose(): void {
    /* the native model is freed by its finaliser */
  }
}
