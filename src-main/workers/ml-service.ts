import { NibError, notFound } from '../api/errors.ts';
import { loadWeightsFor } from '../api/model-weights.ts';
import { evaluateModel, type EvalParams } from '../api/evaluate.ts';
import { corpusVocab, loadStoredNgram, refreshNgram, storedNgramStamp } from '../api/ngram.ts';
import { MixtureModel } from '../ml/mixture.ts';
import type { NgramModel } from '../ml/ngram.ts';
import { thresholdOf, type SourceChoice } from '../ml/source-choice.ts';
import { exportModel, importModel } from '../api/model-transfer.ts';
import { importBuffers } from '../api/library.ts';
import { installBaseModel } from '../api/base-model.ts';
import { learnFromDrafts, type LearnParams } from '../api/learning.ts';
import { chooseSource } from '../api/source-choice.ts';
import type {
  GenerateParams,
  GenerateResult,
  SuggestParams,
  SuggestResult,
  TrainEvent,
  TrainParams,
  TrainResult,
} from '../api/contract.ts';
import type { BackendReport } from '../ml/backend.ts';
import { DocumentState } from '../ml/document-state.ts';
import type { OptimizerState } from '../ml/engine.ts';
import { createEngine } from '../ml/engines.ts';
import { LstmRunner } from '../ml/lstm-runner.ts';
import { generate } from '../ml/sample.ts';
import { paramCount, PRESETS, type ModelSpec } from '../ml/spec.ts';
import { DEFAULT_SUGGEST, suggestAlternatives, type Suggestion } from '../ml/suggest.ts';
import { DEFAULT_FINETUNE, DEFAULT_TRAIN, type TrainConfig } from '../ml/train-config.ts';
import { defaultMemoryLimit, trainingBytes } from '../ml/memory.ts';
import { isSharedVocab, MAX_UNKNOWN_SHARE, SHARED_UNK, SHARED_VOCAB, unknownShare } from '../ml/vocab.ts';
import { DataError, splitCorpus } from '../ml/train-data.ts';
import { initialTrainerState, runTraining, type TrainerState } from '../ml/train-loop.ts';
import { buildVocab, CharTokenizer } from '../ml/tokenizer.ts';
import { decodeArrays, encodeArrays, initWeights, type Weights } from '../ml/weights.ts';
import { corpusTexts, getCorpus, getCorpusById } from '../store/corpora.ts';
import { openDb, type Db } from '../store/db.ts';
import {
  createModel,
  getBaseModel,
  getModel,
  loadCheckpoint,
  usableCheckpointStamp,
  saveCheckpoints,
  setModelStatus,
  setTrainConfig,
} from '../store/models.ts';
import { addMetrics, endRun, liveRun, markAbandonedRuns, startRun, type MetricPoint } from '../store/runs.ts';

export interface CallContext {
  emit(event: unknown): void;
  isCancelled(): boolean;
}

export function encodeOptimizer(s: OptimizerState): Uint8Array {
  return encodeArrays([...s.m.map((a) => ({ ...a, name: `m:${a.name}` })), ...s.v.map((a) => ({ ...a, name: `v:${a.name}` }))], { t: s.t });
}

export function decodeOptimizer(bytes: Uint8Array): OptimizerState {
  const { arrays, meta } = decodeArrays(bytes);
  const strip = (a: (typeof arrays)[number]) => ({ ...a, name: a.name.slice(2) });
  return {
    t: (meta as { t: number }).t,
    m: arrays.filter((a) => a.name.startsWith('m:')).map(strip),
    v: arrays.filter((a) => a.name.startsWith('v:')).map(strip),
  };
}

/** A model ready for inference, reloaded when its checkpoint changes. */
interface LoadedModel {
  key: string;
  spec: ModelSpec;
  tok: CharTokenizer;
  runner: LstmRunner;
  docs: Map<string, DocumentState>;
  source: SourceChoice | null;
  corpusId: number | null;
}

