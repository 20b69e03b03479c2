import { PRECISION_TARGET } from './calibrate.ts';

/**
 * Which model suggests for a personal model: the LSTM alone, the corpus's n-gram alone, or their
 * mixture. An LSTM fine-tuned for ten minutes and an n-gram that has memorised the writer's
 * phrases each win on some corpora, so the choice is measured — keystroke savings on the corpus's
 * held-out text, each source at its own calibrated confidence bar (ml/calibrate.ts), so that all
 * are compared at the same precision — and stored with the model.
 */
export type SourceKind = 'lstm' | 'ngram' | 'mix';

export interface SourceChoice {
  source: SourceKind;
  /** The mixture's weight of the LSTM (1 for 'lstm', 0 for 'ngram'). */
  lambda: number;
  /** The chosen source's confidence bar (ml/calibrate.ts). Absent in choices stored before it existed. */
  threshold?: number;
  /** The corpus whose n-gram takes part. */
  corpus: string | null;
  /**
   * Beside the corpus's n-gram, the weight of the n-gram shipped with the base within the
   * n-gram side (ml/ngram-pair.ts: the corpus's gets 1 − this). Absent: the corpus's alone.
   */
  baseNgramWeight?: number;
  /** What each candidate measured, for the Models view and `nib models`. */
  measured: { source: SourceKind; ksr: number; precision: number; bitsPerChar: number; threshold?: number }[];
  chars: number;
  /**
   * The shipped base model as it ships (with its n-gram, where one ships) on the same text, at the
   * bar measured for it on its own held-out text: what personalising gained, for the writer.
   * Absent for the base itself when it ships alone (then it is the 'lstm' candidate), and in
   * choices stored before it was measured.
   */
  base?: { ksr: number; precision: number; bitsPerChar: number; threshold: number };
}

/**
 * The candidate with the highest KSR among those right at least half the time they show a
 * suggestion (a wrong ghost costs the writer attention); within half a point, the more precise
 * one. If none is that precise, the most precise.
 */
export function pickSource(measured: SourceChoice['measured']): SourceKind {
  const precise = measured.filter((m) => m.precision >= PRECISION_TARGET);
  if (!precise.length) return [...measured].sort((a, b) => b.precision - a.precision)[0].source;
  const sorted = [...precise].sort((a, b) => b.ksr - a.ksr);
  const top = sorted[0];
  const close = sorted.filter((m) => top.ksr - m.ksr <= 0.005);
  return close.sort((a, b) => b.precision - a.precision)[0].source;
}

/** The confidence bar measured for `source` (the chosen one's, or a candidate's), if any. */
/** What the LSTM alone measured at its own bar: what a model carries beyond its weights. */
export interface LstmMeasure {
  threshold: number;
  ksr: number;
  precision: number;
  bitsPerChar: number;
  chars: number;
}

/** The LSTM alone suggests, at the bar it was measured at (the shipped base; an imported model). */
export function lstmAlone(s: LstmMeasure): SourceChoice {
  return {
    source: 'lstm',
    lambda: 1,
    threshold: s.threshold,
    corpus: null,
    measured: [
      { source: 'lstm', ksr: s.ksr, precision: s.precision, bitsPerChar: s.bitsPerChar, threshold: s.threshold },
    ],
    chars: s.chars,
  };
}

/** The LSTM's own measurement in a stored choice (whichever source was chosen), if it has one. */
export function lstmMeasure(choice: SourceChoice): LstmMeasure | null {
  const m = choice.measured.find((x) => x.source === 'lstm');
  const threshold = thresholdOf(choice, 'lstm');
  if (!m || threshold === undefined) return null;
  return { threshold, ksr: m.ksr, precision: m.precision, bitsPerChar: m.bitsPerChar, chars: choice.chars };
}

export function thresholdOf(choice: SourceChoice, source: SourceKind): number | undefined {
  if (choice.source === source && choice.threshold !== undefined) return choice.threshold;
  return choice.measured.find((m) => m.source === source)?.threshold;
}
