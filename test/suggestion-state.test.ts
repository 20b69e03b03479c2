import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  acceptAll,
  acceptWord,
  afterInsert,
  cycle,
  ghostOf,
  shown,
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
