import { FOLDED_QUOTES } from './quotes.ts';
import type { ModelSpec } from './spec.ts';

/** Splits text into characters (code points, so an emoji is one token). */
export function chars(text: string): string[] {
  return Array.from(text);
}

/** The vocabulary of a corpus: its distinct characters, sorted for a stable layout. */
export function buildVocab(texts: string[]): string[] {
  const set = new Set<string>();
  for (const t of texts) for (const ch of t) set.add(ch);
  return [...set].sort();
}

export class CharTokenizer {
  private readonly index = new Map<string, number>();

  constructor(
    readonly vocab: string[],
    readonly unk: number | null,
  ) {
    vocab.forEach((c, i) => this.index.set(c, i));
    // Curly quotes read as straight ones wherever the vocabulary has those (ml/quotes.ts).
    for (const [curly, straight] of FOLDED_QUOTES) {
      const id = this.index.get(straight);
      if (id !== undefined) this.index.set(curly, id);
    }
  }

  static fromSpec(spec: Pick<ModelSpec, 'vocab' | 'unk'>): CharTokenizer {
    return new CharTokenizer(spec.vocab, spec.unk);
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Token id of one character; unknown characters map to `unk`, or -1 when the model has none. */
  id(ch: string): number {
    return this.index.get(ch) ?? this.unk ?? -1;
  }

  encode(text: string): Int32Array {
    const out: number[] = [];
    for (const ch of text) {
      const id = this.id(ch);
      if (id >= 0) out.push(id);
    }
    return Int32Array.from(out);
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += this.vocab[ids[i]] ?? '';
    return s;
  }
}
