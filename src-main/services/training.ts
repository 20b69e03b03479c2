import type { BackendReport } from '../ml/backend.ts';
import type { OptimizerState, TrainEngine } from '../ml/engine.ts';
import { createEngine } from '../ml/engines.ts';
import { LstmRunner } from '../ml/lstm-runner.ts';
import { defaultMemoryLimit, trainingBytes } from '../ml/memory.ts';
import { decodeOptimizer, encodeOptimizer } from '../ml/optimizer-state.ts';
import { generate } from '../ml/sample.ts';
import type { SourceChoice } from '../ml/source-choice.ts';
import { paramCount, PRESETS, type ModelSpec } from '../ml/spec.ts';
import { buildVocab, CharTokenizer } from '../ml/tokenizer.ts';
import { engineFor } from './engine-choice.ts';
import { trainWithFallback } from '../ml/engine-fallback.ts';
import { DEFAULT_FINETUNE, DEFAULT_TRAIN, type TrainConfig } from '../ml/train-config.ts';
import { DataError, splitCorpus, type TrainData } from '../ml/train-data.ts';
import {
  DivergedError,
  evaluate,
  initialTrainerState,
  runTraining,
  type TrainerState,
  type TrainHooks,
} from '../ml/train-loop.ts';
import { isSharedVocab, MAX_UNKNOWN_SHARE, SHARED_UNK, SHARED_VOCAB, unknownShare } from '../ml/vocab.ts';
import { decodeArrays, encodeArrays, initWeights, type Weights } from '../ml/weights.ts';
import { corpusTexts, getCorpus, getCorpusById } from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import {
  createModel,
  getBaseModel,
  getModel,
  loadCheckpoint,
  saveCheckpoints,
  setModelStatus,
  setTrainConfig,
  usableCheckpointStamp,
  type ModelRow,
} from '../store/models.ts';
import { corpusDigest } from '../store/ngrams.ts';
import {
  addMetrics,
  dropMetricsAfter,
  endRun,
  liveRun,
  markAbandonedRuns,
  startRun,
  type MetricPoint,
  setRunEngine,
} from '../store/runs.ts';
import type { TrainEvent, TrainParams, TrainResult } from '../api/contract.ts';
import { NibError, noModel } from '../api/errors.ts';
import { loadWeightsFor } from './model-weights.ts';
import { chooseSource } from './source-choice.ts';

/**
 * A training run, from request to result, in four steps that each do one thing:
 *   prepareRun — what the run starts from (a resume's checkpoint, the base, another model or fresh
 *                weights), its configuration, memory check and data split; reads only;
 *   claimRun   — records the run and marks the model as training, in one IMMEDIATE transaction so
 *                two processes can never train the same model;
 *   recordRun  — the loop's hooks: metrics, best and latest checkpoints, samples, progress events;
 *   train      — runs them around the training loop and ends the run as completed, cancelled or failed.
 * The ML host calls `train`; nothing here knows which process or front end asked.
 */

/** What a training run needs before it can start. */
export interface PreparedRun {
  /** The model's row when resuming (it exists), null for a new model. */
  row: ModelRow | null;
  spec: ModelSpec;
  weights: Weights;
  optimizer: OptimizerState | null;
  trainer: TrainerState;
  config: TrainConfig;
  corpusId: number;
  corpusName: string;
  /** The model a new one is fine-tuned from (recorded as its parent). */
  parentName: string | null;
  data: TrainData;
  tok: CharTokenizer;
  /**
   * A resume whose corpus gained or lost documents since the run began: its held-out text is not
   * the one its best was measured on, so the best is measured again before training goes on.
   */
  corpusChanged: boolean;
}

/** A progress reporter: the run's events, as the ML host forwards them to whoever asked. */
export interface RunContext {
  emit(event: TrainEvent): void;
  isCancelled(): boolean;
}

