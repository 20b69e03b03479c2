/**
 * The suggestion in the editor's state, free of the DOM (so it is tested in Node on a real
 * CodeMirror EditorState): what is shown and where, typing through it, Tab and Ctrl+→, and the
 * space a suggestion may end with. ghost.ts draws it and binds the keys.
 */
import {
  EditorState,
  StateEffect,
  StateField,
  Transaction,
  type Extension,
  type TransactionSpec,
} from '@codemirror/state';
import { isolateHistory } from '@codemirror/commands';
import { acceptAll, acceptWord, afterInsert, takesSpaceBack, type Ghost } from './suggestion.ts';

export const setGhost = StateEffect.define<Ghost | null>();

export const ghostField = StateField.define<Ghost | null>({
  create: () => null,
  update(g, tr) {
    for (const e of tr.effects) if (e.is(setGhost)) return e.value;
    if (!tr.docChanged) return g && tr.selection && tr.state.selection.main.head !== g.pos ? null : g;
    // Typing what the suggestion predicted keeps the rest of it; any other edit cancels it.
    let next: Ghost | null = null;
    let changes = 0;
    tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
      changes++;
      next = fromA === toA ? afterInsert(g, fromA, inserted.toString()) : null;
    });
    return changes === 1 ? next : null;
  },
});

const setSoftSpace = StateEffect.define<number | null>();

/**
 * Where the cursor stands after Tab took a suggestion that ends with a space, until anything else
 * happens (an edit, a move): the next key may take that space back (`takesSpaceBack`).
 */
const softSpaceField = StateField.define<number | null>({
  create: () => null,
  update(at, tr) {
    for (const e of tr.effects) if (e.is(setSoftSpace)) return e.value;
    return tr.docChanged || tr.selection ? null : at;
  },
});

/** A key the writer typed (Enter is plain "input"), not a suggestion taken, a paste or an IME composition. */
function typedKey(tr: Transaction): boolean {
  return (
    tr.annotation(Transaction.userEvent) === 'input' ||
    (tr.isUserEvent('input.type') && !tr.isUserEvent('input.type.compose'))
  );
}

/** "cat" + Tab + "," is "cat,": a closing mark, line break or space typed right there replaces the space. */
const spaceBack = EditorState.transactionFilter.of((tr) => {
  const at = tr.startState.field(softSpaceField, false);
  if (at == null || !tr.docChanged || !typedKey(tr)) return tr;
  let changes = 0;
  let typedThere = false;
  tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    changes++;
    typedThere = fromA === at && toA === at && takesSpaceBack(inserted.toString());
  });
  if (changes !== 1 || !typedThere || tr.startState.doc.sliceString(at - 1, at) !== ' ') return tr;
  return [tr, { changes: { from: at - 1, to: at }, sequential: true }];
});

function insertSpec(at: number, text: string, rest: Ghost | null, soft = false): TransactionSpec {
  return {
    changes: { from: at, insert: text },
    selection: { anchor: at + text.length },
    effects: [setGhost.of(rest), setSoftSpace.of(soft && text.endsWith(' ') ? at + text.length : null)],
    userEvent: 'input.complete',
    // A suggestion taken is an undo step of its own, never joined to the typing just before it
    // ("let" + "ter") or the key right after it ("ter" + ","): Ctrl+Z takes back what Tab gave.
    annotations: isolateHistory.of('full'),
  };
}

/**
 * Tab: the whole suggestion shown, if there is one. Its trailing space, if any, may be taken back
 * by the next key; where the text already goes on with a space, a line break or a closing mark
 * (a word added in the middle of a sentence), it is left out.
 */
export function acceptAllSpec(state: EditorState): TransactionSpec | null {
  const g = state.field(ghostField);
  if (!g) return null;
  const a = acceptAll(g);
  if (spaceLeftOut(state, a.at, a.insert)) return insertSpec(a.at, a.insert.slice(0, -1), null);
  return insertSpec(a.at, a.insert, null, true);
}

/** Whether Tab leaves out the space `text` ends with at `at`: the text there already goes on with a space, a line break or a closing mark. */
function spaceLeftOut(state: EditorState, at: number, text: string): boolean {
  const next = state.doc.sliceString(at, at + 1);
  return / $/.test(text) && (/\s/.test(next) || takesSpaceBack(next));
}

/** The suggestion as drawn: as Tab would insert it, so no space is drawn that Tab leaves out (a double gap before the next word). */
export function drawnText(state: EditorState, g: Ghost): string {
  const text = acceptAll(g).insert;
  return spaceLeftOut(state, g.pos, text) ? text.slice(0, -1) : text;
}

/** Ctrl+→: the next word of the suggestion shown, if there is one. */
export function acceptWordSpec(state: EditorState): TransactionSpec | null {
  const g = state.field(ghostField);
  if (!g) return null;
  const a = acceptWord(g);
  return insertSpec(a.at, a.insert, a.rest);
}

/** The suggestion's state without a view: what is shown, and the space Tab may have left. */
export const ghostState: Extension = [ghostField, softSpaceField, spaceBack];
