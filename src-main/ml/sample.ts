import { LstmRunner, type LstmState } from './lstm-runner.ts';
import { Rng } from './rng.ts';
import type { CharTokenizer } from './tokenizer.ts';

export interface SampleOptions {
  temperature: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = all). */
  topP: number;
}

/** Draws one token from `probs` after top-k and nucleus (top-p) truncation. */
export function sampleToken(probs: Float32Array, o: SampleOptions, rng: Rng): number {
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
  let keep = o.topK > 0 ? Math.min(o.topK, order.length) : order.length;
  if (o.topP < 1) {
    let cum = 0;
    for (let i = 0; i < keep; i++) {
      cum += probs[order[i]];
      if (cum >= o.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  let total = 0;
  for (let i = 0; i < keep; i++) total += probs[order[i]];
  let r = rng.next() * total;
  for (let i = 0; i < keep; i++) {
    r -= probs[order[i]];
    if (r <= 0) return order[i];
  }
  return order[keep - 1];
}

/** Feeds text into a state, one character at a time (characters outside the vocabulary are skipped). */
export function feed(runner: LstmRunner, tok: CharTokenizer, state: LstmState, text: string): number {
  let n = 0;
  for (const ch of text) {
    const id = tok.id(ch);
    if (id < 0) continue;
    runner.step(state, id);
    n++;
  }
  return n;
}

export interface Generated {
  text: string;
  msPerChar: number;
  skippedPromptChars: number;
}

/** Continues `prompt` by `length` characters. The same seed always gives the same text. */
export function generate(
  runner: LstmRunner,
  tok: CharTokenizer,
  prompt: string,
  length: number,
  o: SampleOptions & { seed: number },
): Generated {
  const rng = new Rng(o.seed);
  const state = runner.zeroState();
  const fed = feed(runner, tok, state, prompt);
  const skipped = Array.from(prompt).length - fed;
  const t0 = performance.now();
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const probs = runner.probs(state, o.temperature);
    // The unknown symbol stands for every character outside the vocabulary: it is no character to
    // write (it came out as "\uFFFD"), so it is never drawn; sampleToken renormalises the rest.
    if (tok.unk !== null) probs[tok.unk] = 0;
    const id = sampleToken(probs, o, rng);
    out.push(id);
    runner.step(state, id);
  }
  const ms = performance.now() - t0;
  return { text: tok.decode(out), msPerChar: length > 0 ? ms / length : 0, skippedPromptChars: skipped };
}