/** Resolves what the run starts from and checks that it can run; writes nothing. */
export function prepareRun(db: Db, p: TrainParams): PreparedRun {
  const row = getModel(db, p.model) ?? null;
  const start = p.resume ? resumePoint(db, p, row) : newModelStart(db, p, row);
  const { spec, config, trainer } = start;
  if (!p.resume || p.config.maxTimeSec !== undefined)
    trainer.timeGoalSec = config.maxTimeSec > 0 ? trainer.elapsedSec + config.maxTimeSec : undefined;
  const need = trainingBytes(spec, config.batch, config.seqLen, config.dropout);
  const limit = p.maxMemoryBytes ?? defaultMemoryLimit();
  if (need > limit) {
    const gb = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;
    throw new NibError(
      'invalid',
      `this run would need about ${gb(need)} of memory, more than the ${gb(limit)} allowed`,
      {
        cli: 'use fewer units, a shorter sequence or a smaller batch (or raise the limit with --max-memory)',
        app: 'choose a smaller size',
      },
    );
  }
  const digest = corpusDigest(db, start.corpusId);
  // Checkpoints from before digests were recorded cannot tell: they are taken as unchanged.
  const corpusChanged = !!p.resume && trainer.corpusDigest !== undefined && trainer.corpusDigest !== digest;
  trainer.corpusDigest = digest;
  const tok = CharTokenizer.fromSpec(spec);
  let data: TrainData;
  try {
    data = splitCorpus(corpusTexts(db, start.corpusId), tok, config.valFraction, config.seqLen);
  } catch (e) {
    if (e instanceof DataError)
      throw new NibError('data', `cannot train on corpus "${start.corpusName}": ${e.problem}`, e.hint);
    throw e;
  }
  return { row: p.resume ? row : null, ...start, data, tok, corpusChanged };
}

type Start = Omit<PreparedRun, 'row' | 'data' | 'tok' | 'corpusChanged'>;

/** A resume: the latest checkpoint, with the goal the run was started with. */
function resumePoint(db: Db, p: TrainParams, row: ModelRow | null): Start {
  if (!row) throw noModel(p.model, ' to resume');
  const live = liveRun(db, row.id);
  if (live) throw new NibError('conflict', `model "${p.model}" is being trained right now by process ${live.pid}`);
  const cp = loadCheckpoint(db, row.id, 'latest');
  if (!cp) throw new NibError('data', `model "${p.model}" has no checkpoint to resume from`);
  if (row.corpus_id === null)
    throw new NibError(
      'data',
      `the corpus model "${p.model}" was trained on has been deleted, so it cannot be trained further`,
    );
  const config: TrainConfig = {
    ...DEFAULT_TRAIN,
    ...(row.train_config ? (JSON.parse(row.train_config) as TrainConfig) : {}),
    ...p.config,
  };
  const trainer: TrainerState = { ...(JSON.parse(cp.trainer ?? 'null') as TrainerState), badEvals: 0 };
  // The latest checkpoint may predate the best (a crash between checkpoints): early stopping and
  // the learning-rate schedule measure against the best ever recorded.
  const best = loadCheckpoint(db, row.id, 'best');
  if (best?.val_loss != null && (trainer.bestValLoss === null || best.val_loss < trainer.bestValLoss)) {
    trainer.bestValLoss = best.val_loss;
    trainer.bestStep = best.step;
  }
  // A new goal of one kind replaces the old goal of the other: "--resume --max-time 5m" after a
  // run of 70 steps trains for five minutes, not zero more steps (and a new --max-steps is not cut
  // short by what is left of an old time budget).
  if (p.config.maxTimeSec !== undefined && p.config.maxSteps === undefined) config.maxSteps = 0;
  if (p.config.maxSteps !== undefined && p.config.maxTimeSec === undefined) config.maxTimeSec = 0;
  // The goal it was started with: without a new --max-time, only what is left of the old budget.
  if (p.config.maxTimeSec === undefined && trainer.timeGoalSec !== undefined && config.maxTimeSec > 0) {
    config.maxTimeSec = trainer.timeGoalSec - trainer.elapsedSec;
    if (config.maxTimeSec <= 1)
      throw new NibError('invalid', `model "${p.model}" has used its time budget`, {
        cli: 'pass --max-time to train it further',
        app: 'give it a new time limit to train it further',
      });
  }
  if (config.maxSteps > 0 && trainer.step >= config.maxSteps) {
    throw new NibError('invalid', `model "${p.model}" has already trained ${trainer.step} steps`, {
      cli: 'pass a larger --max-steps (or --max-time) to continue',
      app: 'raise its steps (or give it a time limit) to continue',
    });
  }
  return {
    spec: JSON.parse(row.spec) as ModelSpec,
    weights: decodeArrays(cp.weights).arrays,
    optimizer: cp.optimizer ? decodeOptimizer(cp.optimizer) : null,
    trainer,
    config,
    corpusId: row.corpus_id,
    corpusName: getCorpusById(db, row.corpus_id)?.name ?? String(row.corpus_id),
    parentName: null,
  };
}

