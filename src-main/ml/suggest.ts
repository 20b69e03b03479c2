import type { CharTokenizer } from './tokenizer.ts';

/** What the policy needs of a model: next-token probabilities and a copyable state. */
export interface StepModel<S> {
  probs(state: S): Float32Array;
  step(state: S, token: number): void;
  clone(state: S): S;
  /**
   * The writer typed `token` (text that stays, not a suggestion being looked ahead). Models that
   * learn from the document so far (ml/document-cache.ts) record it; for others it is `step`.
   */
  observe?(state: S, token: number): void;
}

/** Reads a typed token into `state`: `observe` where the model has it, else `step`. */
export function observe<S>(model: StepModel<S>, state: S, token: number): void {
  if (model.observe) model.observe(state, token);
  else model.step(state, token);
}

export interface SuggestOptions {
  /** Longest suggestion, in characters. */
  maxChars: number;
  /** Most words in a suggestion, counting the completion of the word under the cursor. */
  maxWords: number;
  /** Smallest probability (under the model) that the writer types the suggestion's first word: the confidence bar. */
  threshold: number;
  /**
   * Creativity, 0–1 (default 0.5): how bold suggestions are. It moves the confidence bar: at 0.5 it
   * is `threshold`, at 0 four times higher (fewer, safer suggestions), at 1 four times lower (more
   * suggestions, more often wrong). A suggestion's length is chosen by `expectedSaving` at any bar.
   */
  creativity?: number;
  /**
   * How far a shown suggestion runs on: to the boundary that saves the most keystrokes on average
   * ('saving', the default), or — the rule before it, kept for `npm run bench:length` — as far as
   * its whole probability stays above the bar ('bar').
   */
  length?: 'saving' | 'bar';
  /**
   * Whether a suggestion whose last word (or closing full stop) is followed by a space as its
   * likeliest next character carries the space too (default true), so Tab leaves the cursor ready
   * for the next word, as a phone keyboard's word does; the editor takes the space back when a
   * closing mark, a line break or a space is typed next (ml/soft-space.ts). Off, Tab ends at the
   * word. Not with `length: 'bar'`.
   */
  trailingSpace?: boolean;
  /**
   * The bar where the cursor is not inside a word (the whole next word must clear it) as a multiple
   * of the bar inside one: `WORD_START_BAR` by default (1 with `length: 'bar'`, the earlier rule).
   */
  startScale?: number;
}

/**
 * Before a word the bar is this many times the bar inside one. A guess at the whole next word is
 * wrong more often than its probability says beside the completion of a word begun, and precision
 * counts every suggestion shown: asking more of the guesses at a word's start lets the measured bar
 * (ml/calibrate.ts) come down for the completions, shown at every key of a word. 2 saved 0.3–0.8
 * points more keystrokes than one bar on the four benchmark corpora at the same precision (1.5 a
 * little less, 2.5 and 3 the same), where a lower bar before a word saved fewer (bench/README.md
 * "A higher bar at a word's start", bench/word-start-bar.ts).
 */
export const WORD_START_BAR = 2;

/** The confidence bar a suggestion must clear at the options' creativity. */
export function effectiveThreshold(o: SuggestOptions): number {
  const c = Math.min(1, Math.max(0, o.creativity ?? 0.5));
  return Math.min(0.95, o.threshold * 4 ** (1 - 2 * c));
}

export const DEFAULT_SUGGEST: SuggestOptions = { maxChars: 48, maxWords: 4, threshold: 0.3 };

/**
 * When the writer asks for a suggestion (Alt+] with none shown) the bar is this share of the usual
 * one: a guess they asked for costs a glance if it is wrong, where an unasked one interrupts them,
 * so a first word half as likely as Nib's usual bar, and less, is still worth showing. A quarter
 * is as far as creativity itself lowers the bar.
 */
export const ASKED_BAR_SCALE = 0.25;

export interface Suggestion {
  text: string;
  /**
   * The model's probability that the writer types this: its text, and where it ends in a word, that
   * the word ends there (any non-letter next).
   */
  probability: number;
}

/**
 * How far decoding looks past the first word: while the continuation keeps this share of the first
 * word's probability. A heuristic bound on the work per keystroke: words that unlikely rarely pay
 * for the Ctrl+→ their being wrong costs; 0.005 and 0.02 gave the same keystroke savings on the
 * benchmark's text.
 */
const LOOK_AHEAD = 0.02;

/** A suggestion's words with their leading white space, as Ctrl+→ accepts them: "ing the" → ["ing", " the"]. */
export function suggestionWords(s: string): string[] {
  return s.match(/\s*\S+/g) ?? [];
}

