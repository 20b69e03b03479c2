import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptAll, acceptWord, afterInsert, wantsSuggestion } from '../src-renderer/lib/suggestion.ts';

const g = { pos: 10, text: 'ing the day.' };

test('show: a suggestion is asked for only at the end of a word or line', () => {
  assert.equal(wantsSuggestion('It was ev', 9), true);
  assert.equal(wantsSuggestion('It was ev\nmore', 9), true);
  assert.equal(wantsSuggestion('It was every', 9), false, 'inside a word');
  assert.equal(wantsSuggestion('', 0), false);
});

test('accept all (Tab) inserts the whole suggestion at its position', () => {
  assert.deepEqual(acceptAll(g), { at: 10, insert: 'ing the day.' });
});

test('accept word (Ctrl+→) takes the next word and keeps the rest shown', () => {
  const a = acceptWord(g);
  assert.deepEqual(a, { at: 10, insert: 'ing', rest: { pos: 13, text: ' the day.' } });
  const b = acceptWord(a.rest!);
  assert.deepEqual(b, { at: 13, insert: ' the', rest: { pos: 17, text: ' day.' } });
  assert.equal(acceptWord({ pos: 0, text: 'end.' }).rest, null);
});

test('type-through: typing the predicted characters keeps the rest of the suggestion', () => {
  assert.deepEqual(afterInsert(g, 10, 'i'), { pos: 11, text: 'ng the day.' });
  assert.deepEqual(afterInsert(g, 10, 'ing '), { pos: 14, text: 'the day.' });
  assert.equal(afterInsert(g, 10, 'ing the day.'), null, 'typed it all: nothing left to show');
});

test('cancel on edit: any other character, position or edit removes it; dismissing is null', () => {
  assert.equal(afterInsert(g, 10, 'x'), null);
  assert.equal(afterInsert(g, 9, 'i'), null);
  assert.equal(afterInsert(g, 10, ''), null, 'a deletion');
  assert.equal(afterInsert(null, 10, 'i'), null);
});
