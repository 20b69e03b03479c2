import crypto from 'node:crypto';
import type { Db } from './db.ts';

export interface NgramRow {
  corpus_id: number;
  ngram_order: number;
  val_loss: number | null;
  corpus_sha: string;
  data: Buffer;
  built_at: string;
}

export function saveNgram(db: Db, row: Omit<NgramRow, 'built_at'>): void {
  db.prepare(
    `INSERT INTO ngram_models (corpus_id, ngram_order, val_loss, corpus_sha, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (corpus_id) DO UPDATE SET ngram_order = excluded.ngram_order, val_loss = excluded.val_loss,
       corpus_sha = excluded.corpus_sha, data = excluded.data, built_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
  ).run(row.corpus_id, row.ngram_order, row.val_loss, row.corpus_sha, row.data);
}

export function deleteNgram(db: Db, corpusId: number): void {
  db.prepare('DELETE FROM ngram_models WHERE corpus_id = ?').run(corpusId);
}

export function loadNgram(db: Db, corpusId: number): NgramRow | undefined {
  return db.prepare('SELECT * FROM ngram_models WHERE corpus_id = ?').get(corpusId) as NgramRow | undefined;
}

/** A digest of a corpus's documents (their hashes in order): tells whether an n-gram is current. */
export function corpusDigest(db: Db, corpusId: number): string {
  const rows = db.prepare('SELECT sha256 FROM documents WHERE corpus_id = ? ORDER BY id').all(corpusId) as {
    sha256: string;
  }[];
  return crypto
    .createHash('sha256')
    .update(rows.map((r) => r.sha256).join(','))
    .digest('hex');
}
