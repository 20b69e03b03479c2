/**
 * The editor's suggestion state machine, free of the DOM so it can be tested on its own.
 * A ghost is a suggestion anchored at a document position.
 */
export interface Ghost {
  pos: number;
  text: string;
}

/** After the writer inserts `inserted` at `at`: keep the rest of the ghost if they typed its start. */
export function afterInsert(g: Ghost | null, at: number, inserted: string): Ghost | null {
  if (!g || at !== g.pos || inserted === '' || !g.text.startsWith(inserted)) return null;
  const rest = g.text.slice(inserted.length);
  return rest ? { pos: g.pos + inserted.length, text: rest } : null;
}

/** Tab: the whole suggestion. */
export function acceptAll(g: Ghost): { at: number; insert: string } {
  return { at: g.pos, insert: g.text };
}

/** Ctrl+→: the next word (with its leading space), keeping the rest shown. */
export function acceptWord(g: Ghost): { at: number; insert: string; rest: Ghost | null } {
  const m = /^\s*\S+/.exec(g.text);
  const insert = m ? m[0] : g.text;
  const restText = g.text.slice(insert.length);
  return { at: g.pos, insert, rest: restText ? { pos: g.pos + insert.length, text: restText } : null };
}

/** Whether a suggestion may be asked for: the cursor ends a word or a line (nothing but space after it). */
export function wantsSuggestion(doc: string, cursor: number): boolean {
  if (cursor === 0) return false;
  const after = doc.slice(cursor, cursor + 1);
  return after === '' || after === '\n' || after === ' ';
}
