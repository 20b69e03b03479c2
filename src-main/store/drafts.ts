import type { Db } from './db.ts';

export interface DraftRow {
  id: number;
  title: string;
  text: string;
  corpus_id: number | null;
  updated_at: string;
  revision: number;
}

export function listDrafts(db: Db): Omit<DraftRow, 'text'>[] {
  return db
    .prepare('SELECT id, title, corpus_id, updated_at, revision FROM drafts ORDER BY updated_at DESC')
    .all() as Omit<DraftRow, 'text'>[];
}

export function getDraft(db: Db, id: number): DraftRow | undefined {
  return db.prepare('SELECT * FROM drafts WHERE id = ?').get(id) as DraftRow | undefined;
}

/** What a save did: the draft it wrote and its revision now; `conflictWith` when it kept a copy. */
export interface DraftSaved {
  id: number;
  revision: number;
  /** The draft another window had saved since `baseRevision`: the text went to a new draft instead. */
  conflictWith?: number;
  title?: string;
}

/** The title of the copy a conflicting save makes. */
export const conflictTitle = (title: string) => `${title || 'Untitled'} (this window's copy)`.slice(0, 500);

/**
 * Creates (id null) or updates a draft. A save to a draft that no longer exists (deleted in
 * another window, or an id that never existed) keeps the text as a new draft and returns the new
 * id, rather than reporting success and dropping it. A save made from `baseRevision` when the draft
 * has been saved since (another window or tab of web mode editing it too) would overwrite that
 * window's text: it keeps this text as a new draft, titled as a copy, and says so, so neither
 * window's writing is lost. Without a `baseRevision` (the CLI, an older page) it overwrites.
 */
export function saveDraft(db: Db, id: number | null, title: string, text: string, baseRevision?: number): DraftSaved {
  const insert = (t: string) =>
    Number(db.prepare('INSERT INTO drafts (title, text) VALUES (?, ?)').run(t, text).lastInsertRowid);
  if (id === null) return { id: insert(title), revision: 0 };
  return db
    .transaction((): DraftSaved => {
      const row = db.prepare('SELECT revision FROM drafts WHERE id = ?').get(id) as { revision: number } | undefined;
      if (!row) return { id: insert(title), revision: 0 };
      if (baseRevision !== undefined && row.revision !== baseRevision) {
        const copy = conflictTitle(title);
        return { id: insert(copy), revision: 0, conflictWith: id, title: copy };
      }
      db.prepare(
        `UPDATE drafts SET title = ?, text = ?, revision = revision + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
      ).run(title, text, id);
      return { id, revision: row.revision + 1 };
    })
    .immediate();
}

export function deleteDraft(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM drafts WHERE id = ?').run(id).changes > 0;
}
