export { takesSpaceBack } from '../../src-main/ml/soft-space.ts';

/**
 * The editor's suggestion state machine, free of the DOM so it can be tested on its own.
 * A ghost is a suggestion anchored at a document position, with its alternatives (Alt+] / Alt+[).
 */
export interface Ghost {
  pos: number;
  alts: string[];
  index: number;
}

/** A ghost of what remains to show: blank alternatives (nothing, or only the space a suggestion ends with) are dropped. */
export function ghostOf(pos: number, alts: string[]): Ghost | null {
  const list = alts.filter((a) => /\S/.test(a));
  return list.length ? { pos, alts: list, index: 0 } : null;
}

export function shown(g: Ghost): string {
  return g.alts[g.index];
}

/**
 * After the writer inserts `inserted` at `at`: if they typed the start of what is shown, keep the
 * rest of it (and of the alternatives that agree); any other edit cancels the suggestion.
 */
export function afterInsert(g: Ghost | null, at: number, inserted: string): Ghost | null {
  if (!g || at !== g.pos || inserted === '' || !shown(g).startsWith(inserted)) return null;
  const order = [shown(g), ...g.alts.filter((_, i) => i !== g.index)];
  return ghostOf(
    g.pos + inserted.length,
    order.filter((a) => a.startsWith(inserted)).map((a) => a.slice(inserted.length)),
  );
}

/** Tab: the whole suggestion shown. */
export function acceptAll(g: Ghost): { at: number; insert: string } {
  return { at: g.pos, insert: shown(g) };
}

/** Ctrl+→: the next word (with its leading space), keeping the rest shown; never the trailing space alone. */
export function acceptWord(g: Ghost): { at: number; insert: string; rest: Ghost | null } {
  const text = shown(g);
  const m = /^\s*\S+/.exec(text);
  const insert = m ? m[0] : text;
  return { at: g.pos, insert, rest: ghostOf(g.pos + insert.length, [text.slice(insert.length)]) };
}

/** Alt+] (+1) / Alt+[ (−1): the next or previous alternative, wrapping around. */
export function cycle(g: Ghost, dir: 1 | -1): Ghost {
  return { ...g, index: (g.index + dir + g.alts.length) % g.alts.length };
}

/** Whether a suggestion may be asked for: the cursor ends a word or a line (nothing but space after it). */
export function wantsSuggestion(doc: string, cursor: number): boolean {
  if (cursor === 0) return false;
  const after = doc.slice(cursor, cursor + 1);
  return after === '' || after === '\n' || after === ' ';
}
