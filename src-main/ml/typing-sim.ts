import { QUOTE, QUOTE_WINDOW, styleQuotes } from './quotes.ts';
import { takesSpaceBack } from './soft-space.ts';
import {
  DecodeTrace,
  effectiveThreshold,
  observe,
  readDecode,
  suggestionWords,
  type BarRange,
  type StepModel,
  type SuggestOptions,
} from './suggest.ts';
import type { CharTokenizer } from './tokenizer.ts';

export interface TypingResult {
  chars: number;
  /** Cross-entropy of the text under the model (nats per character it could score). */
  nats: number;
  scored: number;
  keystrokes: number;
  /** Keystroke savings rate: 1 − keystrokes / characters. */
  ksr: number;
  shown: number;
  /** Shown suggestions of which at least one word was accepted. */
  accepted: number;
  acceptedChars: number;
  latencies: number[];
}

/**
 * A simulated writer types `text` one character at a time. Wherever the editor would show a
 * suggestion (the same policy and thresholds) the writer takes it with one keystroke (Tab) if it
 * matches what they were about to type, else takes its matching leading words one keystroke
 * (Ctrl+→) each, else types on. Every position is simulated, none sampled. `prior` is the text
 * already read into `start` (the suggestion policy looks at the last words before the cursor).
 */
export function simulateTyping<S>(
  model: StepModel<S>,
  tok: CharTokenizer,
  start: S,
  text: string,
  o: SuggestOptions,
  prior = '',
): TypingResult & { state: S } {
  const { results, state } = simulateTypingAt(model, tok, start, text, [o], prior);
  return { ...results[0], state };
}

/** Options that differ at most in their bar (threshold and creativity), any other option included. */
function sameButBar(a: SuggestOptions, b: SuggestOptions): boolean {
  const rest = ({ threshold: _, creativity: __, ...o }: SuggestOptions) => o as Record<string, unknown>;
  const [x, y] = [rest(a), rest(b)];
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((key) => x[key] === y[key]);
}

/**
 * `simulateTyping` for several suggestion options at once (confidence bars, ml/calibrate.ts), in
 * one pass: each option's writer is where its own accepted suggestions took it, but the text, the
 * model's state at each position and the decode from it are the same for all, so the model reads
 * the text once and decodes once at each position where some writer stands (`DecodeTrace`); each
 * option reads its suggestion off that decode, exactly what `suggest` gives it alone; where an
 * option's bar lies in the range of bars another's reading holds for (`BarRange`), it takes that
 * suggestion as is. Latencies are the time to each option's suggestion after the previous one's
 * at that position (with one option, `suggest`'s own time).
 */
export function simulateTypingAt<S>(
  model: StepModel<S>,
  tok: CharTokenizer,
  start: S,
  text: string,
  opts: readonly SuggestOptions[],
  prior = '',
): { results: TypingResult[]; state: S } {
  const state = model.clone(start);
  const chars = Array.from(text).length;
  const results: TypingResult[] = opts.map(() => ({
    chars,
    nats: 0,
    scored: 0,
    keystrokes: 0,
    ksr: 0,
    shown: 0,
    accepted: 0,
    acceptedChars: 0,
    latencies: [],
  }));
  /** Options alike but for their bar share a kind: the first such option's index. */
  const kind = opts.map((o) => opts.findIndex((p) => sameButBar(p, o)));
  /** Where each option's writer stands: a UTF-16 index into text, at or ahead of the model's `i`. */
  const at = opts.map(() => 0);
  let logLoss = 0;
  let scored = 0;
  for (let i = 0; i < text.length;) {
    // (Behind `i` only if a suggestion ended inside a surrogate pair, a lone half the vocabulary
    // knows: that writer goes on from the pair's end.)
    const waiting = opts.flatMap((_, k) => (at[k] <= i ? [k] : []));
    if (waiting.length) {
      const t0 = performance.now();
      const before =
        i < 80 ? prior.slice(Math.max(0, prior.length - (80 - i))) + text.slice(0, i) : text.slice(i - 80, i);
      const trace = new DecodeTrace(model, tok, state);
      /** Suggestions read here, with the bars that read the same: another option in that range takes it as is. */
      const read: { kind: number; range: BarRange; text: string }[] = [];
      let t1 = t0;
      for (const k of waiting) {
        const r = results[k];
        const bar = effectiveThreshold(opts[k]);
        let s = read.find((x) => x.kind === kind[k] && x.range.lo < bar && bar <= x.range.hi)?.text;
        if (s === undefined) {
          const range = { lo: -Infinity, hi: Infinity };
          s = readDecode(trace, tok, opts[k], before, range).text;
          // In the document's quotes, as the editor shows it (ml/quotes.ts; only a suggestion with
          // a quote needs the look back).
          if (QUOTE.test(s)) s = styleQuotes(s, (prior + text.slice(0, i)).slice(-QUOTE_WINDOW));
          read.push({ kind: kind[k], range, text: s });
        }
        const t2 = performance.now();
        r.latencies.push(t2 - t1);
        t1 = t2;
        if (s) {
          r.shown++;
          let take = 0;
          let keys = 0;
          // Tab takes a trailing space only where the editor keeps it: not before a key that takes it
          // back (a double space, a space before a mark as in "oui !"); there the writer takes the words.
          const end = i + s.length;
          if (text.startsWith(s, i) && !(s.endsWith(' ') && takesSpaceBack(text.slice(end, end + 1)))) {
            take = s.length;
            keys = 1;
          } else {
            for (const w of suggestionWords(s)) {
              if (!text.startsWith(w, i + take)) break;
              take += w.length;
              keys++;
            }
          }
          if (take > 0) {
            r.keystrokes += keys;
            r.accepted++;
            r.acceptedChars += Array.from(text.slice(i, i + take)).length;
            at[k] = i + take;
            continue;
          }
        }
        r.keystrokes++;
        at[k] = i + (text.codePointAt(i)! > 0xffff ? 2 : 1);
      }
    }
    // Every character goes through here once, so the same pass scores the text.
    const cp = text.codePointAt(i)!;
    const next = i + (cp > 0xffff ? 2 : 1);
    const id = tok.id(text.slice(i, next));
    if (id >= 0) {
      logLoss -= Math.log(Math.max(model.probs(state)[id], 1e-30));
      scored++;
      observe(model, state, id);
    }
    i = next;
  }
  for (const r of results) {
    r.scored = scored;
    r.nats = scored ? logLoss / scored : NaN;
    r.ksr = r.chars > 0 ? 1 - r.keystrokes / r.chars : 0;
  }
  return { results, state };
}
