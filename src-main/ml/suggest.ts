import type { CharTokenizer } from './tokenizer.ts';

/** What the policy needs of a model: next-token probabilities and a copyable state. */
export interface StepModel<S> {
  probs(state: S): Float32Array;
  step(state: S, token: number): void;
  clone(state: S): S;
}

export interface SuggestOptions {
  /** Longest suggestion, in characters. */
  maxChars: number;
  /** Most words in a suggestion, counting the completion of the word under the cursor. */
  maxWords: number;
  /** Smallest probability (under the model) that the writer types the whole suggestion. */
  threshold: number;
  /**
   * Creativity, 0–1 (default 0.5): how bold suggestions are. It moves the confidence bar: at 0.5 it
   * is `threshold`, at 0 four times higher (fewer, safer suggestions), at 1 four times lower (more
   * and longer ones, more often wrong).
   */
  creativity?: number;
  /**
   * How the continuation is found: 'greedy' (default) follows the likeliest character at each step;
   * 'best' searches every continuation whose probability clears the bar and shows the one that
   * saves the most keystrokes on average (measured against greedy: bench/search-vs-greedy.ts).
   */
  search?: 'best' | 'greedy';
}

/** The confidence bar a suggestion must clear at the options' creativity. */
export function effectiveThreshold(o: SuggestOptions): number {
  const c = Math.min(1, Math.max(0, o.creativity ?? 0.5));
  return Math.min(0.95, o.threshold * 4 ** (1 - 2 * c));
}

export const DEFAULT_SUGGEST: SuggestOptions = { maxChars: 48, maxWords: 4, threshold: 0.3 };

export interface Suggestion {
  text: string;
  /** The model's probability of exactly this continuation. */
  probability: number;
}

const SENTENCE_END = new Set(['.', '!', '?']);
const PHRASE_END = new Set([',', ';', ':', ')', '"', '”', '’']);

/**
 * The continuation the editor shows, cut at a natural boundary — the end of a word, phrase or
 * sentence — or empty when nothing is likely enough. Every word it shows was, with the words before
 * it, at least `threshold` likely (scaled by creativity). Never crosses a line break, never contains
 * the unknown symbol, never repeats the word before it ("the the"). `before` is the text before the
 * cursor (its last few words are enough).
 */
export function suggest<S>(runner: StepModel<S>, tok: CharTokenizer, state: S, o: SuggestOptions = DEFAULT_SUGGEST, before = ''): Suggestion {
  if (o.search !== 'best') return decode(runner, tok, state, o, null, before);
  const [best] = searchCandidates(runner, tok, state, o, before);
  return best ? { text: best.text, probability: best.probability } : { text: '', probability: 0 };
}

/**
 * Up to `n` different suggestions for Alt+] / Alt+[, the first being exactly `suggest`'s answer
 * (what `nib eval` measures), each of the others starting with a different word.
 */
export function suggestAlternatives<S>(runner: StepModel<S>, tok: CharTokenizer, state: S, o: SuggestOptions = DEFAULT_SUGGEST, n = 3, before = ''): Suggestion[] {
  if (o.search !== 'best') return greedyAlternatives(runner, tok, state, o, n, before);
  const out: Suggestion[] = [];
  const firsts = new Set<string>();
  for (const c of searchCandidates(runner, tok, state, o, before)) {
    const first = (c.text.match(/^\s*\S+/) ?? [c.text])[0];
    if (firsts.has(first)) continue;
    firsts.add(first);
    out.push({ text: c.text, probability: c.probability });
    if (out.length >= n) break;
  }
  return out;
}

/** A continuation the search found, with what it is worth to the writer. */
interface Candidate extends Suggestion {
  /** Keystrokes it saves on average (see `searchCandidates`). */
  saves: number;
  /** Probability that its first word is right. */
  first: number;
}

