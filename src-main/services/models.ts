import type { SourceChoice } from '../ml/source-choice.ts';
import { paramCount, type ModelSpec } from '../ml/spec.ts';
import type { Db } from '../store/db.ts';
import { deleteModel, getModel, listModels, type ModelRow } from '../store/models.ts';
import { markAbandonedRuns } from '../store/runs.ts';
import { checkName } from './library.ts';
import { NibError, noModel } from '../api/errors.ts';

export interface ModelSummary {
  name: string;
  status: string;
  corpus: string | null;
  layers: number;
  units: number[];
  embedding: number;
  vocab: number;
  params: number;
  steps: number;
  bestValLoss: number | null;
  bestBitsPerChar: number | null;
  /** For an imported model: the corpus its bits/char was measured on (see services/measure.ts). */
  measuredOn: string | null;
  trainSeconds: number;
  updatedAt: string;
  origin: 'trained' | 'imported' | 'base';
  /** The model this one was fine-tuned from (for the base: its release). */
  parent: string | null;
  /** Which source suggests for it, as measured (null: the LSTM alone, not measured). */
  suggestSource: SourceChoice | null;
}

export function summarise(row: ModelRow): ModelSummary {
  const spec = JSON.parse(row.spec) as ModelSpec;
  return {
    name: row.name,
    status: row.status,
    corpus: row.corpus_name,
    layers: spec.units.length,
    units: spec.units,
    embedding: spec.embedding,
    vocab: spec.vocab.length,
    params: paramCount(spec),
    steps: row.steps,
    bestValLoss: row.best_val_loss,
    bestBitsPerChar: row.best_val_loss === null ? null : row.best_val_loss / Math.LN2,
    measuredOn: row.measured_on ?? null,
    trainSeconds: row.train_seconds,
    updatedAt: row.updated_at,
    origin: row.origin,
    parent: row.parent,
    suggestSource: row.suggest_source ? (JSON.parse(row.suggest_source) as SourceChoice) : null,
  };
}

/**
 * The model that suggests when the writer has not chosen one: the most recently trained personal
 * model that is usable and whose training once ran to its end, else the base model shipped with
 * Nib. A run paused or cancelled part-way (a from-scratch model after a few seconds is gibberish)
 * does not take over from what suggested before; chosen, it suggests. An imported model (of
 * quality Nib has not measured) suggests only when chosen, or when there is nothing else. A plain
 * query: it runs per keystroke.
 */
export function defaultSuggestModel(db: Db, chosen: string | null): string | null {
  if (chosen && getModel(db, chosen)) return chosen;
  const row = db
    .prepare(
      `SELECT name FROM models WHERE status IN ('ready', 'interrupted')
       AND EXISTS (SELECT 1 FROM checkpoints c WHERE c.model_id = models.id)
       ORDER BY CASE
         WHEN origin = 'trained' AND EXISTS (
           SELECT 1 FROM training_runs r WHERE r.model_id = models.id AND r.status = 'completed') THEN 0
         WHEN origin = 'base' THEN 1 WHEN origin = 'trained' THEN 2 ELSE 3 END,
       updated_at DESC LIMIT 1`,
    )
    .get() as { name: string } | undefined;
  return row?.name ?? null;
}

export function models(db: Db): ModelSummary[] {
  markAbandonedRuns(db);
  return listModels(db).map(summarise);
}

/**
 * Deletes a model with its checkpoints and history. Not the base model Nib ships (personalising
 * starts from it, and every start would install it again), nor a model while it trains (the run
 * would go on writing checkpoints for it).
 */
export function removeModel(db: Db, name: string): void {
  const row = getModel(db, checkName('model', name));
  if (!row) throw noModel(name);
  if (row.origin === 'base')
    throw new NibError(
      'invalid',
      `"${name}" is the base model Nib ships with, which personal models start from: it cannot be deleted`,
      {
        cli: 'another model suggests when you name it with --model',
        app: 'to suggest with another model, choose Use on its row',
      },
    );
  refuseWhileTraining(db, name);
  if (!deleteModel(db, name)) throw noModel(name);
}

/** A model being trained keeps its name and rows until its run ends (the run finds it by name). */
export function refuseWhileTraining(db: Db, name: string): void {
  markAbandonedRuns(db);
  if (getModel(db, name)?.status === 'training')
    throw new NibError('invalid', `model "${name}" is training now`, {
      cli: 'stop its run first (Ctrl+C where nib train runs)',
      app: 'cancel its run in the Train view first',
    });
}
