import { history } from '@codemirror/commands';
import type { Extension, Transaction } from '@codemirror/state';

/**
 * The editor's undo history, a word at a time. CodeMirror joins edits made less than half a second
 * apart into one undo step, so a sentence typed without a pause went back whole with one Ctrl+Z. Here
 * a typed space or line break starts a new step as well: Ctrl+Z takes back the last word, as word
 * processors do. (A suggestion taken with Tab or Ctrl+→ is a step of its own: ghost-state.ts
 * isolates it from the keys before and after it.)
 */
export function wordUndo(): Extension {
  return history({
    joinToEvent: (tr: Transaction, adjacent: boolean) => {
      if (!adjacent) return false;
      let boundary = false;
      tr.changes.iterChanges((_fromA, _toA, _fromB, _toB, inserted) => {
        if (/^\s/.test(inserted.toString())) boundary = true;
      });
      return !boundary;
    },
  });
}
