import fs from 'node:fs';
import { calibrateAll, calibrateThreshold, type Measured } from '../ml/calibrate.ts';
import { LstmRunner } from '../ml/lstm-runner.ts';
import { NgramPair, type NgramLike } from '../ml/ngram-pair.ts';
import { isSharedVocab } from '../ml/vocab.ts';
import { CachedModel } from '../ml/document-cache.ts';
import { fitLambda, MixtureModel } from '../ml/mixture.ts';
import { thresholdOf, type SourceChoice, type SourceKind } from '../ml/source-choice.ts';
import { DEFAULT_SUGGEST, observe, type StepModel, type SuggestOptions } from '../ml/suggest.ts';
import { CharTokenizer } from '../ml/tokenizer.ts';
import { DEFAULT_TRAIN, type TrainConfig } from '../ml/train-config.ts';
import { splitTexts } from '../ml/train-data.ts';
import { simulateTypingAt, type TypingResult } from '../ml/typing-sim.ts';
import { corpusTexts, getCorpus, getCorpusById } from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import { getModel } from '../store/models.ts';
import { readDocumentFile } from '../text/read-document.ts';
import { invalid, NibError, noCorpus, noModel, notFound } from '../api/errors.ts';
import { shippedNgram, usesShippedNgram } from './base-model.ts';
import { loadWeightsFor } from './model-weights.ts';
import { buildNgramFor } from './ngram.ts';

export interface EvalParams {
  model: string;
  corpus?: string;
  file?: string;
  /** Evaluate at most this many characters of held-out text (evenly spaced chunks beyond it). */
  maxChars?: number;
  suggest?: Partial<SuggestOptions>;
  /** Also evaluate the n-gram baseline and the interpolated model (default true). */
  baselines?: boolean;
  /** Revise suggestions by the text's own words so far (ml/document-cache.ts), as the app does (default true). */
  documentCache?: boolean;
}

export interface EvalRow {
  name: string;
  natsPerChar: number;
  bitsPerChar: number;
  ksr: number;
  shownPer100: number;
  precision: number;
  meanAcceptedChars: number;
  latencyP50: number;
  latencyP95: number;
  keystrokes: number;
  /** The confidence bar it suggested with. */
  threshold: number;
}

export interface EvalResult {
  source: string;
  chars: number;
  heldOutChars: number;
  sampling: string;
  suggest: SuggestOptions;
  /** Whether suggestions were revised by the text's own words so far (the app's document cache). */
  documentCache: boolean;
  rows: EvalRow[];
  seconds: number;
}

const CHUNK = 10_000;

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * Chooses the text to evaluate on. Up to `maxChars` it is all of the held-out text; beyond, it is
 * evenly spaced chunks of 10,000 characters adding up to `maxChars`, each read after the 1,000
 * characters before it (so the model starts warm, as in a document being written).
 */
export function pickSegments(
  text: string,
  maxChars: number,
  chunk = CHUNK,
): { segments: { context: string; text: string }[]; sampling: string } {
  const cps = Array.from(text);
  if (cps.length <= maxChars)
    return {
      segments: [{ context: '', text }],
      sampling: `all ${cps.length.toLocaleString('en-US')} held-out characters`,
    };
  const count = Math.max(1, Math.floor(maxChars / chunk));
  const size = Math.floor(maxChars / count);
  const segments = Array.from({ length: count }, (_, k) => {
    const start = Math.floor((k * (cps.length - size)) / Math.max(1, count - 1));
    return {
      context: cps.slice(Math.max(0, start - 1000), start).join(''),
      text: cps.slice(start, start + size).join(''),
    };
  });
  return {
    segments,
    sampling: `${count} evenly spaced chunks of ${size.toLocaleString('en-US')} characters (of ${cps.length.toLocaleString('en-US')} held out), each after 1,000 characters of context`,
  };
}

/** One segment typed by the simulated writer at each of `opts`, after its context has been read. */
function typeSegment<S, M extends StepModel<S>>(
  model: M,
  zero: (m: M) => S,
  tok: CharTokenizer,
  seg: { context: string; text: string },
  opts: readonly SuggestOptions[],
): TypingResult[] {
  const start = zero(model);
  for (const ch of seg.context) {
    const id = tok.id(ch);
    if (id >= 0) observe(model, start, id);
  }
  return simulateTypingAt(model, tok, start, seg.text, opts, seg.context).results;
}

/**
 * Simulated typing of each segment after its context, as the app suggests: with the document cache
 * (ml/document-cache.ts) of that segment's own text so far, unless `documentCache` is false.
 */
export function evaluateWith<S>(
  name: string,
  model: StepModel<S>,
  tok: CharTokenizer,
  zero: () => S,
  segments: { context: string; text: string }[],
  o: SuggestOptions,
  documentCache = true,
): EvalRow {
  return evaluateAt(name, model, tok, zero, segments, [o], documentCache)[0];
}

