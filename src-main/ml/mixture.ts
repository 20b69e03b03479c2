import {
  copyWeight,
  MIX_ADAPT,
  sideParts,
  startWeight,
  startWeights,
  updateWeight,
  type MixAdapt,
  type MixSide,
  type MixWeight,
} from './mix-weight.ts';
import { observe, type StepModel } from './suggest.ts';

export interface MixState<A, B> {
  a: A;
  b: B;
  /** The weights as the text so far has moved them (ml/mix-weight.ts); absent: the starting ones, until a character is typed. */
  w?: MixWeight;
  /** Every part's distribution at this state, kept from `probs` for `observe` (cleared by any step). */
  p?: Float32Array[];
}

/**
 * Linear interpolation of models over the same vocabulary: p = λ·p_a + (1 − λ)·p_b. An LSTM
 * and an n-gram err differently (smooth generalisation against exact recall of rare strings), so
 * their mixture is often better than either. Where the second is a pair of n-grams (the writer's
 * and the base's, ml/ngram-pair.ts) each of its parts is a part of the mixture, starting at its
 * share (1 − λ)·μ. The weights start there and follow the typed text (ml/mix-weight.ts), unless
 * `adapt` is null.
 */
export class MixtureModel<A, B> implements StepModel<MixState<A, B>> {
  /** The starting weights of the parts: the first model's λ, then the second's part or parts. */
  readonly start: readonly number[];

  constructor(
    private readonly ma: StepModel<A>,
    private readonly mb: MixSide<B>,
    readonly lambda: number,
    private readonly adapt: MixAdapt | null = MIX_ADAPT,
  ) {
    this.start = startWeights(lambda, mb);
  }

  /** The distribution of each part at `s`, kept in it. */
  private parts(s: MixState<A, B>): Float32Array[] {
    return (s.p ??= [this.ma.probs(s.a), ...sideParts(this.mb, s.b)]);
  }

  probs(s: MixState<A, B>): Float32Array {
    const p = this.parts(s);
    const w = s.w?.w ?? this.start;
    const out = new Float32Array(p[0].length);
    for (let i = 0; i < out.length; i++) {
      let x = 0;
      for (let k = 0; k < p.length; k++) x += w[k] * p[k][i];
      out[i] = x;
    }
    return out;
  }

  step(s: MixState<A, B>, token: number): void {
    this.ma.step(s.a, token);
    this.mb.step(s.b, token);
    s.p = undefined;
  }

  observe(s: MixState<A, B>, token: number): void {
    if (this.adapt) {
      const w = (s.w ??= startWeight(this.start, this.adapt));
      updateWeight(
        w,
        this.parts(s).map((p) => p[token]),
        this.adapt,
      );
    }
    observe(this.ma, s.a, token);
    observe(this.mb, s.b, token);
    s.p = undefined;
  }

  clone(s: MixState<A, B>): MixState<A, B> {
    // The kept distributions are never written to, so the copy may share them until it steps.
    return {
      a: this.ma.clone(s.a),
      b: this.mb.clone(s.b),
      w: s.w && copyWeight(s.w),
      p: s.p,
    };
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
