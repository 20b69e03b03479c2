import { takesSpaceBack } from './soft-space.ts';
import { observe, suggest, suggestionWords, type StepModel, type SuggestOptions } from './suggest.ts';
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
  const state = model.clone(start);
  const r: TypingResult = {
    chars: Array.from(text).length,
    nats: 0,
    scored: 0,
    keystrokes: 0,
    ksr: 0,
    shown: 0,
    accepted: 0,
    acceptedChars: 0,
    latencies: [],
  };
  let i = 0; // UTF-16 index into text
  let logLoss = 0;
  // Every character goes through here once, so the same pass scores the text.
  const consume = (upTo: number) => {
    for (const ch of text.slice(i, upTo)) {
      const id = tok.id(ch);
      if (id < 0) continue;
      logLoss -= Math.log(Math.max(model.probs(state)[id], 1e-30));
      r.scored++;
      observe(model, state, id);
    }
    i = upTo;
  };
  while (i < text.length) {
    const t0 = performance.now();
    const before =
      i < 80 ? prior.slice(Math.max(0, prior.length - (80 - i))) + text.slice(0, i) : text.slice(i - 80, i);
    const s = suggest(model, tok, state, o, before).text;
    r.latencies.push(performance.now() - t0);
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
        consume(i + take);
        continue;
      }
    }
    r.keystrokes++;
    const cp = text.codePointAt(i)!;
    consume(i + (cp > 0xffff ? 2 : 1));
  }
  r.ksr = r.chars > 0 ? 1 - r.keystrokes / r.chars : 0;
  r.nats = r.scored ? logLoss / r.scored : NaN;
  return { ...r, state };
}