/** A node of the search: a continuation, lazily given the model state after it. */
interface SearchNode<S> {
  text: string;
  p: number;
  token: number;
  parent: SearchNode<S> | null;
  state: S | null;
  /** Words completed (ended by white space). */
  words: number;
  /** Boundaries so far: how long the text was at the last one, and the sum Σ P_j·(len_j − 1). */
  boundaries: number;
  lastLength: number;
  gain: number;
  first: number;
}

/** Steps the search may take per suggestion: each is one model step, ~0.2 ms for the base model. */
const SEARCH_STEPS = 64;

/**
 * Every continuation at a boundary whose probability clears the bar, best first. The search is
 * best-first by probability (a max-heap), so it visits likely continuations before unlikely ones
 * and, because extending a text can only lower its probability, never needs to look below the bar.
 * Greedy decoding follows the likeliest *character*; the likeliest *word* can start with a less
 * likely one ("the U|nited" over "the s…" when no single s-word is likely), and a long word that is
 * nearly as likely as a short one saves more typing.
 *
 * Candidates are ranked by the keystrokes they save on average, under the acceptance the typing
 * simulation models (Tab takes all, Ctrl+→ takes a word, one key each): with P_j the probability
 * that the first j words are right and len_j the length of word j,
 *   saves = Σ_j P_j·(len_j − 1) + P_k·(k − 1)
 * (the last term: when all k words are right, one Tab replaces k presses of Ctrl+→).
 */
