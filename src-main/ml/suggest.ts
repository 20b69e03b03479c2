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
  /** Creativity: probabilities are sharpened (< 1) or flattened (> 1) before deciding. Default 1. */
  temperature?: number;
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
 * The continuation the editor shows: greedy decoding from the model's distribution, kept only as
 * far as its joint probability stays above the threshold, and cut back to a natural boundary —
 * the end of a word, phrase or sentence. Never crosses a line break. Empty when not confident.
 */
export function suggest<S>(runner: StepModel<S>, tok: CharTokenizer, state: S, o: SuggestOptions = DEFAULT_SUGGEST): Suggestion {
  return decode(runner, tok, state, o, null);
}

/**
 * Up to `n` different suggestions for Alt+] / Alt+[: greedy decoding as in `suggest`, started from
 * each of the `n` likeliest next characters.
 */
export function suggestAlternatives<S>(runner: StepModel<S>, tok: CharTokenizer, state: S, o: SuggestOptions = DEFAULT_SUGGEST, n = 3): Suggestion[] {
  // The first is exactly `suggest`'s answer (what `nib eval` measures); the others follow by probability.
  const best = decode(runner, tok, state, o, null);
  const probs = runner.probs(state);
  const others: Suggestion[] = [];
  // The likeliest first character is where the greedy decode above started: skip it, don't redo it.
  for (const id of Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(1, n)) {
    const s = decode(runner, tok, state, o, id);
    if (s.text && s.text !== best.text && !others.some((x) => x.text === s.text)) others.push(s);
  }
  others.sort((a, b) => b.probability - a.probability);
  return (best.text ? [best, ...others] : others).slice(0, n);
}

function withTemperature(p: Float32Array, t: number): Float32Array {
  if (t === 1) return p;
  const out = new Float32Array(p.length);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += out[i] = Math.pow(p[i], 1 / Math.max(t, 0.05));
  for (let i = 0; i < p.length; i++) out[i] /= sum;
  return out;
}

function decode<S>(runner: StepModel<S>, tok: CharTokenizer, state: S, o: SuggestOptions, forcedFirst: number | null): Suggestion {
  const s = runner.clone(state);
  let out = '';
  let p = 1;
  let best: Suggestion = { text: '', probability: 1 };
  let words = 0;
  for (let i = 0; i < o.maxChars; i++) {
    const probs = withTemperature(runner.probs(s), o.temperature ?? 1);
    let id = 0;
    if (i === 0 && forcedFirst !== null) id = forcedFirst;
    else for (let k = 1; k < probs.length; k++) if (probs[k] > probs[id]) id = k;
    const ch = tok.vocab[id];
    p *= probs[id];
    if (p < o.threshold) break;
    if (ch === '\n' || ch === '\r') {
      // A line end completes the word before it, but a suggestion never runs onto the next line.
      if (out.trim() !== '' && !/\s$/.test(out)) best = { text: out, probability: p };
      break;
    }
    if (ch === ' ' || ch === '\t') {
      if (out.trim() !== '' && !/\s$/.test(out)) {
        best = { text: out, probability: p };
        words++;
        if (words >= o.maxWords) break;
      }
    }
    out += ch;
    if (SENTENCE_END.has(ch) || PHRASE_END.has(ch)) {
      best = { text: out, probability: p };
      if (SENTENCE_END.has(ch)) break;
    }
    runner.step(s, id);
  }
  return best.text === '' ? { text: '', probability: 0 } : best;
}
