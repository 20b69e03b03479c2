/**
 * The weights of a mixture's parts (the LSTM first), following the text as it is written. Which
 * model predicts better changes within a document: in a manual, a passage of prose suits the LSTM
 * and the next block of commands and paths, which the corpus n-gram has seen verbatim, suits the
 * n-gram (the weight fitted on one 3,000-character stretch of Debian's manuals was 0.05 on one and
 * 0.6 on another). So the weights are re-estimated after every character the writer types: online
 * EM with forgetting, each character's responsibility r_k = w_k·p_k / Σ_j w_j·p_j (how much of its
 * probability part k gave) averaged over the recent text, w_k = Σ fᵗ·r_k / Σ fᵗ, starting from the
 * weights fitted for the model (ml/mixture.ts fitLambda) with the strength of `prior` characters.
 * Only typed text moves them, never a suggestion being looked ahead.
 *
 * Two parts (the LSTM and the corpus's n-gram) or three (with the base's n-gram beside it,
 * ml/ngram-pair.ts): one weight vector over all three reads the drafts 0.008–0.028 bits/char lower
 * than the LSTM's weight following the text over a pair whose split stays as fitted (bench/README.md,
 * "One weight for three parts"): which n-gram knows the next words changes within a document too.
 *
 * Settings, measured by keystrokes at ≥ 50% precision on the three `bench:personal` corpora
 * (bench/README.md "A mixture weight that follows the text"): forgetting 0.98 (about the last 50
 * characters, a sentence) — 0.9 to 0.995 all measured within a few tenths of a point of each other;
 * on technical text +1.5–2 points over the best fixed weight, on prose the same as the fixed weight.
 */
import { commonPrefix } from './document-cache.ts';
import { ngramContext } from './ngram.ts';
import type { NgramLike } from './ngram-pair.ts';
import type { StepModel } from './suggest.ts';
import type { CharTokenizer } from './tokenizer.ts';

export interface MixAdapt {
  /** Each earlier character's weight shrinks by this factor per character typed since. */
  forget: number;
  /** How many characters' worth the starting weights count for. */
  prior: number;
  /** The least weight of any part: no model is ever switched off entirely. */
  min: number;
}

export const MIX_ADAPT: Readonly<MixAdapt> = { forget: 0.98, prior: 10, min: 0.02 };

export interface MixWeight {
  /** The current weight of each part, summing to 1; `w[0]` is the LSTM's (λ). */
  w: number[];
  /** Σ fᵗ·r_k per part and Σ fᵗ over the characters read (the prior included). */
  num: number[];
  den: number;
}

export function startWeight(w0: readonly number[], a: MixAdapt = MIX_ADAPT): MixWeight {
  return { w: w0.slice(), num: w0.map((x) => a.prior * x), den: a.prior };
}

/** Reads one character that part k gave probability `p[k]`; in place. */
export function updateWeight(w: MixWeight, p: ArrayLike<number>, a: MixAdapt = MIX_ADAPT): void {
  let mixed = 0;
  for (let k = 0; k < w.w.length; k++) mixed += w.w[k] * p[k];
  // No part saw it coming (all ~0): it says nothing about which is better.
  for (let k = 0; k < w.w.length; k++)
    w.num[k] = a.forget * w.num[k] + (mixed > 1e-30 ? (w.w[k] * p[k]) / mixed : w.w[k]);
  w.den = a.forget * w.den + 1;
  floored(
    w.num.map((x) => x / w.den),
    a.min,
    w.w,
  );
}

/**
 * `raw` (summing to 1) with every part at least `min`: those below are raised to it and the rest
 * scaled down to make room, so with two parts it is λ clamped to [min, 1 − min].
 */
function floored(raw: number[], min: number, out: number[]): void {
  const low = raw.map((x) => x < min);
  // Scaling the others down may take one of them below the floor too: then again, at most once per part.
  for (let round = 0; round < raw.length; round++) {
    let lowCount = 0;
    let highSum = 0;
    for (let k = 0; k < raw.length; k++) {
      if (low[k]) lowCount++;
      else highSum += raw[k];
    }
    const scale = highSum > 0 ? (1 - lowCount * min) / highSum : 0;
    let again = false;
    for (let k = 0; k < raw.length; k++) {
      out[k] = low[k] ? min : raw[k] * scale;
      if (!low[k] && out[k] < min) again = low[k] = true;
    }
    if (!again) return;
  }
}

/** A copy that moves on its own (a suggestion's look-ahead, one document's suggestion state). */
export function copyWeight(w: MixWeight): MixWeight {
  return { w: w.w.slice(), num: w.num.slice(), den: w.den };
}

/** A mixture's second side: a model, or n-grams read as one (ml/ngram-pair.ts) whose parts are weighed one by one. */
export type MixSide<B> = StepModel<B> & Partial<Pick<NgramLike, 'parts' | 'partWeights'>>;

/** What a mixture's second side gives at `state`: its parts' distributions, or its own. */
export function sideParts<B>(side: MixSide<B>, state: B): Float32Array[] {
  return side.parts ? side.parts.map((p) => p.distribution(state as ArrayLike<number>)) : [side.probs(state)];
}

/** The starting weights of the LSTM at `lambda` beside `ng`: its parts share 1 − λ as they are weighted in it. */
export function startWeights(lambda: number, ng: { partWeights?: readonly number[] }): number[] {
  return [lambda, ...(ng.partWeights ?? [1]).map((x) => (1 - lambda) * x)];
}

/**
 * The weights of one open document's mixture in the app, where the LSTM's state is kept by
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
    readonly ngram: NgramLike,
    private readonly tok: CharTokenizer,
  ) {
    this.w = startWeight(startWeights(lambda, ngram));
  }

  /** A copy of the current weights, for one suggestion's mixture state. */
  get weight(): MixWeight {
    return copyWeight(this.w);
  }

  begin(text: string): void {
    this.from = commonPrefix(this.read, text);
    this.read = text;
  }

  /** DocumentState's hook: the character `id` at UTF-16 offset `pos`, the LSTM in `before` just before it. */
  readonly onChar = (pos: number, before: A, id: number): void => {
    if (pos !== this.ctxPos) this.ctx = ngramContext(this.ngram.order, this.tok, this.read.slice(0, pos));
    if (pos >= this.from)
      updateWeight(this.w, [this.lstm.probs(before)[id], ...sideParts(this.ngram, this.ctx).map((p) => p[id])]);
    this.ngram.step(this.ctx, id);
    this.ctxPos = pos + ((this.read.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1); // where the next character starts
  };
}