/** A new model: fine-tuned from the base (the default) or another model, or fresh weights. */
function newModelStart(db: Db, p: TrainParams, row: ModelRow | null): Start {
  if (row) {
    // The Train view offers only a paused or cut-off model for resuming (the CLI resumes any).
    const resumable = row.status === 'interrupted';
    throw new NibError('conflict', `a model named "${p.model}" already exists`, {
      cli:
        row.origin === 'base'
          ? `it is the shipped base model, which personalising starts from: choose another --model name`
          : `continue it with nib train --resume ${p.model}, or choose another --model name`,
      app: resumable
        ? 'resume it from the list below, or type another model name'
        : 'type another model name (the Models view lists the names taken)',
    });
  }
  if (!p.corpus)
    throw new NibError('invalid', 'which corpus?', {
      cli: 'pass --corpus NAME (nib corpora lists them)',
      app: 'choose a corpus',
    });
  const corpus = getCorpus(db, p.corpus);
  if (!corpus)
    throw new NibError('not-found', `no corpus named "${p.corpus}"`, {
      cli: `nib corpora lists them; nib import PATH --corpus ${p.corpus} creates it`,
      app: 'import writing into it in the Library first',
    });
  if (corpus.documents === 0)
    throw new NibError('data', `corpus "${p.corpus}" is empty`, {
      cli: `import some text first (nib import PATH --corpus ${p.corpus})`,
      app: 'import some writing into it in the Library first',
    });
  const from = p.from ?? 'base';
  if (from === 'scratch') {
    const preset = PRESETS[p.preset ?? 'small'];
    const config: TrainConfig = { ...DEFAULT_TRAIN, seqLen: preset.seqLen, batch: preset.batch, ...p.config };
    const texts = corpusTexts(db, corpus.id);
    // The shared vocabulary, so the model can later be mixed with or fine-tuned like the others,
    // unless the corpus is mostly outside it (another script).
    const shared = unknownShare(texts).share <= MAX_UNKNOWN_SHARE;
    const spec: ModelSpec = {
      kind: 'char-lstm',
      vocab: shared ? [...SHARED_VOCAB] : buildVocab(texts),
      unk: shared ? SHARED_UNK : null,
      embedding: p.embedding ?? preset.embedding,
      units: Array(p.layers ?? preset.layers).fill(p.units ?? preset.units),
      recurrentActivation: 'sigmoid',
    };
    return {
      spec,
      weights: initWeights(spec, config.seed),
      optimizer: null,
      trainer: initialTrainerState(config),
      config,
      corpusId: corpus.id,
      corpusName: corpus.name,
      parentName: null,
    };
  }
  if (p.preset || p.layers || p.units || p.embedding) {
    throw new NibError(
      'invalid',
      `a fine-tuned model keeps the architecture of the model it starts from: size options apply only when training from scratch`,
    );
  }
  const parentRow = from === 'base' ? getBaseModel(db) : getModel(db, from);
  if (!parentRow)
    throw from === 'base'
      ? new NibError('data', 'the base model is not installed in this data folder')
      : noModel(from, ' to start from');
  const parent = loadWeightsFor(db, parentRow);
  if (!isSharedVocab(parent.spec.vocab)) {
    throw new NibError(
      'invalid',
      `model "${parentRow.name}" has a vocabulary of its own, so it cannot be fine-tuned on another corpus: start from the base model or from scratch`,
    );
  }
  const config: TrainConfig = { ...DEFAULT_FINETUNE, ...p.config };
  return {
    spec: parent.spec,
    weights: parent.weights,
    optimizer: null,
    trainer: initialTrainerState(config),
    config,
    corpusId: corpus.id,
    corpusName: corpus.name,
    parentName: parentRow.name,
  };
}

/**
 * Claims the model for this run: one write transaction (IMMEDIATE, so two processes cannot both
 * pass the check) sees that no live run trains it, creates it if new and records the run. A
 * second trainer of the same model, started at the same instant, waits for the lock and is then
 * refused.
 */
