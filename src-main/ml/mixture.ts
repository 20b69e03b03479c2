import { MIX_ADAPT, startWeight, updateWeight, type MixAdapt, type MixWeight } from './mix-weight.ts';
import { observe, type StepModel } from './suggest.ts';

export interface MixState<A, B> {
  a: A;
  b: B;
  /** The weight as the text so far has moved it (ml/mix-weight.ts); absent: `lambda`, until a character is typed. */
  w?: MixWeight;
  /** Both models' distributions at this state, kept from `probs` for `observe` (cleared by any step). */
  pa?: Float32Array;
  pb?: Float32Array;
}

/**
 * Linear interpolation of two models over the same vocabulary: p = λ·p_a + (1 − λ)·p_b. An LSTM
 * and an n-gram err differently (smooth generalisation against exact recall of rare strings), so
 * their mixture is often better than either. λ starts at `lambda` and follows the typed text
 * (ml/mix-weight.ts), unless `adapt` is null.
 */
export class MixtureModel<A, B> implements StepModel<MixState<A, B>> {
  constructor(
    private readonly ma: StepModel<A>,
    private readonly mb: StepModel<B>,
    readonly lambda: number,
    private readonly adapt: MixAdapt | null = MIX_ADAPT,
  ) {}

  probs(s: MixState<A, B>): Float32Array {
    const pa = (s.pa ??= this.ma.probs(s.a));
    const pb = (s.pb ??= this.mb.probs(s.b));
    const l = s.w?.lambda ?? this.lambda;
    const out = new Float32Array(pa.length);
    for (let i = 0; i < pa.length; i++) out[i] = l * pa[i] + (1 - l) * pb[i];
    return out;
  }

  step(s: MixState<A, B>, token: number): void {
    this.ma.step(s.a, token);
    this.mb.step(s.b, token);
    s.pa = s.pb = undefined;
  }

  observe(s: MixState<A, B>, token: number): void {
    if (this.adapt) {
      const w = (s.w ??= startWeight(this.lambda, this.adapt));
      updateWeight(w, (s.pa ?? this.ma.probs(s.a))[token], (s.pb ?? this.mb.probs(s.b))[token], this.adapt);
    }
    observe(this.ma, s.a, token);
    observe(this.mb, s.b, token);
    s.pa = s.pb = undefined;
  }

  clone(s: MixState<A, B>): MixState<A, B> {
    // The kept distributions are never written to, so the copy may share them until it steps.
    return { a: this.ma.clone(s.a), b: this.mb.clone(s.b), w: s.w && { ...s.w }, pa: s.pa, pb: s.pb };
  }
}

/**
 * The weight λ (from 0.05 to 0.95) that gives `ids` the lowest cross-entropy, reading both models
 * once: each model's probability of every next token is computed a single time.
 */
export function fitLambda<A, B>(ma: StepModel<A>, a0: A, mb: StepModel<B>, b0: B, ids: ArrayLike<number>): number {
  const sa = ma.clone(a0);
  const sb = mb.clone(b0);
  const pa: number[] = [];
  const pb: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    pa.push(ma.probs(sa)[ids[i]]);
    pb.push(mb.probs(sb)[ids[i]]);
    ma.step(sa, ids[i]);
    mb.step(sb, ids[i]);
  }
  let best = 0.5;
  let bestLoss = Infinity;
  for (let l = 0.05; l < 0.96; l += 0.05) {
    let loss = 0;
    for (let i = 0; i < pa.length; i++) loss -= Math.log(l * pa[i] + (1 - l) * pb[i]);
    if (loss < bestLoss) {
      bestLoss = loss;
      best = Math.round(l * 100) / 100;
    }
  }
  return best;
}
