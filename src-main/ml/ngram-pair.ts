import type { StepModel } from './suggest.ts';

/** What a mixture needs of an n-gram (ml/ngram.ts NgramModel, or a pair of them): its state is the last order − 1 ids. */
export interface NgramLike extends StepModel<number[]> {
  readonly order: number;
  readonly vocab: string[];
  distribution(context: ArrayLike<number>): Float32Array;
  /** Where it is several n-grams read as one: them and their weights, which a mixture re-weighs as the text goes (ml/mix-weight.ts). */
  readonly parts?: readonly NgramLike[];
  readonly partWeights?: readonly number[];
}

/**
 * Two character n-grams over one vocabulary read as one: p = μ·p_a + (1 − μ)·p_b, μ fixed. The
 * writer's corpus n-gram knows their names and phrases; the n-gram shipped with the base (15 M
 * characters of public English) knows common turns that a few hundred thousand characters of
 * theirs have not shown it (bench/README.md, "The base with its own n-gram"). Mixed with an LSTM,
 * the pair stands where the corpus n-gram stood (ml/mixture.ts), μ fitted once, on held-out text,
 * where the source is chosen; there its parts then get weights of their own, which follow the text
 * as the LSTM's does (ml/mix-weight.ts), starting from λ and μ. Alone (a source of 'ngram') μ stays.
 */
export class NgramPair implements NgramLike {
  readonly order: number;
  readonly vocab: string[];
  readonly parts: readonly NgramLike[];
  readonly partWeights: readonly number[];

  constructor(
    readonly a: NgramLike,
    readonly b: NgramLike,
    /** The weight of `a`. */
    readonly mu: number,
  ) {
    if (a.vocab.length !== b.vocab.length || a.vocab.some((c, i) => c !== b.vocab[i]))
      throw new Error('an n-gram pair needs one vocabulary');
    this.order = Math.max(a.order, b.order);
    this.vocab = a.vocab;
    this.parts = [a, b];
    this.partWeights = [mu, 1 - mu];
  }

  distribution(context: ArrayLike<number>): Float32Array {
    const pa = this.a.distribution(context);
    const pb = this.b.distribution(context);
    const out = new Float32Array(pa.length);
    for (let i = 0; i < pa.length; i++) out[i] = this.mu * pa[i] + (1 - this.mu) * pb[i];
    return out;
  }

  probs(state: number[]): Float32Array {
    return this.distribution(state);
  }

  step(state: number[], token: number): void {
    state.push(token);
    if (state.length >= this.order) state.splice(0, state.length - (this.order - 1));
  }

  clone(state: number[]): number[] {
    return state.slice();
  }
}
