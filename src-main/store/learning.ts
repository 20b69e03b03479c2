import type { Db } from './db.ts';

export interface LearningAttempt {
  id: number;
  model_id: number;
  started_at: string;
  seconds: number;
  steps: number;
  draft_chars: number;
  replay_chars: number;
  val_before: number | null;
  val_after: number | null;
  adopted: number;
  reason: string;
}

export function recordAttempt(db: Db, a: Omit<LearningAttempt, 'id' | 'started_at'>): void {
  db.prepare(
    `INSERT INTO learning_attempts (model_id, seconds, steps, draft_chars, replay_chars, val_before, val_after, adopted, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(a.model_id, a.seconds, a.steps, a.draft_chars, a.replay_chars, a.val_before, a.val_after, a.adopted, a.reason);
}

export function listAttempts(db: Db, modelId: number): LearningAttempt[] {
  return db
    .prepare('SELECT * FROM learning_attempts WHERE model_id = ? ORDER BY id DESC')
    .all(modelId) as LearningAttempt[];
}

/**
 * Replaces a corpus's documents with the given texts in one transaction: the drafts corpus mirrors
 * the drafts as they are now (an edited draft is one document, not one per version).
 */
export function mirrorDocuments(
  db: Db,
  corpusId: number,
  docs: { name: string; text: string; sha256: string }[],
): void {
  db.transaction(() => {
    db.prepare('DELETE FROM documents WHERE corpus_id = ?').run(corpusId);
    const ins = db.prepare(
      `INSERT OR IGNORE INTO documents (corpus_id, name, source_path, format, sha256, size_bytes, chars, text) VALUES (?, ?, NULL, 'draft', ?, ?, ?, ?)`,
    );
    for (const d of docs) ins.run(corpusId, d.name, d.sha256, Buffer.byteLength(d.text), [...d.text].length, d.text);
  }).immediate();
}