/**
 * The keystrokes a suggestion saves on average, for a writer who takes it whole with Tab (one key)
 * when all of it is right, else its right leading words with Ctrl+→ (one key each), else types on
 * (ml/typing-sim.ts). `prefixes` are the decoded boundaries in order, each with the probability
 * that the writer types it; the suggestion is `prefixes[end]`. If the first j of its m words are
 * right but not the next (probability P_j − P_{j+1}) it saves len_j − j; if all are, len_m − 1.
 * A trailing space counts as one more word.
 */
export function expectedSaving(prefixes: readonly Suggestion[], end: number): number {
  const text = prefixes[end].text;
  // Its words, and a trailing space as one more part: Tab takes it with the words, Ctrl+→ the words
  // alone (one key each), so a wrong space costs the Ctrl+→ beyond the first that Tab would have
  // saved, and a right one saves a key.
  const words = text.match(/\s*\S+|\s+$/g) ?? [];
  // P_j: the probability of the first j words, read off the shortest boundary that contains them.
  const prob = (j: number): number => {
    const head = words.slice(0, j).join('');
    for (let k = 0; k <= end; k++)
      if (prefixes[k].text.length >= head.length && prefixes[k].text.startsWith(head)) return prefixes[k].probability;
    return prefixes[end].probability;
  };
  let saved = prefixes[end].probability * (Array.from(text).length - 1);
  let len = 0;
  let pj = prob(1);
  for (let j = 1; j < words.length; j++) {
    len += Array.from(words[j - 1]).length;
    const next = prob(j + 1);
    saved += (pj - next) * (len - j);
    pj = next;
  }
  return saved;
}