export function claimRun(
  db: Db,
  p: TrainParams,
  run: PreparedRun,
  backend: BackendReport,
): { row: ModelRow; runId: number } {
  const claim = db.transaction(() => {
    const current = getModel(db, p.model);
    if (!run.row && current)
      throw new NibError(
        'conflict',
        `a model named "${p.model}" was just created by another process: choose another name`,
      );
    if (run.row) {
      const live = current && liveRun(db, current.id);
      if (live) throw new NibError('conflict', `model "${p.model}" is being trained right now by process ${live.pid}`);
    }
    const r =
      current ??
      createModel(db, {
        name: p.model,
        corpusId: run.corpusId,
        corpusName: run.corpusName,
        spec: run.spec,
        parent: run.parentName,
      });
    setTrainConfig(db, r.id, run.config);
    setModelStatus(db, r.id, 'training');
    return { row: r, runId: startRun(db, r.id, run.config, backend.name, run.trainer.step, process.pid) };
  });
  return claim.immediate();
}

/**
 * The training loop's hooks for a claimed run: metrics into the run's history (flushed at
 * evaluations and checkpoints), the best weights the moment they are found, the latest weights
 * with the optimizer and trainer state at each checkpoint, and progress events (progress at most
 * every 200 ms; a short sample at each evaluation shows the writer what the model has learned).
 */
export function recordRun(
  db: Db,
  modelId: number,
  runId: number,
  run: PreparedRun,
  /** The engine training now (a GPU run that fell back to the CPU changes it mid-run). */
  engineNow: () => TrainEngine,
  ctx: RunContext,
): TrainHooks & { flush(): void; rewind(step: number): void } {
  let metrics: MetricPoint[] = [];
  const flush = () => {
    if (metrics.length) addMetrics(db, runId, metrics.splice(0));
  };
  let lastEmit = 0;
  return {
    flush,
    /** Training goes on from the checkpoint at `step` (a GPU fallback): the points past it will be redone. */
    rewind(step) {
      metrics = metrics.filter((m) => m.step <= step);
      dropMetricsAfter(db, runId, step);
    },
    onProgress(pr) {
      metrics.push({
        step: pr.step,
        trainLoss: pr.trainLoss,
        valLoss: null,
        lr: pr.lr,
        charsPerSec: pr.charsPerSec,
        elapsedSec: pr.elapsedSec,
      });
      const now = performance.now();
      if (now - lastEmit > 200) {
        lastEmit = now;
        ctx.emit({ type: 'progress', ...pr });
      }
    },
    async onEval(ev) {
      const engine = engineNow();
      await engine.sync?.();
      metrics.push({
        step: ev.step,
        trainLoss: null,
        valLoss: ev.valLoss,
        lr: ev.lr,
        charsPerSec: null,
        elapsedSec: ev.elapsedSec,
      });
      flush();
      if (ev.improved) {
        saveCheckpoints(
          db,
          modelId,
          [
            {
              kind: 'best',
              step: ev.step,
              valLoss: ev.valLoss,
              weights: encodeArrays(engine.getWeights()),
              optimizer: null,
              trainer: null,
            },
          ],
          {
            steps: ev.step,
            trainSeconds: ev.elapsedSec,
            bestValLoss: ev.bestValLoss,
          },
        );
      }
      const sampleRunner = new LstmRunner(run.spec, engine.getWeights());
      const sample = generate(sampleRunner, run.tok, '\n', 160, {
        temperature: 0.8,
        topK: 0,
        topP: 1,
        seed: ev.step,
      }).text;
      ctx.emit({ type: 'eval', ...ev, sample });
    },
    async onCheckpoint(s) {
      const engine = engineNow();
      await engine.sync?.();
      flush();
      saveCheckpoints(
        db,
        modelId,
        [
          {
            kind: 'latest',
            step: s.step,
            valLoss: s.bestValLoss,
            weights: encodeArrays(engine.getWeights()),
            optimizer: encodeOptimizer(engine.getOptimizerState()),
            trainer: s,
          },
        ],
        { steps: s.step, trainSeconds: s.elapsedSec, bestValLoss: s.bestValLoss },
      );
      ctx.emit({ type: 'checkpoint', step: s.step });
    },
    shouldStop: () => (ctx.isCancelled() ? 'cancelled' : null),
  };
}

/**
 * After the corpus changed under a paused model: measures its best weights on the new held-out
 * text and records that as the best to beat. Without this, "best" would compare losses on two
 * different texts: a resume could keep weaker weights, or refuse better ones.
 */
