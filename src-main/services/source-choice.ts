import { LstmRunner } from '../ml/lstm-runner.ts';
import { NgramPair, type NgramLike } from '../ml/ngram-pair.ts';
import { isSharedVocab } from '../ml/vocab.ts';
import { fitLambda, MixtureModel } from '../ml/mixture.ts';
import { pickSource, thresholdOf, type SourceChoice } from '../ml/source-choice.ts';
import type { ModelSpec } from '../ml/spec.ts';
import { DEFAULT_SUGGEST, type StepModel, type SuggestOptions } from '../ml/suggest.ts';
import { CharTokenizer } from '../ml/tokenizer.ts';
import { DEFAULT_TRAIN, type TrainConfig } from '../ml/train-config.ts';
import { splitTexts } from '../ml/train-data.ts';
import { corpusTexts, getCorpusById, type CorpusRow } from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import { getBaseModel, setSuggestSource, type ModelRow } from '../store/models.ts';
import { calibrateOn, evaluateWith, pickSegments } from './evaluate.ts';
import { shippedNgram, shippedSource, usesShippedNgram } from './base-model.ts';
import { loadWeightsFor } from './model-weights.ts';
import { buildNgramFor } from './ngram.ts';

/**
 * Measures the LSTM, the corpus's n-gram and their mixture on the model's held-out text (up to
 * `maxChars`, in evenly spaced chunks), each revised by the document cache as the app suggests, each at the confidence bar that saves the most keystrokes
 * at ≥ 50% precision (ml/calibrate.ts), stores the winner and its bar with the model and returns it. The n-gram is built on the model's own training split, so neither
 * model has trained on the text it is measured on; the mixture's weight λ is fitted on the first
 * 3,000 of the measured characters (a small optimism, stated in the README).
 */
export function chooseSource(
  db: Db,
  row: ModelRow,
  maxChars = 20_000,
  o: SuggestOptions = DEFAULT_SUGGEST,
  /** Measure every candidate bar in one pass (the default), or, as `bench/source-choice.ts`'s reference, each bar the walk tries in its own. */
  bars: 'together' | 'one by one' = 'together',
  /** The corpus whose held-out text and n-gram it measures: the model's own (the base's: the writer's, services/base-fit.ts). */
  corpus: CorpusRow | undefined = row.corpus_id !== null ? getCorpusById(db, row.corpus_id) : undefined,
): SourceChoice | null {
  if (!corpus) return null;
  const { spec, weights } = loadWeightsFor(db, row);
  const config: TrainConfig = {
    ...DEFAULT_TRAIN,
    ...(row.train_config ? (JSON.parse(row.train_config) as TrainConfig) : {}),
  };
  const texts = corpusTexts(db, corpus.id);
  const heldOut = splitTexts(texts, config.valFraction).val;
  if (Array.from(heldOut).length < 1000) return null;
  // Chunks as long as a document being written, so the document cache (ml/document-cache.ts)
  // measures as it suggests; 20,000 characters place a bar to about ±1 point of precision, where
  // 12,000 left ±2–3 (bench/README.md).
  const { segments } = pickSegments(heldOut, maxChars, 10_000);
  const tok = CharTokenizer.fromSpec(spec as ModelSpec);
  const runner = new LstmRunner(spec, weights);
  const { model: corpusNgram } = buildNgramFor(texts, config.valFraction, spec.vocab);
  const fitText = tok.encode(Array.from(segments[0].text).slice(0, 3000).join(''));
  // The corpus's n-gram with the base's beside it, where one ships over this vocabulary: the
  // writer's phrases and common English (ml/ngram-pair.ts), their weights fitted as λ is.
  const shipped = shippedNgram();
  let baseNgramWeight = 0;
  if (shipped && isSharedVocab(spec.vocab)) {
    const w = Math.round(100 * (1 - fitLambda(corpusNgram, [] as number[], shipped, [] as number[], fitText))) / 100;
    // The fit's grid never gives either n-gram less than 5%: where the corpus's alone reads the
    // text better still (a manual's commands), the base's stays out.
    if (natsOn(new NgramPair(corpusNgram, shipped, 1 - w), fitText) < natsOn(corpusNgram, fitText)) baseNgramWeight = w;
  }
  const ngram: NgramLike =
    baseNgramWeight > 0 ? new NgramPair(corpusNgram, shipped!, 1 - baseNgramWeight) : corpusNgram;
  const lambda = fitLambda(runner, runner.zeroState(), ngram, [] as number[], fitText);
  const mix = new MixtureModel(runner, ngram, lambda);
  const calibrated = <S>(name: string, model: StepModel<S>, zero: () => S) => {
    const { chosen, bitsPerChar } = calibrateOn(name, model, tok, zero, segments, o, bars);
    return { ksr: chosen.ksr, precision: chosen.precision, threshold: chosen.threshold, bitsPerChar };
  };
  const rows = {
    lstm: calibrated('lstm', runner, () => runner.zeroState()),
    ngram: calibrated('ngram', ngram, () => [] as number[]),
    mix: calibrated('mix', mix, () => ({ a: runner.zeroState(), b: [] as number[] })),
  };
  const measured = (['lstm', 'ngram', 'mix'] as const).map((source) => ({ source, ...rows[source] }));
  const source = pickSource(measured);
  const base = baseOn(db, row, segments, o);
  const choice: SourceChoice = {
    source,
    lambda: source === 'lstm' ? 1 : source === 'ngram' ? 0 : lambda,
    threshold: rows[source].threshold,
    corpus: corpus.name,
    ...(baseNgramWeight > 0 && source !== 'lstm' && { baseNgramWeight }),
    measured,
    chars: segments.reduce((n, s) => n + s.text.length, 0),
    ...(base && { base }),
  };
  setSuggestSource(db, row.id, choice);
  return choice;
}

