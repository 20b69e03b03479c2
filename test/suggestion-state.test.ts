import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EditorState } from '@codemirror/state';
import { acceptAllSpec, acceptWordSpec, drawnText, ghostState, setGhost } from '../src-renderer/lib/ghost-state.ts';
import {
  acceptAll,
  acceptWord,
  afterInsert,
  cycle,
  ghostOf,
  shown,
  takesSpaceBack,
  wantsSuggestion,
} from '../src-renderer/lib/suggestion.ts';

const g = ghostOf(10, ['ing the day.', 'ed.', 'ing away'])!;

test('show: a suggestion is asked for only at the end of a word or line, and shows its first alternative', () => {
  assert.equal(wantsSuggestion('It was ev', 9), true);
  assert.equal(wantsSuggestion('It was ev\nmore', 9), true);
  assert.equal(wantsSuggestion('It was every', 9), false, 'inside a word');
  assert.equal(wantsSuggestion('', 0), false);
  assert.equal(shown(g), 'ing the day.');
  assert.equal(ghostOf(3, ['', '']), null, 'nothing to show');
});

test('accept all (Tab) inserts the whole suggestion at its position', () => {
  assert.deepEqual(acceptAll(g), { at: 10, insert: 'ing the day.' });
});

test('accept word (Ctrl+→) takes the next word and keeps the rest shown', () => {
  const a = acceptWord(g);
  assert.deepEqual(a, { at: 10, insert: 'ing', rest: { pos: 13, alts: [' the day.'], index: 0 } });
  const b = acceptWord(a.rest!);
  assert.deepEqual(b, { at: 13, insert: ' the', rest: { pos: 17, alts: [' day.'], index: 0 } });
  assert.equal(acceptWord(ghostOf(0, ['end.'])!).rest, null);
});

test('dismiss and cycle (Alt+] / Alt+[) move through the alternatives, wrapping around', () => {
  assert.equal(shown(cycle(g, 1)), 'ed.');
  assert.equal(shown(cycle(cycle(g, 1), 1)), 'ing away');
  assert.equal(shown(cycle(g, -1)), 'ing away');
  assert.deepEqual(acceptAll(cycle(g, 1)), { at: 10, insert: 'ed.' });
});

test('type-through: typing the predicted characters keeps the rest, and the alternatives that agree', () => {
  assert.deepEqual(afterInsert(g, 10, 'i'), { pos: 11, alts: ['ng the day.', 'ng away'], index: 0 });
  assert.deepEqual(afterInsert(g, 10, 'ing '), { pos: 14, alts: ['the day.', 'away'], index: 0 });
  assert.equal(afterInsert(g, 10, 'ing the day.'), null, 'typed it all: nothing left to show');
  assert.deepEqual(
    afterInsert(cycle(g, 1), 10, 'e'),
    { pos: 11, alts: ['d.'], index: 0 },
    'follows the alternative shown',
  );
});

test('cancel on edit: any other character, position or edit removes it', () => {
  assert.equal(afterInsert(g, 10, 'x'), null);
  assert.equal(afterInsert(g, 9, 'i'), null);
  assert.equal(afterInsert(g, 10, ''), null, 'a deletion');
  assert.equal(afterInsert(null, 10, 'i'), null);
});

test('a suggestion that ends with a space: Tab takes it, Ctrl+→ and typing through never leave it shown alone', () => {
  const spaced = ghostOf(4, ['cat '])!;
  assert.deepEqual(acceptAll(spaced), { at: 4, insert: 'cat ' });
  assert.deepEqual(
    acceptWord(spaced),
    { at: 4, insert: 'cat', rest: null },
    'the word, not an invisible space after it',
  );
  assert.equal(afterInsert(spaced, 4, 'cat'), null, 'typed the word: the space is not shown as a ghost of its own');
  assert.equal(ghostOf(0, [' ', '\u00a0']), null);
  const two = acceptWord(ghostOf(0, ['the cat '])!);
  assert.deepEqual(two.rest, { pos: 3, alts: [' cat '], index: 0 });
});

test('the space a suggestion ended with is taken back before a closing mark, a line break or another space, kept otherwise', () => {
  for (const mark of [',', '.', ';', ':', '!', '?', ')', ']', '”', '’', '…', '\n', ' '])
    assert.equal(takesSpaceBack(mark), true, JSON.stringify(mark));
  for (const key of ['a', 'T', '“', '(', '"', '-', '—', '\u00a0', '']) assert.equal(takesSpaceBack(key), false, key);
});

