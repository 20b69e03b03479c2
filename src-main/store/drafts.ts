import type { Db } from './db.ts';

export interface DraftRow {
  id: number;
  title: string;
  text: string;
  corpus_id: number | null;
  updated_at: string;
}

export function listDrafts(db: Db): Omit<DraftRow, 'text'>[] {
  return db.prepare('SELECT id, title, corpus_id, updated_at FROM drafts ORDER BY updated_at DESC').all() as Omit<
    DraftRow,
    'text'
  >[];
}

export function getDraft(db: Db, id: number): DraftRow | undefined {
  return db.prepare('SELECT * FROM drafts WHERE id = ?').get(id) as DraftRow | undefined;
}

/**
 * Creates (id null) or updates a draft; returns its id. A save to a draft that no longer exists
 * (deleted in another window, or an id that never existed) keeps the text as a new draft and
 * returns the new id, rather than reporting success and dropping it.
 */
export function saveDraft(db: Db, id: number | null, title: string, text: string): number {
  const insert = () =>
    Number(db.prepare('INSERT INTO drafts (title, text) VALUES (?, ?)').run(title, text).lastInsertRowid);
  if (id === null) return insert();
  const changed = db
    .prepare(`UPDATE drafts SET title = ?, text = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`)
    .run(title, text, id).changes;
  return changed ? id : insert();
}

export function deleteDraft(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM drafts WHERE id = ?').run(id).changes > 0;
}
