import type { BackendReport } from '../ml/backend.ts';
import { CharTokenizer } from '../ml/tokenizer.ts';
import { DEFAULT_FINETUNE, type TrainConfig } from '../ml/train-config.ts';
import { splitTexts } from '../ml/train-data.ts';
import { EngineFailure } from '../ml/engine.ts';
import { trainWithFallback } from '../ml/engine-fallback.ts';
import { evaluate, initialTrainerState, runTraining, type TrainHooks } from '../ml/train-loop.ts';
import { isSharedVocab } from '../ml/vocab.ts';
import { encodeArrays, type Weights } from '../ml/weights.ts';
import { corpusTexts, getCorpus } from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import { recordAttempt } from '../store/learning.ts';
import { createModel, getModel, saveCheckpoints, setModelStatus } from '../store/models.ts';
import { DRAFTS_CORPUS } from './drafts-corpus.ts';
import { noModel } from '../api/errors.ts';
import { loadWeightsFor } from './model-weights.ts';
import { engineFor } from './engine-choice.ts';

/**
 * Learning from what the writer writes (opt-in): the app's drafts feed a corpus, and after the
 * writer has been idle a while the ML host fine-tunes the model in use on that text, replaying
 * some of the text it was trained on so it does not forget it. The new weights are adopted only
 * when held-out bits/char (the tails of the drafts and of the replayed corpus) improves; every
 * attempt is recorded.
 */
export interface LearnParams {
  /** The model in use; the base is first copied into a personal model ("Learned from my drafts"). */
  model: string;
  maxTimeSec?: number;
}

export interface LearnResult {
  model: string;
  adopted: boolean;
  reason: string;
  valBefore: number | null;
  valAfter: number | null;
  steps: number;
  seconds: number;
}

function sample(texts: string[], chars: number): string[] {
  // Evenly spread whole documents up to `chars`, so the replay covers the corpus, not its start.
  const out: string[] = [];
  let n = 0;
  const step = Math.max(1, Math.floor(texts.length / Math.max(1, Math.ceil(chars / 20_000))));
  for (let i = 0; i < texts.length && n < chars; i += step) {
    out.push(texts[i].slice(0, chars - n));
    n += out[out.length - 1].length;
  }
  return out;
}

