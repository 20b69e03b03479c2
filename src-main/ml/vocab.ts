/**
 * The character vocabulary shared by the base model and every model fine-tuned from it, so
 * weights move from one to the other unchanged: line feed and tab, printable ASCII, Latin-1
 * (accented letters, NBSP, «», £…), common typographic punctuation, and one unknown symbol that
 * every other character is read as. The unknown symbol is never suggested.
 *
 * Never reorder or remove entries: a model's embedding rows follow this order. (A new vocabulary
 * would be a new constant, with models recording which one they use.)
 */
export const UNKNOWN = '\uFFFD';

const TYPOGRAPHIC = ['‘', '’', '‚', '“', '”', '„', '–', '—', '…', '•', '′', '″', '‹', '›', '€', '™', '†', '‡', '−'];

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));

export const SHARED_VOCAB: readonly string[] = Object.freeze([
  '\n',
  '\t',
  ...range(0x20, 0x7e),
  ...range(0xa0, 0xff),
  ...TYPOGRAPHIC,
  UNKNOWN,
]);

/** Index of the unknown symbol in SHARED_VOCAB. */
export const SHARED_UNK = SHARED_VOCAB.length - 1;

const SHARED_SET = new Set(SHARED_VOCAB);

export function isShared(ch: string): boolean {
  return SHARED_SET.has(ch);
}

/** Share of a text's characters (code points) outside the shared vocabulary. */
export function unknownShare(texts: string[]): { unknown: number; total: number; share: number } {
  let unknown = 0;
  let total = 0;
  for (const t of texts)
    for (const ch of t) {
      total++;
      if (!SHARED_SET.has(ch)) unknown++;
    }
  return { unknown, total, share: total ? unknown / total : 0 };
}

/** True when a model's vocabulary is the shared one (so it can be fine-tuned from, or mixed with, another). */
export function isSharedVocab(vocab: readonly string[]): boolean {
  return vocab.length === SHARED_VOCAB.length && vocab.every((c, i) => c === SHARED_VOCAB[i]);
}

/**
 * Above this share of unknown characters a model trained from scratch keeps its corpus's own
 * characters instead (a corpus in Greek or Russian), since it would mostly see the unknown symbol.
 */
export const MAX_UNKNOWN_SHARE = 0.01;