/** What a word is made of: letters, digits, apostrophes and hyphens ("don’t", "well-known"). */
const WORD_CHAR = /[\p{L}\p{N}'’-]/u;
const WORD = /[\p{L}\p{N}'’-]+/gu;
const enders = new WeakMap<CharTokenizer, number[]>();

/** The vocabulary's ids that end a word when they follow one: anything but a letter, digit, apostrophe or hyphen (nor the unknown symbol). */
function wordEnders(tok: CharTokenizer): number[] {
  let ids = enders.get(tok);
  if (!ids) {
    ids = tok.vocab.flatMap((ch, id) => (id !== tok.unk && !WORD_CHAR.test(ch) ? [id] : []));
    enders.set(tok, ids);
  }
  return ids;
}

/** The likeliest next token that is not the unknown symbol (greedy decoding's choice). */
function likeliest(probs: Float32Array, tok: CharTokenizer): number {
  let id = -1;
  for (let k = 0; k < probs.length; k++) if (k !== tok.unk && (id < 0 || probs[k] > probs[id])) id = k;
  return id;
}

function sumAt(probs: Float32Array, ids: readonly number[]): number {
  let s = 0;
  for (const id of ids) s += probs[id];
  return s;
}

const SENTENCE_END = new Set(['.', '!', '?']);
const PHRASE_END = new Set([',', ';', ':', ')', '"', '”', '’']);

/**
 * The continuation the editor shows: greedy decoding from the model's distribution, cut at a
 * natural boundary (the end of a word, phrase or sentence). Shown only if its first word is likely
 * enough (the confidence bar: the writer's chance that it is right); then as long as the
 * keystrokes it saves on average are highest (`expectedSaving`): a second word costs nothing
 * when it is wrong (Ctrl+→ takes the first for the same one key as Tab), a third or later pays if
 * it is right often enough to outweigh the extra Ctrl+→ its being wrong costs. Never crosses a
 * line break, never contains the unknown symbol, never repeats the word before it ("the the").
 * Empty when not confident. `before` is the text before the cursor (its last few words are enough).
 *
 * Measured against the earlier rule (every word above the bar too), at the same precision: 13.2% →
 * 17.6% of keystrokes saved on the fiction benchmark, 17.7% → 21.8% on speeches; "Suggestion
 * length" in bench/README.md. A best-first search over word boundaries (the likeliest *word* rather
 * than the likeliest next character) was measured against greedy decoding and did not do better at
 * the same precision; see "Search over word boundaries" there.
 */
export function suggest<S>(
  runner: StepModel<S>,
  tok: CharTokenizer,
  state: S,
  o: SuggestOptions = DEFAULT_SUGGEST,
  before = '',
): Suggestion {
  return decode(runner, tok, state, o, null, before);
}

/**
 * Up to `n` different suggestions for Alt+] / Alt+[: greedy decoding as in `suggest`, started from
 * each of the `n` likeliest next characters.
 */
export function suggestAlternatives<S>(
  runner: StepModel<S>,
  tok: CharTokenizer,
  state: S,
  o: SuggestOptions = DEFAULT_SUGGEST,
  n = 3,
  before = '',
): Suggestion[] {
  // The first is exactly `suggest`'s answer (what `nib eval` measures); the others follow by probability.
  const best = decode(runner, tok, state, o, null, before);
  if (n <= 1) return best.text ? [best] : [];
  const probs = runner.probs(state);
  const others: Suggestion[] = [];
  // The likeliest first character is where the greedy decode above started: skip it, don't redo it.
  const firsts = Array.from(probs.keys())
    .filter((id) => id !== tok.unk)
    .sort((a, b) => probs[b] - probs[a])
    .slice(1, n);
  for (const id of firsts) {
    const s = decode(runner, tok, state, o, id, before);
    if (s.text && s.text !== best.text && !others.some((x) => x.text === s.text)) others.push(s);
  }
  others.sort((a, b) => b.probability - a.probability);
  return (best.text ? [best, ...others] : others).slice(0, n);
}

/** The last `n` words of a text, lower-cased. */
function lastWords(text: string, n: number): string[] {
  return (text.slice(-80).toLowerCase().match(WORD) ?? []).slice(-n);
}

/** How many words the text's ending repeats: 1 for "the the", 2 for "of the of the", else 0. */
function repeats(words: string[]): number {
  const k = words.length;
  if (k >= 2 && words[k - 1] === words[k - 2]) return 1;
  return k >= 4 && words[k - 1] === words[k - 3] && words[k - 2] === words[k - 4] ? 2 : 0;
}

function decode<S>(
  runner: StepModel<S>,
  tok: CharTokenizer,
  state: S,
  o: SuggestOptions,
  forcedFirst: number | null,
  before: string,
): Suggestion {
  return readDecode(new DecodeTrace(runner, tok, state, forcedFirst), tok, o, before);
}

/**
 * The model's side of greedy decoding from one state: step k is the likeliest token after the
 * first k (the first may be forced) with what the policy reads off its distribution. Steps are
 * computed when first asked for and kept, so the policy at several confidence bars reads one
 * decode (ml/typing-sim.ts measures many bars in one pass): a bar only decides how far the policy
 * reads, never what the model says. Read it before the writer's next character is observed: a
 * model that learns from the document (ml/document-cache.ts) keeps what it learned on itself, not
 * in the state this clones, so steps computed after an `observe` would see the later document.
 */
export class DecodeTrace<S> {
  private readonly steps: { id: number; p: number; end: number }[] = [];
  private readonly s: S;
  private readonly ends: number[];
  constructor(
    private readonly runner: StepModel<S>,
    private readonly tok: CharTokenizer,
    state: S,
    private readonly forcedFirst: number | null = null,
  ) {
    this.s = runner.clone(state);
    this.ends = wordEnders(tok);
  }

  /** Step k: its token, that token's probability, and the probability that a word ends there (any word ender next). */
  at(k: number): { id: number; p: number; end: number } {
    while (this.steps.length <= k) {
      const n = this.steps.length;
      if (n > 0) this.runner.step(this.s, this.steps[n - 1].id);
      const probs = this.runner.probs(this.s);
      const id = n === 0 && this.forcedFirst !== null ? this.forcedFirst : likeliest(probs, this.tok);
      this.steps.push({ id, p: probs[id], end: sumAt(probs, this.ends) });
    }
    return this.steps[k];
  }
}

/**
 * The bars (effective, `effectiveThreshold`) at which a decode read at one bar reads the same: every
 * comparison the policy made with the bar comes out the same for any bar t with lo < t ≤ hi, so it
 * takes the same path to the same suggestion.
 */
export interface BarRange {
  lo: number;
  hi: number;
}

/**
 * The suggestion `suggest` makes from a decode at the options' bar. Several bars can read one
 * `DecodeTrace`: each gets exactly what `suggest` gives it alone. If `range` is given it is narrowed
 * to the bars that would read the same (start it at {lo: -Infinity, hi: Infinity}).
 */
export function readDecode<S>(
  trace: DecodeTrace<S>,
  tok: CharTokenizer,
  o: SuggestOptions,
  before: string,
  range?: BarRange,
): Suggestion {
  const byBar = o.length === 'bar';
  // Does the cursor stand inside a word? Then the first word of the suggestion completes it.
  const inWord = WORD_CHAR.test(before.slice(-1));
  const scale = inWord ? 1 : (o.startScale ?? (byBar ? 1 : WORD_START_BAR));
  const bar = effectiveThreshold(o);
  const context = lastWords(before, 3);
  if (inWord) context.pop();
  const partial = inWord ? ([...before.slice(-80).matchAll(WORD)].pop()?.[0] ?? '') : '';
  let out = '';
  let p = 1;
  let best: Suggestion = { text: '', probability: 1 };
  /** Every boundary kept so far, so a repeat can be cut back to where it began. */
  const kept: Suggestion[] = [best];
  let words = 0;
  /** The probability of the first word, once it has ended (at the first white space). */
  let first = 0;
  /** A word boundary: keep `out` (with probability q) as the best so far, unless it ends in a repeat (then cut it off). */
  const boundary = (q: number): boolean => {
    const r = repeats([...context, ...lastWords(partial + out, 8)].slice(-6));
    if (r > 0) {
      // Cut back to before the repeat's second half ("the" of "the the", "of the" of "of the of the").
      const ms = [...(partial + out).matchAll(WORD)];
      const start = ms.length >= r ? ms[ms.length - r].index - partial.length : -1;
      let k = kept.length - 1;
      while (k > 0 && kept[k].text.length > start) k--;
      best = kept[k];
      return false;
    }
    // A phrase mark and the space after it are one boundary ("of," then " "), kept once.
    if (kept[kept.length - 1].text !== out) kept.push({ text: out, probability: q });
    best = kept[kept.length - 1];
    return true;
  };
  // Until the first word has ended the bar decides whether anything is shown (so every candidate's
  // first word clears it); past it, decoding goes on while a longer suggestion could still pay.
  /** Is `x` below the floor? Where the floor is the bar, notes which bars answer the same. */
  const below = (x: number): boolean => {
    if (words > 0 && !byBar) return x < first * LOOK_AHEAD;
    // Compared as x / scale against the bar, not x against bar × scale: the range noted is then
    // exactly the bars that answer the same, with no rounding between the two.
    const v = x / scale;
    const under = v < bar;
    if (range) {
      if (under) range.lo = Math.max(range.lo, v);
      else range.hi = Math.min(range.hi, v);
    }
    return under;
  };
  const space = !byBar && o.trailingSpace !== false ? tok.id(' ') : -1;
  /** A word or mark followed by a likely space: the suggestion with the space is a boundary too (`expectedSaving` weighs it). */
  const withSpace = (q: number) => {
    if (below(q) || Array.from(out).length >= o.maxChars) return;
    kept.push({ text: out + ' ', probability: q });
    best = kept[kept.length - 1];
  };
  for (let i = 0; i < o.maxChars; i++) {
    const step = trace.at(i);
    const id = step.id;
    const ch = tok.vocab[id];
    const lineEnd = ch === '\n' || ch === '\r';
    const afterWord = /[\p{L}\p{N}]$/u.test(out);
    // The writer's word is right whatever follows it that is not a letter ("cat" before a space, a
    // comma or a full stop), so a word counts with the probability that it ends, not that the
    // greedy next character follows.
    const q = () => (byBar ? p * step.p : p * Math.min(1, step.end));
    // Any white space ends a word, as for Ctrl+→ (suggestionWords): a no-break space too ("oui !").
    if ((lineEnd || /\s/.test(ch)) && out.trim() !== '' && !/\s$/.test(out)) {
      const qw = q();
      if (below(qw) || !boundary(qw)) break;
      if (words++ === 0) first = qw;
      if (space >= 0 && id === space) withSpace(p * step.p);
      // A line end completes the word before it, but a suggestion never runs onto the next line.
      if (lineEnd || words >= o.maxWords) break;
    } else if (lineEnd) break;
    const mark = SENTENCE_END.has(ch) || PHRASE_END.has(ch);
    // Where a word may end, it is a suggestion too, whatever greedy decoding goes on with: before a
    // mark ("cat" as well as "cat,"), and anywhere in the first word ("ca" of America as well as
    // "can" of American), the one the bar is for. (Past the first word, a word ending where greedy
    // decoding does not end it is too unlikely to be worth showing.)
    if (!byBar && afterWord && !/\s/.test(ch) && (mark || words === 0)) {
      const qw = q();
      if (!below(qw) && !boundary(qw)) break;
    }
    p *= step.p;
    if (below(p)) break;
    out += ch;
    if (mark) {
      if (!boundary(p)) break;
      if (SENTENCE_END.has(ch)) {
        // The sentence's end is the suggestion's; one more step asks whether a space follows it
        // (the likeliest next character, as for a word's space).
        if (space >= 0) {
          const after = trace.at(i + 1);
          if (after.id === space) withSpace(p * after.p);
        }
        break;
      }
    }
  }
  if (best.text === '') return { text: '', probability: 0 };
  if (byBar) return best;
  // Of the boundaries up to the last one kept (a repeat cuts it back), the one that saves the most.
  const last = kept.indexOf(best);
  let pick = 1;
  let top = expectedSaving(kept, 1);
  for (let k = 2; k <= last; k++) {
    const e = expectedSaving(kept, k);
    if (e > top) [top, pick] = [e, k];
  }
  // One character ("a" ending "Ann", a lone opening quote) costs the Tab it saves: it can only
  // distract, so nothing is shown.
  if (top <= 0) return { text: '', probability: 0 };
  return kept[pick];
}