/**
 * `evaluateWith` at several suggestion options (confidence bars) in one pass over the text
 * (ml/typing-sim.ts `simulateTypingAt`): one row per option, each exactly what `evaluateWith` gives
 * it alone, in about the time of one. Latencies are not comparable between rows (see there).
 */
export function evaluateAt<S>(
  name: string,
  model: StepModel<S>,
  tok: CharTokenizer,
  zero: () => S,
  segments: { context: string; text: string }[],
  opts: readonly SuggestOptions[],
  documentCache = true,
): EvalRow[] {
  if (!opts.length) return [];
  const totals = opts.map(() => ({
    chars: 0,
    keystrokes: 0,
    shown: 0,
    accepted: 0,
    acceptedChars: 0,
    latencies: [] as number[],
  }));
  let logLoss = 0;
  let scored = 0;
  for (const seg of segments) {
    const rs = documentCache
      ? typeSegment(new CachedModel(model), (m) => m.wrap(zero()), tok, seg, opts)
      : typeSegment(model, zero, tok, seg, opts);
    // Every option's writer reads the same text, so the text's score is the same in each.
    scored += rs[0].scored;
    logLoss += rs[0].nats * rs[0].scored;
    rs.forEach((r, k) => {
      const total = totals[k];
      total.chars += r.chars;
      total.keystrokes += r.keystrokes;
      total.shown += r.shown;
      total.accepted += r.accepted;
      total.acceptedChars += r.acceptedChars;
      total.latencies.push(...r.latencies);
    });
  }
  const nats = logLoss / Math.max(1, scored);
  return totals.map((total, k) => ({
    name,
    natsPerChar: nats,
    bitsPerChar: nats / Math.LN2,
    ksr: 1 - total.keystrokes / Math.max(1, total.chars),
    shownPer100: (100 * total.shown) / Math.max(1, total.chars),
    precision: total.shown ? total.accepted / total.shown : 0,
    meanAcceptedChars: total.accepted ? total.acceptedChars / total.accepted : 0,
    latencyP50: percentile(total.latencies, 50),
    latencyP95: percentile(total.latencies, 95),
    keystrokes: total.keystrokes,
    threshold: opts[k].threshold,
  }));
}

/**
 * A source's confidence bar (ml/calibrate.ts), measured by simulated typing of `segments` as
 * `evaluateAt` types them, many bars per pass (`calibrateAll`); or, as `bench/source-choice.ts`'s
 * reference, each bar the walk tries in a pass of its own. With the text's bits/char, which every
 * bar shares.
 */
export function calibrateOn<S>(
  name: string,
  model: StepModel<S>,
  tok: CharTokenizer,
  zero: () => S,
  segments: { context: string; text: string }[],
  o: SuggestOptions = DEFAULT_SUGGEST,
  bars: 'together' | 'one by one' = 'together',
): { chosen: Measured; tried: Measured[]; bitsPerChar: number } {
  let bitsPerChar = NaN;
  const at = (ts: number[]) => {
    const rows = evaluateAt(
      name,
      model,
      tok,
      zero,
      segments,
      ts.map((threshold) => ({ ...o, threshold })),
    );
    bitsPerChar = rows[0].bitsPerChar;
    return rows;
  };
  const r = bars === 'together' ? calibrateAll(at) : calibrateThreshold((t) => at([t])[0]);
  return { ...r, bitsPerChar };
}

/**
 * `nib eval`: cross-entropy and simulated-typing keystroke savings of a model on held-out text,
 * next to a character n-gram baseline built on exactly the model's training text.
 */
