import { NibError, noCorpus, noModel } from '../api/errors.ts';
import { loadWeightsFor } from '../services/model-weights.ts';
import { evaluateModel } from '../services/evaluate.ts';
import { corpusVocab, loadStoredNgram, refreshNgram, storedNgramStamp } from '../services/ngram.ts';
import { MixtureModel } from '../ml/mixture.ts';
import { MixWeightTracker } from '../ml/mix-weight.ts';
import { ngramContext, type NgramModel } from '../ml/ngram.ts';
import { NgramPair, type NgramLike } from '../ml/ngram-pair.ts';
import { thresholdOf, type SourceChoice } from '../ml/source-choice.ts';
import { isMlMethod, parseMlParams, type MlMethod, type MlParsed, type MlResult } from './ml-host-api.ts';
import { exportModel, exportModelFiles, importModel, importModelFiles } from '../services/model-transfer.ts';
import { importBuffers } from '../services/library.ts';
import { installBaseModel, shippedNgram, usesShippedNgram } from '../services/base-model.ts';
import { measureModel } from '../services/measure.ts';
import { fitBase } from '../services/base-fit.ts';
import { styleQuotes, usesCurlyQuotes } from '../ml/quotes.ts';
import { learnFromDrafts } from '../services/learning.ts';
import { train } from '../services/training.ts';
import type { SuggestParams, SuggestResult, TrainEstimate } from '../api/contract.ts';
import type { BackendReport } from '../ml/backend.ts';
import { CachedModel, DocumentCacheTracker } from '../ml/document-cache.ts';
import { DocumentState } from '../ml/document-state.ts';
import { engineFor } from '../services/engine-choice.ts';
import { LstmRunner, type LstmState } from '../ml/lstm-runner.ts';
import { generate } from '../ml/sample.ts';
import { paramCount, PRESETS, type ModelSpec } from '../ml/spec.ts';
import {
  ASKED_BAR_SCALE,
  DEFAULT_SUGGEST,
  suggestAlternatives,
  type StepModel,
  type Suggestion,
} from '../ml/suggest.ts';
import { CharTokenizer } from '../ml/tokenizer.ts';
import { DEFAULT_FINETUNE } from '../ml/train-config.ts';
import { initWeights } from '../ml/weights.ts';
import { corpusTexts, getCorpus } from '../store/corpora.ts';
import { openDb, type Db } from '../store/db.ts';
import { getBaseModel, getModel, usableCheckpointStamp } from '../store/models.ts';
import { recentPace } from '../store/runs.ts';

export interface CallContext {
  emit(event: unknown): void;
  isCancelled(): boolean;
}

/** Per open document: the LSTM state along its text, the cache of its own words, and a mixture's weight. */
interface OpenDocument {
  state: DocumentState;
  cache: DocumentCacheTracker;
  mix: MixWeightTracker<LstmState> | null;
}

/** A model ready for inference, reloaded when its checkpoint changes. */
interface LoadedModel {
  key: string;
  spec: ModelSpec;
  tok: CharTokenizer;
  runner: LstmRunner;
  docs: Map<string, OpenDocument>;
  source: SourceChoice | null;
  corpusId: number | null;
  /** The shipped base (which may mix with the n-gram shipped beside it). */
  isBase: boolean;
}