describe('the editor state (CodeMirror, no view): Tab, then a closing mark', () => {
  /** "the " with the suggestion `ghost` shown at its end. */
  const showing = (ghost: string) => {
    const s = EditorState.create({ doc: 'the ', selection: { anchor: 4 }, extensions: ghostState });
    return s.update({ effects: setGhost.of(ghostOf(4, [ghost])) }).state;
  };
  const typeAt = (s: EditorState, text: string, userEvent = 'input.type') => {
    const at = s.selection.main.head;
    return s.update({ changes: { from: at, insert: text }, selection: { anchor: at + text.length }, userEvent }).state;
  };

  test('Tab takes the word and its space; a comma or a line break typed next takes the space back', () => {
    const tabbed = showing('cat ').update(acceptAllSpec(showing('cat '))!).state;
    assert.equal(tabbed.doc.toString(), 'the cat ');
    assert.equal(tabbed.selection.main.head, 8);
    const comma = typeAt(tabbed, ',');
    assert.equal(comma.doc.toString(), 'the cat,');
    assert.equal(comma.selection.main.head, 8, 'the cursor after the comma');
    assert.equal(typeAt(tabbed, '\n', 'input').doc.toString(), 'the cat\n');
    assert.equal(typeAt(tabbed, 's').doc.toString(), 'the cat s', 'a word: the space stays');
    assert.equal(typeAt(tabbed, ' ').doc.toString(), 'the cat ', 'a space out of habit: still one');
    assert.equal(typeAt(typeAt(tabbed, 's'), ',').doc.toString(), 'the cat s,', 'only the key right after Tab');
  });

  test('the space stays once the writer has moved, and Ctrl+→ never leaves one to take back', () => {
    const tabbed = showing('cat ').update(acceptAllSpec(showing('cat '))!).state;
    const moved = tabbed.update({ selection: { anchor: 2 } }).state.update({ selection: { anchor: 8 } }).state;
    assert.equal(typeAt(moved, ',').doc.toString(), 'the cat ,');
    const worded = showing('cat dog').update(acceptWordSpec(showing('cat dog'))!).state;
    assert.equal(worded.doc.toString(), 'the cat');
    assert.equal(typeAt(worded, ',').doc.toString(), 'the cat,');
    const plain = showing('cat').update(acceptAllSpec(showing('cat'))!).state;
    assert.equal(typeAt(plain, ',').doc.toString(), 'the cat,', 'no space to take back');
    assert.equal(acceptAllSpec(EditorState.create({ doc: 'x', extensions: ghostState })), null, 'nothing shown');
  });

  test('in the middle of a sentence Tab leaves out the space the text already has', () => {
    const at = (doc: string, pos: number, ghost: string) => {
      const s = EditorState.create({ doc, selection: { anchor: pos }, extensions: ghostState });
      const shown = s.update({ effects: setGhost.of(ghostOf(pos, [ghost])) }).state;
      return shown.update(acceptAllSpec(shown)!).state;
    };
    assert.equal(at('The cat sat.', 3, ' big ').doc.toString(), 'The big cat sat.');
    assert.equal(at('The cat\nsat.', 7, ' sat ').doc.toString(), 'The cat sat\nsat.', 'before a line break');
    assert.equal(at('The cat, then', 7, ' sat ').doc.toString(), 'The cat sat, then', 'before a mark');
    const mid = at('The cat.', 3, ' big ');
    assert.equal(typeAt(mid, ',').doc.toString(), 'The big, cat.', 'no space of its own to take back: none taken');
    // What is drawn is what Tab inserts: no space before the space already there (a double gap).
    const drawn = (doc: string, pos: number, ghost: string) => {
      const s = EditorState.create({ doc, selection: { anchor: pos }, extensions: ghostState });
      const g = ghostOf(pos, [ghost])!;
      return drawnText(s.update({ effects: setGhost.of(g) }).state, g);
    };
    assert.equal(drawn('that mee meeting', 8, 'ting '), 'ting');
    assert.equal(drawn('The cat, then', 7, ' sat '), ' sat');
    assert.equal(drawn('The cat', 7, ' sat '), ' sat ', 'at the end the space is drawn: Tab inserts it');
  });

  test('only a key the writer types takes the space back: not a paste, an IME composition or a suggestion taken', () => {
    const tabbed = showing('cat ').update(acceptAllSpec(showing('cat '))!).state;
    assert.equal(typeAt(tabbed, ',', 'input.paste').doc.toString(), 'the cat ,');
    assert.equal(typeAt(tabbed, ',', 'input.type.compose').doc.toString(), 'the cat ,');
    const next = tabbed.update({ effects: setGhost.of(ghostOf(8, [', and'])) }).state;
    assert.equal(next.update(acceptAllSpec(next)!).state.doc.toString(), 'the cat , and');
  });
});

test('undo takes back a word at a time while typing on without a pause, a suggestion taken with Tab at once', async () => {
  const { undo } = await import('@codemirror/commands');
  const { wordUndo } = await import('../src-renderer/lib/undo-steps.ts');
  let state = EditorState.create({ doc: '', extensions: [wordUndo()] });
  // Typed 60 ms apart (well inside CodeMirror's half-second grouping), each key at the end.
  const type = (text: string) => {
    for (const ch of text)
      state = state.update({ changes: { from: state.doc.length, insert: ch }, userEvent: 'input.type' }).state;
  };
  type('The cat sat on');
  state = state.update({ changes: { from: state.doc.length, insert: ' the mat.' }, userEvent: 'input.complete' }).state;
  const undone: string[] = [];
  for (let k = 0; k < 5; k++) {
    undo({ state, dispatch: (tr) => (state = tr.state) });
    undone.push(state.doc.toString());
  }
  assert.deepEqual(undone, ['The cat sat on', 'The cat sat', 'The cat', 'The', '']);
});

test('a suggestion taken is one undo step, apart from the word typed before it and a comma typed at once after it', async () => {
  const { undo } = await import('@codemirror/commands');
  const { wordUndo } = await import('../src-renderer/lib/undo-steps.ts');
  let state = EditorState.create({ doc: '', extensions: [wordUndo(), ghostState] });
  const type = (text: string) => {
    for (const ch of text)
      state = state.update({ changes: { from: state.doc.length, insert: ch }, userEvent: 'input.type' }).state;
  };
  // All inside CodeMirror's half-second grouping: "let", Tab for "ter ", then "," (which takes the space back).
  type('Thanks for your let');
  state = state.update({ effects: setGhost.of(ghostOf(state.doc.length, ['ter '])) }).state;
  state = state.update(acceptAllSpec(state)!).state;
  type(',');
  assert.equal(state.doc.toString(), 'Thanks for your letter,');
  const undone: string[] = [];
  for (let k = 0; k < 3; k++) {
    undo({ state, dispatch: (tr) => (state = tr.state) });
    undone.push(state.doc.toString());
  }
  assert.deepEqual(undone, ['Thanks for your letter ', 'Thanks for your let', 'Thanks for your']);
});
