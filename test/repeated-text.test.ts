import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildVocab, CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { MIN_LINE, WINDOW, withoutRepeats } from '../src-main/ml/repeated-text.ts';
import { DataError, splitCorpus, splitTexts } from '../src-main/ml/train-data.ts';
import { Rng } from '../src-main/ml/rng.ts';

/**
 * The reference: the same rule by plain substring search, with no hashing. A line of at least
 * MIN_LINE units is a repeat when at least half of its WINDOW-unit windows occur in the training
 * text or in a held-out line kept before it.
 */
function referenceWithoutRepeats(train: string, heldOut: string): string {
  const kept: string[] = [];
  const out: string[] = [];
  for (const line of heldOut.split('\n')) {
    if (line.length >= MIN_LINE) {
      let hits = 0;
      const n = line.length - WINDOW + 1;
      for (let i = 0; i < n; i++) {
        const w = line.slice(i, i + WINDOW);
        if (train.includes(w) || kept.some((k) => k.includes(w))) hits++;
      }
      if (hits >= 0.5 * n) continue;
      kept.push(line);
    }
    out.push(line);
  }
  return out.join('\n');
}

const sentences = [
  'The harbour was quiet before the boats came in with the evening tide.',
  'She kept the letters in a tin box under the stairs, tied with string.',
  'Nobody in the village remembered who had planted the row of limes.',
  'By noon the fog had lifted, and the hills stood out against the sky.',
  'He wrote every morning for two hours, whether or not he felt like it.',
  'The committee will meet again on Thursday to settle the budget at last.',
  'Rain drummed on the tin roof of the shed where the bicycles were kept.',
  'Her brother had promised to call, but the telephone stayed silent.',
];

test('a held-out line that repeats the training text is left out; new and short lines stay', () => {
  const train = [sentences[0], sentences[1] + ' ' + sentences[2], 'Best wishes,', 'Anna'].join('\n');
  const heldOut = [
    sentences[1] + ' ' + sentences[2], // pasted again: a repeat
    sentences[3], // new
    'Best wishes,', // short: a writer does type it again
    'Anna',
  ].join('\n');
  const r = withoutRepeats(train, heldOut);
  assert.equal(r.text, [sentences[3], 'Best wishes,', 'Anna'].join('\n'));
  assert.equal(r.repeatedChars, (sentences[1] + ' ' + sentences[2]).length);
});

test('a line that quotes less than half of itself from the training text stays', () => {
  const train = sentences[0];
  const quoting = `As I said before, "${sentences[0]}" ${sentences[4]} ${sentences[5]}`;
  assert.equal(withoutRepeats(train, quoting).text, quoting);
  // Mostly quoted, it goes.
  const mostly = `${sentences[0]} Indeed.`;
  assert.equal(withoutRepeats(train, mostly).text, '');
});

test('two copies of a held-out passage count once', () => {
  const heldOut = [sentences[6], sentences[7], sentences[6], 'x'].join('\n');
  assert.equal(withoutRepeats('', heldOut).text, [sentences[6], sentences[7], 'x'].join('\n'));
});

test('withoutRepeats agrees with the plain substring search on random edited text', () => {
  // Texts built from shared sentences with random edits, so that some lines repeat, some repeat
  // in part (around the half-way share) and some are new; with non-ASCII and astral characters.
  const rng = new Rng(7);
  const pool = [...sentences, 'Über die Brücke gingen wir, 😀 ohne ein Wort zu sagen, bis zum Ufer.'];
  const pick = () => pool[Math.floor(rng.next() * pool.length)]!;
  const edit = (s: string) => {
    const cps = Array.from(s);
    const n = Math.floor(rng.next() * 40);
    for (let i = 0; i < n; i++) cps[Math.floor(rng.next() * cps.length)] = 'qzxj'[Math.floor(rng.next() * 4)]!;
    return cps.join('');
  };
  const line = () => {
    const parts = [pick()];
    while (rng.next() < 0.5) parts.push(pick());
    const s = parts.join(' ');
    return rng.next() < 0.5 ? s : edit(s);
  };
  let dropped = 0;
  let keptLong = 0;
  for (let round = 0; round < 30; round++) {
    const train = Array.from({ length: 6 }, line).join('\n');
    const heldOut = Array.from({ length: 8 }, line).join('\n');
    const got = withoutRepeats(train, heldOut);
    const want = referenceWithoutRepeats(train, heldOut);
    assert.equal(got.text, want, `round ${round}`);
    dropped += heldOut.split('\n').length - want.split('\n').length;
    keptLong += want.split('\n').filter((l) => l.length >= MIN_LINE).length;
  }
  // The comparison covers both outcomes.
  assert.ok(dropped > 20 && keptLong > 20, `dropped ${dropped}, kept ${keptLong}`);
});

test('splitTexts leaves repeats out of the held-out text and counts them', () => {
  const boilerplate = 'This report is confidential and meant only for the people it is addressed to.';
  const fresh = ['Apples were cheap this year.', 'The ferry left at nine sharp.', 'Our roof leaks in April.'];
  const docs = [0, 1, 2].map((i) => [boilerplate, sentences[i], sentences[i + 3], fresh[i], boilerplate].join('\n'));
  // The held-out tail of each document: part of its fresh line and the boilerplate.
  const s = splitTexts(docs, 0.3);
  for (const f of fresh) assert.ok(s.val.includes(f.slice(-10)), f);
  assert.ok(!s.val.includes(boilerplate.slice(0, 20)));
  assert.ok(s.train.includes(boilerplate));
  assert.equal(s.repeatedChars, 3 * boilerplate.length);
});

test('splitCorpus says when the held-out text is short because it repeated the training text', () => {
  const para = sentences.slice(0, 3).join(' ');
  const doc = [para, para, para, para, para, para, para, para, para, para].join('\n');
  const tok = new CharTokenizer(buildVocab([doc]), null);
  assert.throws(
    () => splitCorpus([doc], tok, 0.1, 32),
    (e: unknown) => e instanceof DataError && /repeat the training text/.test(e.problem),
  );
});