export async function learnFromDrafts(
  db: Db,
  backend: BackendReport,
  p: LearnParams,
  isCancelled: () => boolean,
): Promise<LearnResult> {
  const t0 = performance.now();
  let row = getModel(db, p.model);
  if (!row) throw noModel(p.model);
  const drafts = getCorpus(db, DRAFTS_CORPUS);
  const draftTexts = drafts ? corpusTexts(db, drafts.id) : [];
  const draftChars = draftTexts.reduce((n, t) => n + t.length, 0);
  const { spec, weights } = loadWeightsFor(db, row);
  const skip = (reason: string): LearnResult => ({
    model: row!.name,
    adopted: false,
    reason,
    valBefore: null,
    valAfter: null,
    steps: 0,
    seconds: (performance.now() - t0) / 1000,
  });
  if (!isSharedVocab(spec.vocab)) return skip('this model has a vocabulary of its own');
  if (draftChars < 2000) return skip('too little writing in the drafts yet (2,000 characters needed)');
  if (row.origin === 'base') {
    // The shipped base stays as shipped: learning starts a personal model from it.
    // Not "My writing": that is the Library's default corpus name, and a model is not a corpus.
    let name = 'Learned from my drafts';
    for (let i = 2; getModel(db, name); i++) name = `Learned from my drafts ${i}`;
    row = createModel(db, { name, corpusId: drafts!.id, corpusName: DRAFTS_CORPUS, spec, parent: row.name });
    saveCheckpoints(
      db,
      row.id,
      [{ kind: 'best', step: 0, valLoss: null, weights: encodeArrays(weights), optimizer: null, trainer: null }],
      { steps: 0, trainSeconds: 0, bestValLoss: null },
    );
    setModelStatus(db, row.id, 'ready');
  }
  const config: TrainConfig = {
    ...DEFAULT_FINETUNE,
    maxTimeSec: p.maxTimeSec ?? 60,
    maxSteps: 0,
    evalEvery: 25,
    patience: 3,
    evalWindows: 128,
  };
  const tok = CharTokenizer.fromSpec(spec);
  // Replay: three times as much of the model's own corpus as there is new writing (at most 300,000 characters).
  const replay =
    row.corpus_id !== null && row.corpus_id !== drafts!.id
      ? sample(corpusTexts(db, row.corpus_id), Math.min(300_000, 3 * draftChars))
      : [];
  // One split of both, so that held-out drafts repeating the replayed corpus are left out too.
  const split = splitTexts([...draftTexts, ...replay], config.valFraction);
  const data = { train: tok.encode(split.train), val: tok.encode(split.val) };
  if (data.val.length < config.seqLen + 2 || data.train.length < config.seqLen + 2)
    return skip('too little writing in the drafts yet');
  const chosen = await engineFor(db, spec, weights, config, backend);
  let engine = chosen.engine;
  try {
    let before: number;
    try {
      before = await evaluate(engine, data.val, config);
    } catch (e) {
      // The GPU failed before training began: the CPU engine does the attempt.
      if (!(e instanceof EngineFailure) || !chosen.fallback) throw e;
      engine.dispose();
      engine = chosen.fallback(weights);
      before = await evaluate(engine, data.val, config);
    }
    const state = initialTrainerState(config);
    state.bestValLoss = before; // an evaluation counts as better only if it beats the weights in use
    let best: { weights: Weights; valLoss: number } | null = null;
    const hooks: TrainHooks = {
      onProgress() {},
      async onEval(ev) {
        if (!ev.improved) return;
        await engine.sync?.();
        best = { weights: engine.getWeights(), valLoss: ev.valLoss };
      },
      onCheckpoint() {},
      shouldStop: () => (isCancelled() ? 'cancelled' : null),
    };
    const { state: end } =
      chosen.fallback && engine === chosen.engine
        ? await trainWithFallback(
            engine,
            chosen.fallback,
            (_why, _step, cpu) => (engine = cpu),
            data,
            config,
            state,
            hooks,
            { weights, optimizer: null },
          )
        : await runTraining(engine, data, config, state, hooks);
    const found = best as { weights: Weights; valLoss: number } | null;
    const adopted = found !== null && found.valLoss < before - config.minDelta;
    const seconds = (performance.now() - t0) / 1000;
    const reason = adopted
      ? `held-out ${(before / Math.LN2).toFixed(3)} → ${(found!.valLoss / Math.LN2).toFixed(3)} bits/char`
      : `no improvement on held-out text (${(before / Math.LN2).toFixed(3)} bits/char before)`;
    if (adopted) {
      saveCheckpoints(
        db,
        row.id,
        [
          {
            kind: 'best',
            step: row.steps + end.step,
            valLoss: found!.valLoss,
            weights: encodeArrays(found!.weights),
            optimizer: null,
            trainer: null,
          },
        ],
        {
          steps: row.steps + end.step,
          trainSeconds: row.train_seconds + seconds,
          bestValLoss: found!.valLoss,
        },
        { replaceBest: true },
      );
    }
    recordAttempt(db, {
      model_id: row.id,
      seconds,
      steps: end.step,
      draft_chars: draftChars,
      replay_chars: replay.reduce((n, t) => n + t.length, 0),
      val_before: before,
      val_after: found?.valLoss ?? null,
      adopted: adopted ? 1 : 0,
      reason,
    });
    return {
      model: row.name,
      adopted,
      reason,
      valBefore: before,
      valAfter: found?.valLoss ?? null,
      steps: end.step,
      seconds,
    };
  } finally {
    engine.dispose();
  }
}