export function evaluateModel(db: Db, p: EvalParams): EvalResult {
  const t0 = performance.now();
  const row = getModel(db, p.model);
  if (!row) throw noModel(p.model);
  if (!!p.corpus === !!p.file)
    throw invalid('nib eval needs exactly one of --corpus NAME (its held-out tail) or --file PATH');
  const { spec, weights } = loadWeightsFor(db, row);
  const config: TrainConfig = {
    ...DEFAULT_TRAIN,
    ...(row.train_config ? (JSON.parse(row.train_config) as TrainConfig) : {}),
  };
  const maxChars = p.maxChars ?? 100_000;
  if (!Number.isInteger(maxChars) || maxChars < 1000)
    throw invalid('--max-chars must be a whole number of at least 1000');

  // The baseline learns from what the model learned from: its corpus's training split.
  const baselineCorpus =
    row.corpus_id !== null ? getCorpusById(db, row.corpus_id) : p.corpus ? getCorpus(db, p.corpus) : undefined;
  let heldOut: string;
  let source: string;
  if (p.corpus) {
    const c = getCorpus(db, p.corpus);
    if (!c) throw noCorpus(p.corpus);
    const split = splitTexts(corpusTexts(db, c.id), config.valFraction);
    heldOut = split.val;
    source =
      `corpus "${c.name}", held-out tail (last ${Math.round(config.valFraction * 100)}% of each document)` +
      (split.repeatedChars > 0
        ? `, less ${split.repeatedChars} characters of lines that repeat the training text`
        : '');
  } else {
    if (!fs.existsSync(p.file!)) throw notFound(`no such file: ${p.file}`);
    // A folder, a FIFO or a device is no text to evaluate: opening a FIFO with no writer would wait for ever.
    const st = fs.statSync(p.file!);
    if (st.isDirectory()) throw invalid(`--file ${p.file} is a folder: give one text file`);
    if (!st.isFile()) throw invalid(`--file ${p.file} is not a regular file (a pipe or a device): give a text file`);
    const r = readDocumentFile(p.file!);
    if (!r.ok) throw new NibError('data', `cannot read ${p.file}: ${r.reason}`);
    heldOut = r.doc.text;
    source = `file ${p.file}`;
  }
  if (Array.from(heldOut).length < 100)
    throw new NibError(
      'data',
      `too little held-out text to evaluate (${heldOut.length} characters; at least 100 needed)`,
    );
  const o: SuggestOptions = { ...DEFAULT_SUGGEST, ...p.suggest };
  // Each source at the confidence bar measured for it (as the app suggests), unless one is given.
  const choice = row.suggest_source ? (JSON.parse(row.suggest_source) as SourceChoice) : null;
  const at = (source: SourceKind): SuggestOptions => ({
    ...o,
    threshold: p.suggest?.threshold ?? (choice ? thresholdOf(choice, source) : undefined) ?? DEFAULT_SUGGEST.threshold,
  });
  const { segments, sampling } = pickSegments(heldOut, maxChars);
  const cache = p.documentCache !== false;
  const tok = CharTokenizer.fromSpec(spec);
  const runner = new LstmRunner(spec, weights);
  const rows = [
    evaluateWith(
      `${p.model} (LSTM ${spec.units.join('×')})`,
      runner,
      tok,
      () => runner.zeroState(),
      segments,
      at('lstm'),
      cache,
    ),
  ];
  // The base as it suggests before any personalisation: mixed with the n-gram shipped beside it.
  const shipped = row.origin === 'base' && usesShippedNgram(choice) ? shippedNgram() : null;
  if (shipped && choice)
    rows.push(
      evaluateWith(
        `${p.model} + its n-gram (order ${shipped.order}, λ from ${choice.lambda}), as shipped`,
        new MixtureModel(runner, shipped, choice.lambda),
        tok,
        () => ({ a: runner.zeroState(), b: [] as number[] }),
        segments,
        { ...o, threshold: p.suggest?.threshold ?? choice.threshold ?? DEFAULT_SUGGEST.threshold },
        cache,
      ),
    );
  if (baselineCorpus && p.baselines !== false) {
    const { model: corpusNgram } = buildNgramFor(corpusTexts(db, baselineCorpus.id), config.valFraction, spec.vocab);
    // With the base's n-gram beside it where the model's source was measured so (ml/ngram-pair.ts).
    const w = choice?.baseNgramWeight;
    const baseNgram = w && isSharedVocab(spec.vocab) ? shippedNgram() : null;
    const ngram: NgramLike = baseNgram ? new NgramPair(corpusNgram, baseNgram, 1 - w!) : corpusNgram;
    rows.push(
      evaluateWith(
        `n-gram (order ${corpusNgram.order}, Kneser-Ney)${baseNgram ? ` with the base's (weight ${w})` : ''}`,
        ngram,
        tok,
        () => [] as number[],
        segments,
        at('ngram'),
        cache,
      ),
    );
    // The two interpolated, the weight starting where it fits the first 5,000 evaluated characters
    // best and then following the text (ml/mix-weight.ts), as the app's mixture does.
    const lambda = fitLambda(
      runner,
      runner.zeroState(),
      ngram,
      [] as number[],
      tok.encode(Array.from(segments[0].text).slice(0, 5000).join('')),
    );
    const mix = new MixtureModel(runner, ngram, lambda);
    rows.push(
      evaluateWith(
        `LSTM + n-gram (λ from ${lambda}, following the text)`,
        mix,
        tok,
        () => ({ a: runner.zeroState(), b: [] as number[] }),
        segments,
        at('mix'),
        cache,
      ),
    );
  }
  return {
    source,
    chars: segments.reduce((s, g) => s + Array.from(g.text).length, 0),
    heldOutChars: Array.from(heldOut).length,
    sampling,
    suggest: o,
    documentCache: cache,
    rows,
    seconds: (performance.now() - t0) / 1000,
  };
}