function searchCandidates<S>(runner: StepModel<S>, tok: CharTokenizer, state: S, o: SuggestOptions, before: string): Candidate[] {
  const threshold = effectiveThreshold(o);
  const inWord = /[\p{L}\p{N}'’-]$/u.test(before);
  const context = lastWords(before, 3);
  if (inWord) context.pop();
  const partial = inWord ? (before.match(/[\p{L}\p{N}'’-]+$/u)?.[0] ?? '') : '';
  const candidates: Candidate[] = [];
  const heap = new MaxHeap<SearchNode<S>>((n) => n.p);
  const root: SearchNode<S> = { text: '', p: 1, token: -1, parent: null, state, words: 0, boundaries: 0, lastLength: 0, gain: 0, first: 0 };

  const expand = (node: SearchNode<S>, probs: Float32Array) => {
    for (let k = 0; k < probs.length; k++) {
      const p = node.p * probs[k];
      if (k === tok.unk || p < threshold) continue;
      heap.push({ ...node, text: node.text + tok.vocab[k], p, token: k, parent: node, state: null });
    }
  };
  /** A boundary after `text` (reached with probability p): records it; false if it ends in a repeat. */
  const boundary = (node: SearchNode<S>, text: string): boolean => {
    if (repeats([...context, ...lastWords(partial + text, 8)].slice(-6)) > 0) return false;
    // A phrase mark and the space after it are one boundary ("of," then " "), counted once.
    if (text.length === node.lastLength) return true;
    node.gain += node.p * (text.length - node.lastLength - 1);
    node.boundaries++;
    if (node.boundaries === 1) node.first = node.p;
    node.lastLength = text.length;
    candidates.push({ text, probability: node.p, saves: node.gain + node.p * (node.boundaries - 1), first: node.first });
    return true;
  };

  expand(root, runner.probs(state));
  let steps = 0;
  while (heap.size > 0 && steps < SEARCH_STEPS) {
    const node = heap.pop()!;
    const ch = tok.vocab[node.token];
    const prev = node.text.slice(0, -1);
    const afterWord = prev.trim() !== '' && !/\s$/.test(prev);
    if (ch === '\n' || ch === '\r') {
      // A line end completes the word before it, but a suggestion never runs onto the next line.
      if (afterWord) boundary(node, prev);
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      if (afterWord) {
        if (!boundary(node, prev)) continue;
        node.words++;
        if (node.words >= o.maxWords) continue;
      }
    } else if (SENTENCE_END.has(ch) || PHRASE_END.has(ch)) {
      if (!boundary(node, node.text) || SENTENCE_END.has(ch)) continue;
    }
    if (node.text.length >= o.maxChars) continue;
    const s = runner.clone(node.parent!.state!);
    runner.step(s, node.token);
    node.state = s;
    steps++;
    expand(node, runner.probs(s));
  }
  if (process.env.NIB_RANK === 'first') return candidates.sort((a, b) => b.first - a.first || b.saves - a.saves);
  return candidates.sort((a, b) => b.saves - a.saves || b.probability - a.probability);
}

/** A binary max-heap keyed by `key`. */
class MaxHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly key: (t: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(t: T): void {
    const a = this.items;
    a.push(t);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (this.key(a[up]) >= this.key(a[i])) break;
      [a[up], a[i]] = [a[i], a[up]];
      i = up;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.key(a[l]) > this.key(a[m])) m = l;
        if (r < a.length && this.key(a[r]) > this.key(a[m])) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Greedy alternatives: greedy decoding started from each of the `n` likeliest next characters. */
function greedyAlternatives<S>(runner: StepModel<S>, tok: CharTokenizer, state: S, o: SuggestOptions, n: number, before: string): Suggestion[] {
  const best = decode(runner, tok, state, o, null, before);
  if (n <= 1) return best.text ? [best] : [];
  const probs = runner.probs(state);
  const others: Suggestion[] = [];
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

const WORD = /[\p{L}\p{N}'’-]+/gu;

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

function decode<S>(runner: StepModel<S>, tok: CharTokenizer, state: S, o: SuggestOptions, forcedFirst: number | null, before: string): Suggestion {
  const s = runner.clone(state);
  const threshold = effectiveThreshold(o);
  // Does the cursor stand inside a word? Then the first word of the suggestion completes it.
  const inWord = /[\p{L}\p{N}'’-]$/u.test(before);
  const context = lastWords(before, 3);
  if (inWord) context.pop();
  const partial = inWord ? (before.match(/[\p{L}\p{N}'’-]+$/u)?.[0] ?? '') : '';
  let out = '';
  let p = 1;
  let best: Suggestion = { text: '', probability: 1 };
  /** Every boundary kept so far, so a repeat can be cut back to where it began. */
  const kept: Suggestion[] = [best];
  let words = 0;
  /** A word boundary: keep `out` as the best so far, unless it ends in a repeat (then cut it off). */
  const boundary = (): boolean => {
    const r = repeats([...context, ...lastWords(partial + out, 8)].slice(-6));
    if (r > 0) {
      // The repeat's first half is already kept as the latest boundaries: drop it as well.
      best = kept[Math.max(0, kept.length - r)];
      return false;
    }
    best = { text: out, probability: p };
    // A phrase mark and the space after it are one boundary ("of," then " "), kept once.
    if (kept[kept.length - 1].text !== out) kept.push(best);
    return true;
  };
  for (let i = 0; i < o.maxChars; i++) {
    const probs = runner.probs(s);
    let id = -1;
    if (i === 0 && forcedFirst !== null) id = forcedFirst;
    else for (let k = 0; k < probs.length; k++) if (k !== tok.unk && (id < 0 || probs[k] > probs[id])) id = k;
    const ch = tok.vocab[id];
    p *= probs[id];
    if (p < threshold) break;
    if (ch === '\n' || ch === '\r') {
      // A line end completes the word before it, but a suggestion never runs onto the next line.
      if (out.trim() !== '' && !/\s$/.test(out)) boundary();
      break;
    }
    if (ch === ' ' || ch === '\t') {
      if (out.trim() !== '' && !/\s$/.test(out)) {
        if (!boundary()) break;
        words++;
        if (words >= o.maxWords) break;
      }
    }
    out += ch;
    if (SENTENCE_END.has(ch) || PHRASE_END.has(ch)) {
      if (!boundary()) break;
      if (SENTENCE_END.has(ch)) break;
    }
    runner.step(s, id);
  }
  return best.text === '' ? { text: '', probability: 0 } : best;
}