async function remeasureBest(db: Db, modelId: number, run: PreparedRun, backend: BackendReport): Promise<string> {
  const best = loadCheckpoint(db, modelId, 'best');
  const said =
    'the corpus changed since this model last trained (documents added or removed), so its held-out text changed too';
  if (!best) return `${said}.`;
  const engine = createEngine(run.spec, decodeArrays(best.weights).arrays, backend);
  try {
    const valLoss = await evaluate(engine, run.data.val, run.config);
    const before = best.val_loss;
    saveCheckpoints(
      db,
      modelId,
      [{ kind: 'best', step: best.step, valLoss, weights: best.weights, optimizer: null, trainer: null }],
      { steps: run.trainer.step, trainSeconds: run.trainer.elapsedSec, bestValLoss: valLoss },
      { replaceBest: true },
    );
    run.trainer.bestValLoss = valLoss;
    run.trainer.bestStep = best.step;
    const bits = (x: number) => `${(x / Math.LN2).toFixed(3)}`;
    return `${said}: its best weights were measured again on it (${before != null ? `${bits(before)} → ` : ''}${bits(valLoss)} bits/char), and training goes on from there.`;
  } finally {
    engine.dispose();
  }
}

/** Trains a model as `p` asks (see the steps above); the result names the source it will suggest with. */
export async function train(db: Db, backend: BackendReport, p: TrainParams, ctx: RunContext): Promise<TrainResult> {
  markAbandonedRuns(db);
  const run = prepareRun(db, p);
  const { row, runId } = claimRun(db, p, run, backend);
  const notice = run.corpusChanged ? await remeasureBest(db, row.id, run, backend) : undefined;
  const chosen = await engineFor(db, run.spec, run.weights, run.config, backend);
  let engine = chosen.engine;
  setRunEngine(db, runId, engine.name);
  if (run.optimizer) engine.setOptimizerState(run.optimizer);
  ctx.emit({
    ...(notice && { notice }),
    type: 'start',
    model: p.model,
    runId,
    resumedFromStep: run.trainer.step,
    params: paramCount(run.spec),
    vocab: run.spec.vocab.length,
    trainChars: run.data.train.length,
    valChars: run.data.val.length,
    backend: backend.label,
    engine: engine.name,
    engineWhy: chosen.why,
    config: run.config,
  });
  const hooks = recordRun(db, row.id, runId, run, () => engine, ctx);
  const startStep = run.trainer.step;
  const runStart = performance.now();
  try {
    const { reason, state } = chosen.fallback
      ? await trainWithFallback(
          engine,
          chosen.fallback,
          (why, fromStep, cpu) => {
            engine = cpu;
            setRunEngine(db, runId, cpu.name);
            hooks.rewind(fromStep);
            ctx.emit({ type: 'fallback', why, fromStep, engine: cpu.name });
          },
          run.data,
          run.config,
          run.trainer,
          hooks,
          { weights: run.weights, optimizer: run.optimizer },
        )
      : await runTraining(engine, run.data, run.config, run.trainer, hooks);
    hooks.flush();
    endRun(db, runId, reason === 'cancelled' ? 'cancelled' : 'completed', reason);
    setModelStatus(db, row.id, reason === 'cancelled' ? 'interrupted' : 'ready');
    const runSec = (performance.now() - runStart) / 1000;
    // A finished model: measure which source suggests best on its held-out text (23–41 s here after a 2 × 256 model, bench/README.md).
    let suggestSource: SourceChoice | null = null;
    if (reason !== 'cancelled' && p.chooseSource !== false) {
      ctx.emit({ type: 'measuring', model: p.model });
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
      charsPerSec: ((state.step - startStep) * run.config.batch * run.config.seqLen) / Math.max(runSec, 1e-9),
    };
  } catch (e) {
    hooks.flush();
    endRun(db, runId, 'failed', (e as Error).message);
    setModelStatus(db, row.id, usableCheckpointStamp(db, row.id) ? 'interrupted' : 'failed');
    if (e instanceof DivergedError) {
      throw new NibError('data', e.message, {
        cli: 'lower --lr',
        app: 'try again; if it happens again, train from the base model rather than from scratch',
      });
    }
    throw e;
  } finally {
    engine.dispose();
  }
}