function isSameVocab(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** The ML service of one data folder: what the ML host process runs. */
export function openService(dataDir: string, backend: BackendReport) {
  if (!dataDir) throw new NibError('invalid', 'the ML host needs NIB_DATA_DIR');
  const db = openDb(dataDir);
  installBaseModel(db);
  // The base's n-gram is read now (about 0.2 s), not on the writer's first keystroke.
  const baseRow = getBaseModel(db);
  if (baseRow?.suggest_source && usesShippedNgram(JSON.parse(baseRow.suggest_source) as SourceChoice)) shippedNgram();
  const loaded = new Map<string, LoadedModel>();

  /** N-gram models kept in memory, keyed by corpus: loading one costs hundreds of milliseconds. */
  const ngrams = new Map<number, { stamp: string; model: NgramModel; tok: CharTokenizer }>();

  /** The stored n-gram of a corpus, from memory while it is current (never rebuilt here). */
  function ngramOf(corpusId: number): { model: NgramModel; tok: CharTokenizer } | null {
    const stamp = storedNgramStamp(db, corpusId);
    if (!stamp) return null;
    const cached = ngrams.get(corpusId);
    if (cached?.stamp === stamp) return cached;
    const loadedNgram = loadStoredNgram(db, corpusId);
    if (!loadedNgram) return null;
    ngrams.set(corpusId, { stamp, ...loadedNgram });
    return loadedNgram;
  }

  /** Pairs made of a corpus's n-gram and the base's, kept so a document's mixture weight keeps following the same one. */
  const pairs = new WeakMap<NgramModel, NgramPair>();

  /**
   * A corpus's n-gram as its model's source measured it: with the base's n-gram beside it at the
   * weight fitted there (ml/ngram-pair.ts), or alone. The base's unreadable: the corpus's alone.
   */
  function withBaseNgram(corpusNgram: NgramModel | null, weight: number | undefined): NgramLike | null {
    const base = weight ? shippedNgram() : null;
    if (!corpusNgram || !base || !isSameVocab(base.vocab, corpusNgram.vocab)) return corpusNgram;
    let pair = pairs.get(corpusNgram);
    if (!pair || pair.mu !== 1 - weight!)
      pairs.set(corpusNgram, (pair = new NgramPair(corpusNgram, base, 1 - weight!)));
    return pair;
  }

  function suggest(p: SuggestParams): SuggestResult {
    const t0 = performance.now();
    // The confidence bar: the caller's if given, else the one measured for this model and source.
    const optsFor = (threshold: number | undefined) => ({
      maxChars: p.maxChars ?? DEFAULT_SUGGEST.maxChars,
      maxWords: p.maxWords ?? DEFAULT_SUGGEST.maxWords,
      threshold: (p.threshold ?? threshold ?? DEFAULT_SUGGEST.threshold) * (p.asked ? ASKED_BAR_SCALE : 1),
      creativity: p.creativity ?? 0.5,
      trailingSpace: p.trailingSpace ?? true,
      // A guess the writer asked for is as welcome before a word as inside one (ml/suggest.ts WORD_START_BAR).
      ...(p.asked && { startScale: 1 }),
    });
    const n = p.alternatives ?? 3;
    const before = p.text.slice(-80);
    // Decoded with straight quotes (ml/quotes.ts), written with the document's.
    const curly = usesCurlyQuotes(p.text);
    const answer = (decoded: Suggestion[], fed: number, source: string): SuggestResult => {
      const alts = decoded.map((a) => ({ ...a, text: styleQuotes(a.text, p.text, curly) }));
      return {
        suggestion: alts[0]?.text ?? '',
        probability: alts[0]?.probability ?? 0,
        alternatives: alts.map((a) => a.text),
        latencyMs: performance.now() - t0,
        fedChars: fed,
        source,
      };
    };
    if (p.corpus) {
      // The corpus's n-gram model (it reads only its last few characters).
      const corpus = getCorpus(db, p.corpus);
      if (!corpus) throw noCorpus(p.corpus);
      const stored = ngramOf(corpus.id);
      // None stored (an import interrupted before its build): a keystroke never waits for one.
      if (!stored && !p.buildNgram) return answer([], 0, 'ngram');
      const ng = stored ?? (refreshNgram(db, p.corpus) ? ngramOf(corpus.id) : null);
      if (!ng) throw new NibError('data', `corpus "${p.corpus}" is empty: import some text first`);
      const ctx = ngramContext(ng.model.order, ng.tok, p.text);
      return answer(suggestAlternatives(ng.model, ng.tok, ctx, optsFor(undefined), n, before), ctx.length, 'ngram');
    }
    const m = model(p.model!);
    let doc = p.docKey ? m.docs.get(p.docKey) : undefined;
    if (!doc) {
      // Without a key (a one-off `nib suggest`) the cache reads at most the text's last 20,000 characters.
      const encode = (t: string) => m.tok.encode(t);
      doc = {
        state: new DocumentState(m.runner, m.tok),
        cache: new DocumentCacheTracker(encode, p.docKey ? undefined : 20_000),
        mix: null,
      };
      if (p.docKey) m.docs.set(p.docKey, doc);
    }
    // The source measured for this model when its training ended (ml/source-choice.ts).
    const choice = m.source;
    // The n-gram it mixes with: its corpus's, or for the base as shipped the base's own
    // (services/base-model.ts). None readable: the LSTM alone, at its own measured bar.
    const found =
      !choice || choice.source === 'lstm'
        ? null
        : m.corpusId !== null
          ? withBaseNgram(ngramOf(m.corpusId)?.model ?? null, choice.baseNgramWeight)
          : m.isBase && usesShippedNgram(choice)
            ? shippedNgram()
            : null;
    const ng = found && isSameVocab(found.vocab, m.spec.vocab) ? found : null;
    // A mixture's weight follows the document as it is written (ml/mix-weight.ts): read with the LSTM.
    // (A corpus re-imported since has a new n-gram: the weight starts again with it.)
    if (ng && choice!.source === 'mix' && doc.mix?.ngram !== ng)
      doc.mix = new MixWeightTracker(choice!.lambda, m.runner, ng, m.tok);
    doc.mix?.begin(p.text);
    const { fed } = doc.state.update(p.text, doc.mix?.onChar);
    doc.cache.update(p.text);
    // Every source is revised by the document's own words so far (ml/document-cache.ts), as measured.
    const recent = m.tok.encode(p.text.slice(-64));
    const cached = <S>(inner: StepModel<S>, s: S) => {
      const cm = new CachedModel(inner, doc.cache.cache);
      return { cm, state: cm.wrap(s, recent) };
    };
    if (ng) {
      const ctx = ngramContext(ng.order, m.tok, p.text);
      const opts = optsFor(thresholdOf(choice!, choice!.source));
      if (choice!.source === 'ngram') {
        const { cm, state } = cached(ng, ctx);
        return answer(suggestAlternatives(cm, m.tok, state, opts, n, before), fed, 'ngram');
      }
      const { cm, state } = cached(new MixtureModel(m.runner, ng, choice!.lambda), {
        a: doc.state.current,
        b: ctx,
        w: doc.mix?.weight,
      });
      // 'mix-base': mixed with the base's own n-gram (as shipped), not with the writer's phrases.
      return answer(
        suggestAlternatives(cm, m.tok, state, opts, n, before),
        fed,
        m.corpusId === null ? 'mix-base' : 'mix',
      );
    }
    const { cm, state } = cached(m.runner, doc.state.current);
    return answer(
      suggestAlternatives(cm, m.tok, state, optsFor(choice ? thresholdOf(choice, 'lstm') : undefined), n, before),
      fed,
      'lstm',
    );
  }

  function model(name: string): LoadedModel {
    const row = getModel(db, name);
    if (!row) throw noModel(name);
    // Checked on every suggestion: a stamp, not the weights BLOB (megabytes for a medium model).
    const key = `${usableCheckpointStamp(db, row.id) ?? ''}:${row.suggest_source ?? ''}`;
    const cached = loaded.get(name);
    if (cached && cached.key === key) return cached;
    const { spec, weights } = loadWeightsFor(db, row);
    const source = row.suggest_source ? (JSON.parse(row.suggest_source) as SourceChoice) : null;
    const m: LoadedModel = {
      key,
      spec,
      tok: CharTokenizer.fromSpec(spec),
      runner: new LstmRunner(spec, weights),
      docs: new Map(),
      source,
      // The base fitted to the writer's text mixes with a corpus of theirs (services/base-fit.ts).
      corpusId: row.corpus_id ?? (source?.corpus ? (getCorpus(db, source.corpus)?.id ?? null) : null),
      isBase: row.origin === 'base',
    };
    loaded.set(name, m);
    return m;
  }

  // Every method of the contract (workers/ml-host-api.ts), typed by it.
  const methods: { [M in MlMethod]: (p: MlParsed<M>, ctx: CallContext) => MlResult<M> | Promise<MlResult<M>> } = {
    info: () => ({ backend, dataDir, pid: process.pid }),
    estimate: (p) => estimate(db, backend, p),
    // Work too heavy for the app's main thread (seconds per megabyte, or tfjs) runs here too.
    'ngram.refresh': (p) => refreshNgram(db, p.corpus),
    'library.import': (p) => {
      const r = importBuffers(
        db,
        p.corpus,
        p.files.map((f) => ({ name: f.name, data: Buffer.from(f.data, 'base64') })),
      );
      return { ...r, ngram: r.imported > 0 ? refreshNgram(db, r.corpus) : null };
    },
    'models.export': (p) => exportModel(db, p.name, p.dir),
    'models.import': (p) => importModel(db, p.dir, p.name),
    'models.exportFiles': async (p) => ({
      files: (await exportModelFiles(db, p.name)).map((f) => ({ name: f.name, data: f.data.toString('base64') })),
    }),
    'models.importFiles': (p) =>
      importModelFiles(
        db,
        p.name,
        p.files.map((f) => ({ name: f.name, data: Buffer.from(f.data, 'base64') })),
      ),
    'models.measure': (p) => measureModel(db, backend, p.name, p.corpus),
    'base.fit': (p) => fitBase(db, p.corpus),
    train: (p, ctx) => train(db, backend, p, ctx),
    learn: (p, ctx) => learnFromDrafts(db, backend, p, () => ctx.isCancelled()),
    generate: (p) => {
      const m = model(p.model);
      return generate(m.runner, m.tok, p.prompt, p.length, p);
    },
    eval: (p) => evaluateModel(db, p),
    suggest: (p) => suggest(p),
  };

  return {
    db,
    async call(method: string, params: unknown, ctx: CallContext): Promise<unknown> {
      if (!isMlMethod(method)) throw new NibError('invalid', `unknown ML host method "${method}"`);
      const fn = methods[method] as (p: unknown, ctx: CallContext) => unknown;
      return fn(parseMlParams(method, params), ctx);
    },
  };
}

/**
 * How long training would take here: a few real steps of the preset's model on random windows,
 * timed on the engine the run would train on (services/engine-choice.ts: the measured or forced
 * choice, a GPU included), extrapolated. Also the parameter count for the corpus's vocabulary.
 */
async function estimate(db: Db, backend: BackendReport, p: MlParsed<'estimate'>): Promise<TrainEstimate> {
  const corpus = getCorpus(db, p.corpus);
  if (!corpus) throw noCorpus(p.corpus);
  const base = p.from !== 'scratch' ? getBaseModel(db) : undefined;
  const pr = base ? { ...PRESETS.medium, ...DEFAULT_FINETUNE } : PRESETS[p.preset ?? 'small'];
  const spec: ModelSpec = base
    ? (JSON.parse(base.spec) as ModelSpec)
    : {
        kind: 'char-lstm',
        vocab: corpusVocab(corpusTexts(db, corpus.id)),
        unk: null,
        embedding: pr.embedding,
        units: Array(pr.layers).fill(pr.units),
        recurrentActivation: 'sigmoid',
      };
  const shape = { batch: pr.batch, seqLen: pr.seqLen };
  const { engine } = await engineFor(db, spec, initWeights(spec, 1), shape, backend);
  try {
    const n = pr.batch * pr.seqLen;
    const x = Int32Array.from({ length: n }, (_, i) => (i * 7) % spec.vocab.length);
    const y = Int32Array.from({ length: n }, (_, i) => (i * 5) % spec.vocab.length);
    const opts = { lr: 1e-3, clipNorm: 5, dropout: 0, seed: 1 };
    // Warm-up: the first steps of a fresh engine are slower (its threads and caches start up).
    for (let i = 0; i < 2; i++) await engine.trainStep(x, y, pr.batch, pr.seqLen, opts);
    const t0 = performance.now();
    const reps = 3;
    for (let i = 0; i < reps; i++) await engine.trainStep(x, y, pr.batch, pr.seqLen, opts);
    const timed = (performance.now() - t0) / 1000 / reps;
    // The pace of a real run of this shape here, when there has been one (store/runs.ts).
    const paced = recentPace(db, {
      units: spec.units,
      embedding: spec.embedding,
      vocab: spec.vocab.length,
      batch: pr.batch,
      seqLen: pr.seqLen,
      engine: engine.name,
    });
    const secondsPerStep = paced ?? timed;
    return {
      params: paramCount(spec),
      secondsPerStep,
      totalSec: secondsPerStep * p.steps,
      engine: engine.name,
      basis: paced ? ('past run' as const) : ('timed' as const),
    };
  } finally {
    engine.dispose();
  }
}
