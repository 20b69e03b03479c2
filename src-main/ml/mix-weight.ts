/**
 * The weight of a mixture's first model (the LSTM), following the text as it is written. Which
 * model predicts better changes within a document: in a manual, a passage of prose suits the LSTM
 * and the next block of commands and paths, which the corpus n-gram has seen verbatim, suits the
 * n-gram (the weight fitted on one 3,000-character stretch of Debian's manuals was 0.05 on one and
 * 0.6 on another). So the weight is re-estimated after every character the writer types: online
 * EM with forgetting, each character's responsibility r = λ·p_a / (λ·p_a + (1 − λ)·p_b) (how much
 * of its probability the first model gave) averaged over the recent text, λ = Σ fᵏ·r / Σ fᵏ, starting
 * from the weight fitted for the model (ml/mixture.ts fitLambda) with the strength of `prior`
 * characters. Only typed text moves it, never a suggestion being looked ahead.
 *
 * Settings, measured by keystrokes at ≥ 50% precision on the three `bench:personal` corpora
 * (bench/README.md "A mixture weight that follows the text"): forgetting 0.98 (about the last 50
 * characters, a sentence) — 0.9 to 0.995 all measured within a few tenths of a point of each other;
 * on technical text +1.5–2 points over the best fixed weight, on prose the same as the fixed weight.
 */
import { commonPrefix } from './document-cache.ts';
import { ngramContext } from './ngram.ts';
import type { StepModel } from './suggest.ts';
import type { CharTokenizer } from './tokenizer.ts';

export interface MixAdapt {
  /** Each earlier character's weight shrinks by this factor per character typed since. */
  forget: number;
  /** How many characters' worth the starting weight counts for. */
  prior: number;
  /** Bounds of λ: neither model is ever switched off entirely. */
  min: number;
  max: number;
}

export const MIX_ADAPT: Readonly<MixAdapt> = { forget: 0.98, prior: 10, min: 0.02, max: 0.98 };

export interface MixWeight {
  /** The current weight of the first model. */
  lambda: number;
  /** Σ fᵏ·r and Σ fᵏ over the characters read (the prior included). */
  num: number;
  den: number;
}

export function startWeight(lambda: number, a: MixAdapt = MIX_ADAPT): MixWeight {
  return { lambda, num: a.prior * lambda, den: a.prior };
}

/** Reads one character that the first model gave probability `pa` and the second `pb`; in place. */
export function updateWeight(w: MixWeight, pa: number, pb: number, a: MixAdapt = MIX_ADAPT): void {
  const mixed = w.lambda * pa + (1 - w.lambda) * pb;
  // Neither model saw it coming (both ~0): it says nothing about which is better.
  const r = mixed > 1e-30 ? (w.lambda * pa) / mixed : w.lambda;
  w.num = a.forget * w.num + r;
  w.den = a.forget * w.den + 1;
  w.lambda = Math.min(a.max, Math.max(a.min, w.num / w.den));
}

/**
 * The weight of one open document's mixture in the app, where the LSTM's state is kept by
 * DocumentState and the n-gram reads only the text's last characters. `begin(text)` before
 * DocumentState.update(text, tracker.onChar) marks where the new text starts; `onChar` then gets
 * each character DocumentState feeds, with the LSTM's state before it. Characters fed again after
 * an edit (DocumentState rolls back to a snapshot) were counted already and are skipped: as for
 * the document cache, what the writer wrote stays counted. The same update as MixtureModel.observe
 * in `nib eval`, so the app suggests as measured (test/mix-weight.test.ts).
 */
export class MixWeightTracker<A> {
  private read = '';
  private from = 0;
  private readonly w: MixWeight;
  /** The n-gram's context (its last order − 1 token ids) before the character at `ctxPos`. */
  private ctx: number[] = [];
  private ctxPos = -1;

  constructor(
    lambda: number,
    private readonly lstm: { probs(s: A): Float32Array },
    readonly ngram: StepModel<number[]> & { order: number },
    private readonly tok: CharTokenizer,
  ) {
    this.w = startWeight(lambda);
  }

  /** A copy of the current weight, for one suggestion's mixture state. */
  get weight(): MixWeight {
    return { ...this.w };
  }

  begin(text: string): void {
    this.from = commonPrefix(this.read, text);
    this.read = text;
  }

  /** DocumentState's hook: the character `id` at UTF-16 offset `pos`, the LSTM in `before` just before it. */
  readonly onChar = (pos: number, before: A, id: number): void => {
    if (pos !== this.ctxPos) this.ctx = ngramContext(this.ngram.order, this.tok, this.read.slice(0, pos));
    if (pos >= this.from) updateWeight(this.w, this.lstm.probs(before)[id], this.ngram.probs(this.ctx)[id]);
    this.ngram.step(this.ctx, id);
    this.ctxPos = pos + ((this.read.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1); // where the next character starts
  };
}