/** The last order−1 token ids of a text: an n-gram's state after it. */
function ngramContext(model: NgramModel, tok: CharTokenizer, text: string): number[] {
  const k = model.order - 1;
  return Array.from(tok.encode(Array.from(text.slice(-k * 4)).slice(-k).join(''))).slice(-k);
}

function isSameVocab(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** The ML service of one data folder: what the ML host process runs. */
export function openService(dataDir: string, backend: BackendReport) {
  if (!dataDir) throw new NibError('invalid', 'the ML host needs NIB_DATA_DIR');
  const db = openDb(dataDir);
  installBaseModel(db);
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

  function suggest(p: SuggestParams): SuggestResult {
    const t0 = performance.now();
    // The confidence bar: the caller's if given, else the one measured for this model and source.
    const optsFor = (threshold: number | undefined) => ({
      maxChars: p.maxChars ?? DEFAULT_SUGGEST.maxChars,
      maxWords: p.maxWords ?? DEFAULT_SUGGEST.maxWords,
      threshold: p.threshold ?? threshold ?? DEFAULT_SUGGEST.threshold,
      creativity: p.creativity ?? 0.5,
    });
    const n = p.alternatives ?? 3;
    const before = p.text.slice(-80);
    const answer = (alts: Suggestion[], fed: number, source: string): SuggestResult => ({
      suggestion: alts[0]?.text ?? '',
      probability: alts[0]?.probability ?? 0,
      alternatives: alts.map((a) => a.text),
      latencyMs: performance.now() - t0,
      fedChars: fed,
      source,
    });
    if (p.corpus) {
      // The corpus's n-gram model (it reads only its last few characters).
      const corpus = getCorpus(db, p.corpus);
      if (!corpus) throw notFound(`no corpus named "${p.corpus}" (nib corpora lists them)`);
      const ng = ngramOf(corpus.id) ?? (refreshNgram(db, p.corpus) ? ngramOf(corpus.id) : null);
      if (!ng) throw new NibError('data', `corpus "${p.corpus}" is empty: import some text first`);
      const ctx = ngramContext(ng.model, ng.tok, p.text);
      return answer(suggestAlternatives(ng.model, ng.tok, ctx, optsFor(undefined), n, before), ctx.length, 'ngram');
    }
    const m = model(p.model!);
    let doc = p.docKey ? m.docs.get(p.docKey) : undefined;
    if (!doc) {
      doc = new DocumentState(m.runner, m.tok);
      if (p.docKey) m.docs.set(p.docKey, doc);
    }
    const { fed } = doc.update(p.text);
    // The source measured for this model when its training ended (ml/source-choice.ts).
    const choice = m.source;
    const ng = choice && choice.source !== 'lstm' && m.corpusId !== null ? ngramOf(m.corpusId) : null;
    if (ng && isSameVocab(ng.model.vocab, m.spec.vocab)) {
      const ctx = ngramContext(ng.model, m.tok, p.text);
      const opts = optsFor(thresholdOf(choice!, choice!.source));
      if (choice!.source === 'ngram') return answer(suggestAlternatives(ng.model, m.tok, ctx, opts, n, before), fed, 'ngram');
      const mix = new MixtureModel(m.runner, ng.model, choice!.lambda);
      return answer(suggestAlternatives(mix, m.tok, { a: doc.current, b: ctx }, opts, n, before), fed, 'mix');
    }
    return answer(suggestAlternatives(m.runner, m.tok, doc.current, optsFor(choice ? thresholdOf(choice, 'lstm') : undefined), n, before), fed, 'lstm');
  }

  function model(name: string): LoadedModel {
    const row = getModel(db, name);
    if (!row) throw notFound(`no model named "${name}" (nib models lists them)`);
    // Checked on every suggestion: a stamp, not the weights BLOB (megabytes for a medium model).
    const key = `${usableCheckpointStamp(db, row.id) ?? ''}:${row.suggest_source ?? ''}`;
    const cached = loaded.get(name);
    if (cached && cached.key === key) return cached;
    const { spec, weights } = loadWeightsFor(db, row);
    const source = row.suggest_source ? (JSON.parse(row.suggest_source) as SourceChoice) : null;
    const m: LoadedModel = { key, spec, tok: CharTokenizer.fromSpec(spec), runner: new LstmRunner(spec, weights), docs: new Map(), source, corpusId: row.corpus_id };
    loaded.set(name, m);
    return m;
  }

  const methods: Record<string, (params: never, ctx: CallContext) => unknown> = {
    info: () => ({ backend, dataDir, pid: process.pid }),
    estimate: async (p: EstimateParams) => estimate(db, backend, p),
    // Work too heavy for the app's main thread (seconds per megabyte, or tfjs) runs here too.
    'ngram.refresh': (p: { corpus: string }) => refreshNgram(db, p.corpus),
    'library.import': (p: { corpus: string; files: { name: string; data: string }[] }) => {
      const r = importBuffers(db, p.corpus, p.files.map((f) => ({ name: f.name, data: Buffer.from(f.data, 'base64') })));
      return { ...r, ngram: r.imported > 0 ? refreshNgram(db, r.corpus) : null };
    },
    'models.export': (p: { name: string; dir: string }) => exportModel(db, p.name, p.dir),
    'models.import': (p: { name: string; dir: string }) => importModel(db, p.dir, p.name),
    train: (p: TrainParams, ctx) => train(db, backend, p, ctx),
    learn: (p: LearnParams, ctx) => learnFromDrafts(db, backend, p, () => ctx.isCancelled()),
    generate: (p: GenerateParams): GenerateResult => {
      const m = model(p.model);
      return generate(m.runner, m.tok, p.prompt, p.length, p);
    },
    eval: (p: EvalParams) => evaluateModel(db, p),
    suggest: (p: SuggestParams): SuggestResult => suggest(p),
  };

  return {
    db,
    async call(method: string, params: unknown, ctx: CallContext): Promise<unknown> {
      const fn = methods[method];
      if (!fn) throw new NibError('invalid', `unknown ML host method "${method}"`);
      return fn(params as never, ctx);
    },
  };
}

export interface EstimateParams {
  corpus: string;
  /** 'base' (default): the base model's architecture; 'scratch': the preset's. */
  from?: 'base' | 'scratch';
  preset?: keyof typeof PRESETS;
  steps: number;
}

/**
 * How long training would take here: a few real steps of the preset's model on random windows,
 * timed on this machine's engine, extrapolated. Also the parameter count for the corpus's vocabulary.
 */
async function estimate(db: Db, backend: BackendReport, p: EstimateParams): Promise<{ params: number; secondsPerStep: number; totalSec: number }> {
  const corpus = getCorpus(db, p.corpus);
  if (!corpus) throw notFound(`no corpus named "${p.corpus}"`);
  const base = p.from !== 'scratch' ? getBaseModel(db) : undefined;
  const pr = base ? { ...PRESETS.medium, ...DEFAULT_FINETUNE } : PRESETS[p.preset ?? 'small'];
  const spec: ModelSpec = base
    ? (JSON.parse(base.spec) as ModelSpec)
    : { kind: 'char-lstm', vocab: corpusVocab(corpusTexts(db, corpus.id)), unk: null, embedding: pr.embedding, units: Array(pr.layers).fill(pr.units), recurrentActivation: 'sigmoid' };
  const engine = createEngine(spec, initWeights(spec, 1), backend);
  try {
    const n = pr.batch * pr.seqLen;
    const x = Int32Array.from({ length: n }, (_, i) => (i * 7) % spec.vocab.length);
    const y = Int32Array.from({ length: n }, (_, i) => (i * 5) % spec.vocab.length);
    const opts = { lr: 1e-3, clipNorm: 5, dropout: 0, seed: 1 };
    await engine.trainStep(x, y, pr.batch, pr.seqLen, opts); // warm-up
    const t0 = performance.now();
    const reps = 3;
    for (let i = 0; i < reps; i++) await engine.trainStep(x, y, pr.batch, pr.seqLen, opts);
    const secondsPerStep = (performance.now() - t0) / 1000 / reps;
    return { params: paramCount(spec), secondsPerStep, totalSec: secondsPerStep * p.steps };
  } finally {
    engine.dispose();
  }
}

async function train(db: Db, backend: BackendReport, p: TrainParams, ctx: CallContext): Promise<TrainResult> {
  markAbandonedRuns(db);
  let row = getModel(db, p.model);
  let spec: ModelSpec;
  let weights: Weights;
  let optimizer: OptimizerState | null = null;
  let trainer: TrainerState;
  let config: TrainConfig;
  let corpusId: number;
  let corpusName: string;
  let parentName: string | null = null;
  if (p.resume) {
    if (!row) throw notFound(`no model named "${p.model}" to resume (nib models lists them)`);
    const live = liveRun(db, row.id);
    if (live) throw new NibError('conflict', `model "${p.model}" is being trained right now by process ${live.pid}`);
    const cp = loadCheckpoint(db, row.id, 'latest');
    if (!cp) throw new NibError('data', `model "${p.model}" has no checkpoint to resume from`);
    if (row.corpus_id === null) throw new NibError('data', `the corpus model "${p.model}" was trained on has been deleted, so it cannot be trained further`);
    spec = JSON.parse(row.spec) as ModelSpec;
    config = { ...DEFAULT_TRAIN, ...(row.train_config ? (JSON.parse(row.train_config) as TrainConfig) : {}), ...p.config };
    weights = decodeArrays(cp.weights).arrays;
    optimizer = cp.optimizer ? decodeOptimizer(cp.optimizer) : null;
    trainer = { ...(JSON.parse(cp.trainer ?? 'null') as TrainerState), badEvals: 0 };
    // The latest checkpoint may predate the best (a crash between checkpoints): early stopping and
    // the learning-rate schedule measure against the best ever recorded.
    const best = loadCheckpoint(db, row.id, 'best');
    if (best?.val_loss != null && (trainer.bestValLoss === null || best.val_loss < trainer.bestValLoss)) {
      trainer.bestValLoss = best.val_loss;
      trainer.bestStep = best.step;
    }
    // The goal it was started with: without a new --max-time, only what is left of the old budget.
    if (p.config.maxTimeSec === undefined && trainer.timeGoalSec !== undefined && config.maxTimeSec > 0) {
      config.maxTimeSec = trainer.timeGoalSec - trainer.elapsedSec;
      if (config.maxTimeSec <= 1) throw new NibError('invalid', `model "${p.model}" has used its time budget`, { cli: 'pass --max-time to train it further', app: 'give it a new time limit to train it further' });
    }
    if (config.maxSteps > 0 && trainer.step >= config.maxSteps) {
      throw new NibError('invalid', `model "${p.model}" has already trained ${trainer.step} steps`, { cli: 'pass a larger --max-steps (or --max-time) to continue', app: 'raise its steps (or give it a time limit) to continue' });
    }
    corpusId = row.corpus_id;
    corpusName = getCorpusById(db, corpusId)?.name ?? String(corpusId);
  } else {
    if (row) {
      throw new NibError('conflict', `a model named "${p.model}" already exists`, { cli: `continue it with nib train --resume ${p.model}, or choose another --model name`, app: 'resume it from the list below, or type another model name' });
    }
    if (!p.corpus) throw new NibError('invalid', 'which corpus?', { cli: 'pass --corpus NAME (nib corpora lists them)', app: 'choose a corpus' });
    const corpus = getCorpus(db, p.corpus);
    if (!corpus) throw new NibError('not-found', `no corpus named "${p.corpus}"`, { cli: `nib corpora lists them; nib import PATH --corpus ${p.corpus} creates it`, app: 'import writing into it in the Library first' });
    if (corpus.documents === 0) throw new NibError('data', `corpus "${p.corpus}" is empty`, { cli: `import some text first (nib import PATH --corpus ${p.corpus})`, app: 'import some writing into it in the Library first' });
    corpusId = corpus.id;
    corpusName = corpus.name;
    const from = p.from ?? 'base';
    if (from === 'scratch') {
      const preset = PRESETS[p.preset ?? 'small'];
      config = { ...DEFAULT_TRAIN, seqLen: preset.seqLen, batch: preset.batch, ...p.config };
      const layers = p.layers ?? preset.layers;
      const texts = corpusTexts(db, corpusId);
      // The shared vocabulary, so the model can later be mixed with or fine-tuned like the others,
      // unless the corpus is mostly outside it (another script).
      const shared = unknownShare(texts).share <= MAX_UNKNOWN_SHARE;
      spec = {
        kind: 'char-lstm',
        vocab: shared ? [...SHARED_VOCAB] : buildVocab(texts),
        unk: shared ? SHARED_UNK : null,
        embedding: p.embedding ?? preset.embedding,
        units: Array(layers).fill(p.units ?? preset.units),
        recurrentActivation: 'sigmoid',
      };
      weights = initWeights(spec, config.seed);
    } else {
      if (p.preset || p.layers || p.units || p.embedding) {
        throw new NibError('invalid', `a fine-tuned model keeps the architecture of the model it starts from: size options apply only when training from scratch`);
      }
      const parentRow = from === 'base' ? getBaseModel(db) : getModel(db, from);
      if (!parentRow) {
        throw from === 'base' ? new NibError('data', 'the base model is not installed in this data folder') : notFound(`no model named "${from}" to start from`);
      }
      const parent = loadWeightsFor(db, parentRow);
      if (!isSharedVocab(parent.spec.vocab)) {
        throw new NibError('invalid', `model "${parentRow.name}" has a vocabulary of its own, so it cannot be fine-tuned on another corpus: start from the base model or from scratch`);
      }
      parentName = parentRow.name;
      spec = parent.spec;
      weights = parent.weights;
      config = { ...DEFAULT_FINETUNE, ...p.config };
    }
    trainer = initialTrainerState(config);
  }

  if (!p.resume || p.config.maxTimeSec !== undefined) trainer.timeGoalSec = config.maxTimeSec > 0 ? trainer.elapsedSec + config.maxTimeSec : undefined;
  const need = trainingBytes(spec, config.batch, config.seqLen, config.dropout);
  const limit = p.maxMemoryBytes ?? defaultMemoryLimit();
  if (need > limit) {
    const gb = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;
    throw new NibError('invalid', `this run would need about ${gb(need)} of memory, more than the ${gb(limit)} allowed`, {
      cli: 'use fewer units, a shorter sequence or a smaller batch (or raise the limit with --max-memory)',
      app: 'choose a smaller size',
    });
  }
  const tok = CharTokenizer.fromSpec(spec);
  let data;
  try {
    data = splitCorpus(corpusTexts(db, corpusId), tok, config.valFraction, config.seqLen);
  } catch (e) {
    if (e instanceof DataError) throw new NibError('data', `cannot train on corpus "${corpusName}": ${e.problem}`, e.hint);
    throw e;
  }
  // Claim the model: one write transaction (IMMEDIATE, so two processes cannot both pass the
  // check) sees that no live run trains it and records this one. A second trainer of the same
  // model, started at the same instant, waits for the lock and is then refused.
  const claim = db.transaction((existing: typeof row) => {
    const current = getModel(db, p.model);
    if (!existing && current) throw new NibError('conflict', `a model named "${p.model}" was just created by another process: choose another name`);
    if (existing) {
      const live = current && liveRun(db, current.id);
      if (live) throw new NibError('conflict', `model "${p.model}" is being trained right now by process ${live.pid}`);
    }
    const r = current ?? createModel(db, { name: p.model, corpusId, corpusName, spec, parent: parentName });
    setTrainConfig(db, r.id, config);
    setModelStatus(db, r.id, 'training');
    return { row: r, runId: startRun(db, r.id, config, backend.name, trainer.step, process.pid) };
  });
  const claimed = claim.immediate(row);
  row = claimed.row;
  const modelId = row.id;
  const runId = claimed.runId;
  const engine = createEngine(spec, weights, backend);
  if (optimizer) engine.setOptimizerState(optimizer);

  ctx.emit({
    type: 'start',
    model: p.model,
    runId,
    resumedFromStep: trainer.step,
    params: paramCount(spec),
    vocab: spec.vocab.length,
    trainChars: data.train.length,
    valChars: data.val.length,
    backend: backend.label,
    engine: engine.name,
    config,
  } satisfies TrainEvent);

  const metrics: MetricPoint[] = [];
  const flush = () => {
    if (metrics.length) addMetrics(db, runId, metrics.splice(0));
  };
  let lastEmit = 0;
  const startStep = trainer.step;
  const runStart = performance.now();
  try {
    const { reason, state } = await runTraining(engine, data, config, trainer, {
      onProgress(pr) {
        metrics.push({ step: pr.step, trainLoss: pr.trainLoss, valLoss: null, lr: pr.lr, charsPerSec: pr.charsPerSec, elapsedSec: pr.elapsedSec });
        const now = performance.now();
        if (now - lastEmit > 200) {
          lastEmit = now;
          ctx.emit({ type: 'progress', ...pr } satisfies TrainEvent);
        }
      },
      onEval(ev) {
        metrics.push({ step: ev.step, trainLoss: null, valLoss: ev.valLoss, lr: ev.lr, charsPerSec: null, elapsedSec: ev.elapsedSec });
        flush();
        if (ev.improved) {
          saveCheckpoints(
            db,
            modelId,
            [{ kind: 'best', step: ev.step, valLoss: ev.valLoss, weights: encodeArrays(engine.getWeights()), optimizer: null, trainer: null }],
            { steps: ev.step, trainSeconds: ev.elapsedSec, bestValLoss: ev.bestValLoss },
          );
        }
        // A short sample at each evaluation shows the writer what the model has learned so far.
        const sampleRunner = new LstmRunner(spec, engine.getWeights());
        const sample = generate(sampleRunner, tok, '\n', 160, { temperature: 0.8, topK: 0, topP: 1, seed: ev.step }).text;
        ctx.emit({ type: 'eval', ...ev, sample } satisfies TrainEvent);
      },
      onCheckpoint(s) {
        flush();
        saveCheckpoints(
          db,
          modelId,
          [{ kind: 'latest', step: s.step, valLoss: s.bestValLoss, weights: encodeArrays(engine.getWeights()), optimizer: encodeOptimizer(engine.getOptimizerState()), trainer: s }],
          { steps: s.step, trainSeconds: s.elapsedSec, bestValLoss: s.bestValLoss },
        );
        ctx.emit({ type: 'checkpoint', step: s.step } as TrainEvent);
      },
      shouldStop: () => (ctx.isCancelled() ? 'cancelled' : null),
    });
    flush();
    endRun(db, runId, reason === 'cancelled' ? 'cancelled' : 'completed', reason);
    setModelStatus(db, modelId, reason === 'cancelled' ? 'interrupted' : 'ready');
    const runSec = (performance.now() - runStart) / 1000;
    // A finished model: measure which source suggests best on its held-out text (half a minute).
    let suggestSource: SourceChoice | null = null;
    if (reason !== 'cancelled' && p.chooseSource !== false) {
      ctx.emit({ type: 'measuring', model: p.model } satisfies TrainEvent);
      suggestSource = chooseSource(db, getModel(db, p.model)!);
    }
    return {
      suggestSource,
      model: p.model,
      reason,
      steps: state.step,
      bestValLoss: state.bestValLoss,
      bestStep: state.bestStep,
      elapsedSec: state.elapsedSec,
      runSec,
      charsPerSec: ((state.step - startStep) * config.batch * config.seqLen) / Math.max(runSec, 1e-9),
    };
  } catch (e) {
    flush();
    endRun(db, runId, 'failed', (e as Error).message);
    setModelStatus(db, modelId, usableCheckpointStamp(db, modelId) ? 'interrupted' : 'failed');
    if (e instanceof Error && /diverged/.test(e.message)) throw new NibError('data', e.message.replace(/: lower --lr$/, ''), { cli: 'lower --lr', app: 'try again; if it happens again, train from the base model rather than from scratch' });
    throw e;
  } finally {
    engine.dispose();
  }
}
