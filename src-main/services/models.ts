import type { SourceChoice } from '../ml/source-choice.ts';
import { paramCount, type ModelSpec } from '../ml/spec.ts';
import type { Db } from '../store/db.ts';
import { deleteModel, getModel, listModels, type ModelRow } from '../store/models.ts';
import { markAbandonedRuns } from '../store/runs.ts';
import { checkName } from './library.ts';
import { noModel } from '../api/errors.ts';

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
 * model that is usable, else the base model shipped with Nib. An imported model (of quality Nib has
 * not measured) suggests only when chosen, or when there is nothing else. A plain query: it runs
 * per keystroke.
 */
export function defaultSuggestModel(db: Db, chosen: string | null): string | null {
  if (chosen && getModel(db, chosen)) return chosen;
  const row = db
    .prepare(
      `SELECT name FROM models WHERE status IN ('ready', 'interrupted')
       AND EXISTS (SELECT 1 FROM checkpoints c WHERE c.model_id = models.id)
       ORDER BY CASE origin WHEN 'trained' THEN 0 WHEN 'base' THEN 1 ELSE 2 END, updated_at DESC LIMIT 1`,
    )
    .get() as { name: string } | undefined;
  return row?.name ?? null;
}

export function models(db: Db): ModelSummary[] {
  markAbandonedRuns(db);
  return listModels(db).map(summarise);
}

export function removeModel(db: Db, name: string): void {
  if (!deleteModel(db, checkName('model', name))) throw noModel(name);
}
