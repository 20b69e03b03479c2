import type { Db } from './db.ts';

export interface CorpusRow {
  id: number;
  name: string;
  created_at: string;
  documents: number;
  chars: number;
  size_bytes: number;
}

export interface DocumentRow {
  id: number;
  corpus_id: number;
  name: string;
  source_path: string | null;
  format: string;
  sha256: string;
  size_bytes: number;
  chars: number;
  created_at: string;
}

export interface NewDocument {
  name: string;
  sourcePath: string | null;
  format: string;
  sha256: string;
  sizeBytes: number;
  text: string;
}

const CORPUS_SUMMARY = `
  SELECT c.id, c.name, c.created_at,
         COUNT(d.id) AS documents,
         COALESCE(SUM(d.chars), 0) AS chars,
         COALESCE(SUM(d.size_bytes), 0) AS size_bytes
  FROM corpora c LEFT JOIN documents d ON d.corpus_id = c.id`;

export function getCorpus(db: Db, name: string): CorpusRow | undefined {
  return db.prepare(`${CORPUS_SUMMARY} WHERE c.name = ? GROUP BY c.id`).get(name) as CorpusRow | undefined;
}

export function getCorpusById(db: Db, id: number): CorpusRow | undefined {
  return db.prepare(`${CORPUS_SUMMARY} WHERE c.id = ? GROUP BY c.id`).get(id) as CorpusRow | undefined;
}

export function listCorpora(db: Db): CorpusRow[] {
  return db.prepare(`${CORPUS_SUMMARY} GROUP BY c.id ORDER BY c.name`).all() as CorpusRow[];
}

export function ensureCorpus(db: Db, name: string): CorpusRow {
  db.prepare('INSERT OR IGNORE INTO corpora (name) VALUES (?)').run(name);
  return getCorpus(db, name)!;
}

export function deleteCorpus(db: Db, name: string): boolean {
  return db.prepare('DELETE FROM corpora WHERE name = ?').run(name).changes > 0;
}

export function listDocuments(db: Db, corpusId: number): DocumentRow[] {
  return db
    .prepare(
      `SELECT id, corpus_id, name, source_path, format, sha256, size_bytes, chars, created_at
       FROM documents WHERE corpus_id = ? ORDER BY id`,
    )
    .all(corpusId) as DocumentRow[];
}

export function getDocument(db: Db, id: number): (DocumentRow & { text: string }) | undefined {
  return db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as (DocumentRow & { text: string }) | undefined;
}

export function deleteDocument(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM documents WHERE id = ?').run(id).changes > 0;
}

/**
 * Adds one document in its own transaction, so an interrupted import never leaves half a document.
 * Returns the new id, or null when the corpus already holds the same text. IMMEDIATE: the
 * duplicate check reads before the insert writes, and a deferred transaction that must upgrade to
 * write while another process writes fails at once ("database is locked") instead of waiting.
 */
export function insertDocument(db: Db, corpusId: number, doc: NewDocument): number | null {
  return db
    .transaction(() => {
      const dup = db
        .prepare('SELECT id FROM documents WHERE corpus_id = ? AND sha256 = ?')
        .get(corpusId, doc.sha256) as { id: number } | undefined;
      if (dup) return null;
      const info = db
        .prepare(
          `INSERT INTO documents (corpus_id, name, source_path, format, sha256, size_bytes, chars, text)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(corpusId, doc.name, doc.sourcePath, doc.format, doc.sha256, doc.sizeBytes, [...doc.text].length, doc.text);
      return Number(info.lastInsertRowid);
    })
    .immediate();
}

/** The texts of a corpus in import order: what training reads. */
export function corpusTexts(db: Db, corpusId: number): string[] {
  return (
    db.prepare('SELECT text FROM documents WHERE corpus_id = ? ORDER BY id').all(corpusId) as { text: string }[]
  ).map((r) => r.text);
}
