/**
 * Which model suggests for a personal model: the LSTM alone, the corpus's n-gram alone, or their
 * mixture. An LSTM fine-tuned for ten minutes and an n-gram that has memorised the writer's
 * phrases each win on some corpora, so the choice is measured — keystroke savings on the corpus's
 * held-out text, precision breaking ties — and stored with the model.
 */
export type SourceKind = 'lstm' | 'ngram' | 'mix';

export interface SourceChoice {
  source: SourceKind;
  /** The mixture's weight of the LSTM (1 for 'lstm', 0 for 'ngram'). */
  lambda: number;
  /** The corpus whose n-gram takes part. */
  corpus: string | null;
  /** What each candidate measured, for the Models view and `nib models`. */
  measured: { source: SourceKind; ksr: number; precision: number; bitsPerChar: number }[];
  chars: number;
}

/**
 * The candidate with the highest KSR among those right at least half the time they show a
 * suggestion (a wrong ghost costs the writer attention); within half a point, the more precise
 * one. If none is that precise, the most precise.
 */
export function pickSource(measured: SourceChoice['measured']): SourceKind {
  const precise = measured.filter((m) => m.precision >= 0.5);
  if (!precise.length) return [...measured].sort((a, b) => b.precision - a.precision)[0].source;
  const sorted = [...precise].sort((a, b) => b.ksr - a.ksr);
  const top = sorted[0];
  const close = sorted.filter((m) => top.ksr - m.ksr <= 0.005);
  return close.sort((a, b) => b.precision - a.precision)[0].source;
}
