import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CachedModel, DocumentCache, DocumentCacheTracker } from '../src-main/ml/document-cache.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { observe, suggest, type StepModel } from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { decodeArrays } from '../src-main/ml/weights.ts';
import { BASE_MODEL_DIR, BASE_WEIGHTS_FILE, baseSpec, readBaseCard } from '../src-main/services/base-model.ts';
import { evaluateWith } from '../src-main/services/evaluate.ts';

const vocab = [...' .abcdefghijklmnopqrstuvwxyzQ'];
const tok = CharTokenizer.fromSpec({ vocab, unk: null });
const V = vocab.length;

/** A model that knows nothing: every character equally likely, whatever came before. */
const uniform: StepModel<{ n: number }> = {
  probs: () => new Float32Array(V).fill(1 / V),
  step: (s) => void s.n++,
  clone: (s) => ({ ...s }),
};

function read<S>(m: CachedModel<S>, s: ReturnType<CachedModel<S>['wrap']>, text: string) {
  for (const id of tok.encode(text)) observe(m, s, id);
  return s;
}

describe('the document cache: what the writer has written so far in this document', () => {
  test('revises a distribution by the counts after each matching context, Witten-Bell style (by hand)', () => {
    const cache = new DocumentCache(2, 3);
    // "abx abx aby": after "ab", x twice and y once; after " ab" (order 3), x once then y once.
    for (const id of tok.encode('abx abx aby')) cache.add(id);
    const p = new Float32Array(V).fill(1 / V);
    const beta = 2;
    cache.revise(p, tok.encode('ab'), beta);
    // Only order 2 ("ab" is the whole context): c = 3 over u = 2 kinds of next character.
    const x = tok.id('x');
    const y = tok.id('y');
    const q = (c: number, prior: number) => (c + beta * 2 * prior) / (3 + beta * 2);
    assert.ok(Math.abs(p[x] - q(2, 1 / V)) < 1e-6, `x: ${p[x]}`);
    assert.ok(Math.abs(p[y] - q(1, 1 / V)) < 1e-6, `y: ${p[y]}`);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'still a distribution');
    // With " ab" it goes on to order 3, after revising by order 2 as above.
    const p3 = cache.revise(new Float32Array(V).fill(1 / V), tok.encode(' ab'), beta);
    const after2 = [q(2, 1 / V), q(1, 1 / V)];
    // Order 3 " ab": followed by x once and y once (u = 2, c = 2).
    const r = (c: number, prior: number) => (c + beta * 2 * prior) / (2 + beta * 2);
    assert.ok(Math.abs(p3[x] - r(1, after2[0])) < 1e-6);
    assert.ok(Math.abs(p3[y] - r(1, after2[1])) < 1e-6);
  });

  test('learns only what the writer typed: a suggestion looking ahead adds nothing', () => {
    const m = new CachedModel(uniform);
    const s = read(m, m.wrap({ n: 0 }), 'the quillfeather and the quillfeather. ');
    const added = m.cache.added;
    const look = m.clone(s);
    for (const id of tok.encode('quillfeather quillfeather quill')) m.step(look, id);
    assert.equal(m.cache.added, added);
    assert.equal(s.inner.n, added, 'the inner model read every typed character once');
  });

  test('a name used twice is predicted on its third use, where the model alone has no idea', () => {
    const m = new CachedModel(uniform);
    const s = read(m, m.wrap({ n: 0 }), 'Qillfeather came. then Qillfeather left. then Qill');
    const p = m.probs(s);
    // Each character of the name is several times likelier than the model's 1/29.
    assert.ok(p[tok.id('f')] > 0.4, `p(f) = ${p[tok.id('f')]}`);
    const o = { maxChars: 20, maxWords: 1, threshold: 0.002 };
    assert.equal(suggest(m, tok, s, o, 'then Qill').text, 'feather ', 'with the space the cache has seen after it');
    // The model alone, with nothing to go on, says nothing at that bar.
    assert.equal(suggest(uniform, tok, { n: 0 }, o, 'then Qill').text, '');
  });

  test('a tracker kept along an edited document counts what was typed, from where the edit is', () => {
    const t = new DocumentCacheTracker((x) => tok.encode(x));
    t.update('the cat sat');
    t.update('the cat sat on the mat');
    const appended = new DocumentCache();
    for (const id of tok.encode('the cat sat on the mat')) appended.add(id);
    assert.equal(t.cache.added, appended.added, 'appending adds only the new characters');
    // An edit in the middle: the new word is counted after the text before it, not after "mat".
    t.update('the dog sat on the mat');
    assert.equal(t.cache.added, appended.added + 'dog sat on the mat'.length);
    const p = t.cache.revise(new Float32Array(V).fill(1 / V), tok.encode('the d'), 1);
    assert.ok(p[tok.id('o')] > 1 / V, '"the d" was followed by "o"');
    // Opening a long document reads a bounded tail of it.
    const long = new DocumentCacheTracker((x) => tok.encode(x), 1000);
    long.update('abc '.repeat(10_000));
    assert.equal(long.cache.added, 1000);
  });
});

describe('the document cache with the shipped base model', () => {
  const card = readBaseCard();
  const skip = card ? false : 'this build ships no base model (resources/base-model)';
  test('on text that reuses its own names and terms it saves more keystrokes and lowers bits/char', { skip }, () => {
    const spec = baseSpec(card!);
    const weights = decodeArrays(fs.readFileSync(path.join(BASE_MODEL_DIR, BASE_WEIGHTS_FILE))).arrays;
    const runner = new LstmRunner(spec, weights);
    const btok = CharTokenizer.fromSpec(spec);
    // A made-up story: its names and places are in no training text.
    const story = [
      'Captain Orlavine Tessaway walked down to the harbour at Quenmarrow before dawn.',
      'The fishermen of Quenmarrow knew Captain Orlavine Tessaway by her green coat.',
      'Captain Orlavine Tessaway asked the harbourmaster of Quenmarrow about the storm.',
      'By noon Captain Orlavine Tessaway had left Quenmarrow on the morning tide.',
    ].join(' ');
    const segments = [{ context: '', text: story }];
    const o = { maxChars: 48, maxWords: 4, threshold: 0.25 };
    const plain = evaluateWith('plain', runner, btok, () => runner.zeroState(), segments, o, false);
    const cached = evaluateWith('cached', runner, btok, () => runner.zeroState(), segments, o);
    assert.ok(cached.ksr > plain.ksr + 0.02, `KSR ${cached.ksr} with the cache vs ${plain.ksr}`);
    assert.ok(cached.bitsPerChar < plain.bitsPerChar - 0.1, `${cached.bitsPerChar} vs ${plain.bitsPerChar} bits/char`);
  });
});
