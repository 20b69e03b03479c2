import type { Db } from './db.ts';

export type ModelStatus = 'new' | 'training' | 'interrupted' | 'ready' | 'failed';

export interface ModelRow {
  id: number;
  name: string;
  corpus_id: number | null;
  corpus_name: string | null;
  spec: string;
  train_config: string | null;
  status: ModelStatus;
  steps: number;
  train_seconds: number;
  best_val_loss: number | null;
  created_at: string;
  updated_at: string;
  origin: 'trained' | 'imported' | 'base';
  parent: string | null;
  suggest_source: string | null;
  /** The corpus an imported model's best_val_loss was measured on (null: its own validation text). */
  measured_on: string | null;
}

export interface CheckpointRow {
  model_id: number;
  kind: 'latest' | 'best';
  step: number;
  val_loss: number | null;
  weights: Buffer;
  optimizer: Buffer | null;
  trainer: string | null;
  created_at: string;
}

export interface NewCheckpoint {
  kind: 'latest' | 'best';
  step: number;
  valLoss: number | null;
  weights: Uint8Array;
  optimizer: Uint8Array | null;
  trainer: unknown;
}

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ','now')`;

export function getModel(db: Db, name: string): ModelRow | undefined {
  return db.prepare('SELECT * FROM models WHERE name = ?').get(name) as ModelRow | undefined;
}

export function listModels(db: Db): ModelRow[] {
  return db.prepare('SELECT * FROM models ORDER BY name').all() as ModelRow[];
}

export function createModel(
  db: Db,
  m: {
    name: string;
    corpusId: number | null;
    corpusName: string | null;
    spec: unknown;
    origin?: ModelRow['origin'];
    parent?: string | null;
  },
): ModelRow {
  db.prepare('INSERT INTO models (name, corpus_id, corpus_name, spec, origin, parent) VALUES (?, ?, ?, ?, ?, ?)').run(
    m.name,
    m.corpusId,
    m.corpusName,
    JSON.stringify(m.spec),
    m.origin ?? 'trained',
    m.parent ?? null,
  );
  return getModel(db, m.name)!;
}

/** The base model shipped with Nib, once installed into this data folder. */
export function getBaseModel(db: Db): ModelRow | undefined {
  return db.prepare(`SELECT * FROM models WHERE origin = 'base' ORDER BY id DESC LIMIT 1`).get() as
    ModelRow | undefined;
}

export function setSuggestSource(db: Db, id: number, source: unknown): void {
  db.prepare(`UPDATE models SET suggest_source = ? WHERE id = ?`).run(
    source == null ? null : JSON.stringify(source),
    id,
  );
}

export function setMeasured(db: Db, id: number, valLoss: number, corpus: string): void {
  db.prepare(`UPDATE models SET best_val_loss = ?, measured_on = ?, updated_at = ${NOW} WHERE id = ?`).run(
    valLoss,
    corpus,
    id,
  );
}

export function setModelStatus(db: Db, id: number, status: ModelStatus): void {
  db.prepare(`UPDATE models SET status = ?, updated_at = ${NOW} WHERE id = ?`).run(status, id);
}

export function setTrainConfig(db: Db, id: number, config: unknown): void {
  db.prepare(`UPDATE models SET train_config = ?, updated_at = ${NOW} WHERE id = ?`).run(JSON.stringify(config), id);
}

export function renameModel(db: Db, from: string, to: string): boolean {
  // updated_at stays: a new name is not new training (it orders the default model, services/models.ts).
  return db.prepare(`UPDATE models SET name = ? WHERE name = ?`).run(to, from).changes > 0;
}

export function deleteModel(db: Db, name: string): boolean {
  return db.prepare('DELETE FROM models WHERE name = ?').run(name).changes > 0;
}

/**
 * Writes checkpoints and the model's progress counters in one transaction: after a crash the
 * database holds either the old checkpoint or the new one, never a mix. A 'best' checkpoint only
 * replaces one with a higher validation loss, so "best" never gets worse — even when a run resumed
 * from an older 'latest' checkpoint (after a crash) re-finds weaker weights. `replaceBest` is for
 * installing new weights outright (the shipped base model).
 */
export function saveCheckpoints(
  db: Db,
  modelId: number,
  cps: NewCheckpoint[],
  progress: { steps: number; trainSeconds: number; bestValLoss: number | null },
  opts: { replaceBest?: boolean } = {},
): void {
  const upsert = (guard: string) =>
    db.prepare(
      `INSERT INTO checkpoints (model_id, kind, step, val_loss, weights, optimizer, trainer)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model_id, kind) DO UPDATE SET
         step = excluded.step, val_loss = excluded.val_loss, weights = excluded.weights,
         optimizer = excluded.optimizer, trainer = excluded.trainer, created_at = ${NOW}
       ${guard}`,
    );
  const put = upsert('');
  const putBest = opts.replaceBest
    ? put
    : upsert('WHERE checkpoints.val_loss IS NULL OR excluded.val_loss < checkpoints.val_loss');
  db.transaction(() => {
    for (const cp of cps) {
      (cp.kind === 'best' ? putBest : put).run(
        modelId,
        cp.kind,
        cp.step,
        cp.valLoss,
        Buffer.from(cp.weights.buffer, cp.weights.byteOffset, cp.weights.byteLength),
        cp.optimizer ? Buffer.from(cp.optimizer.buffer, cp.optimizer.byteOffset, cp.optimizer.byteLength) : null,
        JSON.stringify(cp.trainer ?? null),
      );
    }
    db.prepare(
      `UPDATE models SET steps = ?, train_seconds = ?,
         best_val_loss = CASE WHEN ? OR best_val_loss IS NULL OR ? < best_val_loss THEN ? ELSE best_val_loss END,
         updated_at = ${NOW} WHERE id = ?`,
    ).run(
      progress.steps,
      progress.trainSeconds,
      opts.replaceBest ? 1 : 0,
      progress.bestValLoss,
      progress.bestValLoss,
      modelId,
    );
  })();
}

export function loadCheckpoint(db: Db, modelId: number, kind: 'latest' | 'best'): CheckpointRow | undefined {
  return db.prepare('SELECT * FROM checkpoints WHERE model_id = ? AND kind = ?').get(modelId, kind) as
    CheckpointRow | undefined;
}

/**
 * Which checkpoint `loadUsableCheckpoint` would return, without reading its weights: a cheap key
 * for caches that must notice new weights.
 */
export function usableCheckpointStamp(db: Db, modelId: number): string | null {
  const row = db
    .prepare(
      `SELECT kind, step, created_at FROM checkpoints WHERE model_id = ?
       ORDER BY CASE kind WHEN 'best' THEN 0 ELSE 1 END LIMIT 1`,
    )
    .get(modelId) as { kind: string; step: number; created_at: string } | undefined;
  return row ? `${modelId}:${row.kind}:${row.step}:${row.created_at}` : null;
}

/** The weights a model should be used with: its best checkpoint, else its latest. */
export function loadUsableCheckpoint(db: Db, modelId: number): CheckpointRow | undefined {
  return loadCheckpoint(db, modelId, 'best') ?? loadCheckpoint(db, modelId, 'latest');
}