/**
 * The shipped base on `segments` as it suggests before any personalisation (mixed with the n-gram
 * shipped beside it, where there is one), at the bar measured for that on its own held-out text
 * (so not fitted to this text, as the personal model's sources are: a small optimism in their
 * favour, stated in the README). One pass, no calibration.
 */
function baseOn(
  db: Db,
  row: ModelRow,
  segments: { context: string; text: string }[],
  o: SuggestOptions,
): SourceChoice['base'] {
  const baseRow = getBaseModel(db);
  // "The base as it came", not as fitted to this writer's text.
  const shipped = shippedSource();
  const ngram = usesShippedNgram(shipped) ? shippedNgram() : null;
  // The base alone is a candidate already when the base itself is measured; with its n-gram it is not.
  if (!baseRow || (baseRow.id === row.id && !ngram)) return undefined;
  const { spec, weights } = loadWeightsFor(db, baseRow);
  const runner = new LstmRunner(spec, weights);
  const tok = CharTokenizer.fromSpec(spec as ModelSpec);
  const threshold = (shipped && thresholdOf(shipped, ngram ? shipped.source : 'lstm')) ?? DEFAULT_SUGGEST.threshold;
  const r = ngram
    ? evaluateWith(
        'base',
        new MixtureModel(runner, ngram, shipped!.lambda),
        tok,
        () => ({ a: runner.zeroState(), b: [] as number[] }),
        segments,
        { ...o, threshold },
      )
    : evaluateWith('base', runner, tok, () => runner.zeroState(), segments, { ...o, threshold });
  return { ksr: r.ksr, precision: r.precision, bitsPerChar: r.bitsPerChar, threshold };
}

/** Mean negative log-likelihood of `ids` under an n-gram, read from the start. */
function natsOn(m: NgramLike, ids: Int32Array): number {
  const state: number[] = [];
  let total = 0;
  for (const id of ids) {
    total -= Math.log(m.probs(state)[id]);
    m.step(state, id);
  }
  return total / Math.max(1, ids.length);
}
