import { observe, type StepModel } from './suggest.ts';

/**
 * Linear interpolation of two models over the same vocabulary: p = λ·p_a + (1 − λ)·p_b. An LSTM
 * and an n-gram err differently (smooth generalisation against exact recall of rare strings), so
 * their mixture is often better than either.
 */
export class MixtureModel<A, B> implements StepModel<{ a: A; b: B }> {
  constructor(
    private readonly ma: StepModel<A>,
    private readonly mb: StepModel<B>,
    readonly lambda: number,
  ) {}

  probs(s: { a: A; b: B }): Float32Array {
    const pa = this.ma.probs(s.a);
    const pb = this.mb.probs(s.b);
    const out = new Float32Array(pa.length);
    for (let i = 0; i < pa.length; i++) out[i] = this.lambda * pa[i] + (1 - this.lambda) * pb[i];
    return out;
  }

  step(s: { a: A; b: B }, token: number): void {
    this.ma.step(s.a, token);
    this.mb.step(s.b, token);
  }

  observe(s: { a: A; b: B }, token: number): void {
    observe(this.ma, s.a, token);
    observe(this.mb, s.b, token);
  }

  clone(s: { a: A; b: B }): { a: A; b: B } {
    return { a: this.ma.clone(s.a), b: this.mb.clone(s.b) };
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
