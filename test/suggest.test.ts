import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DocumentState } from '../src-main/ml/document-state.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import {
  DecodeTrace,
  effectiveThreshold,
  expectedSaving,
  readDecode,
  suggest,
  WORD_START_BAR,
  type StepModel,
  type SuggestOptions,
} from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { initWeights } from '../src-main/ml/weights.ts';

const vocab = [...'\n .,abcdefghijklmnopqrstuvwxyzABY'];
const spec: ModelSpec = {
  kind: 'char-lstm',
  vocab,
  unk: null,
  embedding: 8,
  units: [16, 12],
  recurrentActivation: 'sigmoid',
};
const runner = new LstmRunner(spec, initWeights(spec, 5));
const tok = CharTokenizer.fromSpec(spec);

function fresh(text: string) {
  const s = runner.zeroState();
  for (const id of tok.encode(text)) runner.step(s, id);
  return s;
}

describe('DocumentState: incremental LSTM state along a document', () => {
  const text = 'the quick brown fox jumps over the lazy dog. '.repeat(8);

  test('appending feeds only the new characters, and the state equals a full re-read', () => {
    const doc = new DocumentState(runner, tok, 32);
    assert.equal(doc.update(text).fed, text.length);
    assert.equal(doc.update(text + 'a').fed, 1);
    assert.equal(doc.update(text + 'abc').fed, 2);
    assert.deepEqual(doc.current, fresh(text + 'abc'));
  });

  test('an edit earlier in the text rolls back to the last snapshot before it', () => {
    const doc = new DocumentState(runner, tok, 32);
    doc.update(text);
    const edited = text.slice(0, 100) + 'Y' + text.slice(101);
    const r = doc.update(edited);
    assert.equal(r.resumedAt, 96, 'the snapshot at 96 is the last one at or before the edit at 100');
    assert.equal(r.fed, edited.length - 96);
    assert.deepEqual(doc.current, fresh(edited));
    // Deleting back to before every snapshot starts over.
    const r2 = doc.update('the');
    assert.equal(r2.fed, 3);
    assert.deepEqual(doc.current, fresh('the'));
  });

  test('a long document is read from a bounded window before the cursor', () => {
    const doc = new DocumentState(runner, tok, 64, 200);
    const long = 'line of text here\n'.repeat(100);
    const r = doc.update(long);
    assert.ok(r.fed <= 200 && r.fed > 100, `fed ${r.fed}`);
    assert.equal(long[r.resumedAt - 1], '\n', 'the window starts at a line start');
  });
});

/** A scripted model: after `state` characters it predicts script[state] with probability q (then the letter ø). */
function scripted(
  script: string,
  q = 1,
  unk: string | null = null,
): { model: StepModel<{ n: number }>; tok: CharTokenizer } {
  const v = [...new Set([...script, 'ø', ...(unk ? [unk] : [])])];
  const t = new CharTokenizer(v, unk ? v.indexOf(unk) : null);
  const model: StepModel<{ n: number }> = {
    probs(s) {
      const p = new Float32Array(v.length).fill((1 - q) / (v.length - 1));
      const ch = script[s.n] ?? 'ø';
      p[v.indexOf(ch)] = q;
      return p;
    },
    step(s) {
      s.n++;
    },
    clone: (s) => ({ ...s }),
  };
  return { model, tok: t };
}

/**
 * A scripted model with a probability per position: after `n` characters script[n] has qs[n]
 * (default 1), and the rest is shared by the symbols of `rest` (by default nine letters: they end no word).
 */
function scriptedAt(
  script: string,
  qs: number[],
  rest = 'øœßþðæåçñ',
): { model: StepModel<{ n: number }>; tok: CharTokenizer } {
  const v = [...new Set([...script, 'ø', ...rest])];
  const model: StepModel<{ n: number }> = {
    probs(s) {
      const q = qs[s.n] ?? 1;
      const p = new Float32Array(v.length);
      for (const ch of rest) p[v.indexOf(ch)] = (1 - q) / rest.length;
      p[v.indexOf(script[s.n] ?? 'ø')] += q;
      return p;
    },
    step(s) {
      s.n++;
    },
    clone: (s) => ({ ...s }),
  };
  return { model, tok: new CharTokenizer(v, null) };
}

describe('suggestion policy', () => {
  // The bar as given at a word's start too (startScale 1): most cases below are about the bar's
  // comparisons; the last test is about the higher bar before a word (WORD_START_BAR).
  const run = (script: string, o: Partial<SuggestOptions>, q = 1, before = '') => {
    const { model, tok: t } = scripted(script, q);
    return suggest(model, t, { n: 0 }, { maxChars: 48, maxWords: 4, threshold: 0.2, startScale: 1, ...o }, before);
  };

  test('never repeats the word before it, nor a pair of words ("the the", "of the of the")', () => {
    assert.equal(run('the cat', {}, 1, 'I saw the ').text, '', 'the only boundary would make "the the"');
    assert.equal(run('e cat sat ', {}, 1, 'I saw th').text, 'e cat sat ', 'completing "th" to "the" is no repeat');
    assert.equal(run('cat sat on the mat.', { maxWords: 6 }, 1, 'the ').text, 'cat sat on the mat.');
    assert.equal(
      run('of the of the day', { maxWords: 6 }, 1, 'most ').text,
      'of the ',
      'stops before the pair repeats',
    );
    assert.equal(run('ing the the end', {}, 1, 'walk').text, 'ing the ', 'stops before an internal repeat');
  });

  test('never suggests the unknown symbol, though the model finds it likeliest', () => {
    const unk = '\uFFFD';
    const { model, tok: t } = scripted(`ab${unk}d ef`, 0.9, unk);
    const s = suggest(model, t, { n: 0 }, { maxChars: 48, maxWords: 4, threshold: 0 });
    assert.ok(!s.text.includes(unk), JSON.stringify(s.text));
  });

  test('creativity moves the confidence bar: bolder shows more, safer shows less', () => {
    // Each character 0.8: "xyz" and its space cost 0.8^4 = 0.41, "abcdefg" and its space 0.8^8 = 0.17.
    const at = (script: string, creativity: number) => run(script, { threshold: 0.3, creativity }, 0.8).text;
    assert.equal(at('xyz abc', 0.5), 'xyz ', 'balanced: the threshold itself');
    assert.equal(at('abcdefg hij', 0.5), '');
    assert.equal(at('abcdefg hij', 1), 'abcdefg ', 'bold: a quarter of the threshold');
    assert.equal(at('xyz abc', 0), '', 'safe: four times the threshold');
    assert.equal(effectiveThreshold({ maxChars: 1, maxWords: 1, threshold: 0.3 }), 0.3);
  });

  test('a suggestion runs on as far as it saves the most keystrokes on average', () => {
    // "the " 0.9; "the cat " 0.6; "the cat sat." 0.6·a (its "s" has probability a; the rest of each
    // position's probability goes to nine other letters, so greedy decoding still follows the script).
    const q = (a: number) => [0.9, 1, 1, 1, 1, 1, 1, 2 / 3, a];
    const at = (a: number) => {
      const { model, tok: t } = scriptedAt('the cat sat. And', q(a));
      return suggest(model, t, { n: 0 }, { maxChars: 48, maxWords: 4, threshold: 0.5, startScale: 1 }).text;
    };
    // Saved on average (a trailing space is one more part, free when wrong): "the" 0.9 × 2 = 1.8;
    // "the " 0.9 × 3 = 2.7; "the cat" 0.6 × 6 + 0.3 × 2 = 4.2; "the cat " 0.6 × 7 + 0.3 × 2 = 4.8;
    // "the cat sat. " 0.6a × 12 + 0.3 × 2 + (0.6 − 0.6a) × 5 = 3.6 + 4.2a: 4.10 at a = 0.12, 5.28 at a = 0.4.
    assert.equal(at(0.12), 'the cat ', 'the third word is right too rarely to pay for a wasted Ctrl+→');
    assert.equal(at(0.4), 'the cat sat. ');
    // The rule before (bench:length compares them): every boundary above the bar, the last kept.
    const { model: m2, tok: t2 } = scriptedAt('the cat sat. And', q(0.4));
    const o = { maxChars: 48, maxWords: 4, threshold: 0.5, length: 'bar' as const };
    assert.equal(suggest(m2, t2, { n: 0 }, o).text, 'the cat');
    // A second word is free when wrong (Ctrl+→ takes the first for one key, as Tab would), so even
    // an unlikely one is shown: the bar applies to the first word only.
    const { model, tok: t } = scriptedAt('the cat ', [0.9, 1, 1, 1, 0.2, 1, 1, 1]);
    assert.equal(
      suggest(model, t, { n: 0 }, { maxChars: 48, maxWords: 4, threshold: 0.5, startScale: 1 }).text,
      'the cat ',
    );
  });

  test('the bar is for the first word, whatever marks come before its end; one character alone is never shown', () => {
    // An opening quote is likely (0.9), the word after it not (0.3): "xyz is below the bar.
    const { model, tok: t } = scriptedAt('"xyz ', [0.9, 0.3]);
    const s = suggest(model, t, { n: 0 }, { maxChars: 48, maxWords: 4, threshold: 0.5, startScale: 1 });
    assert.notEqual(s.text, '"xyz');
    // What clears the bar, the quote alone, is one character: Tab for it saves nothing, so nothing
    // shows (the rule before showed it).
    assert.equal(s.text, '');
    assert.equal(suggest(model, t, { n: 0 }, { maxChars: 48, maxWords: 4, threshold: 0.5, length: 'bar' }).text, '"');
    // Where the word after it clears the bar too, the quote comes with it.
    const { model: sure, tok: t2 } = scriptedAt('"xyz ', [0.9, 0.9]);
    assert.equal(
      suggest(sure, t2, { n: 0 }, { maxChars: 48, maxWords: 1, threshold: 0.5, startScale: 1 }).text,
      '"xyz ',
    );
  });

  test('a word is right whatever non-letter follows it: "cat" is offered as well as "cat,"', () => {
    // After "cat" a comma (0.5) or a full stop (0.5): "cat" ends there for sure, "cat," half the time.
    const { model, tok: t } = scriptedAt('cat, the', [1, 1, 1, 0.5], '.');
    const one = { maxChars: 48, maxWords: 1, threshold: 0.3, startScale: 1 };
    assert.equal(suggest(model, t, { n: 0 }, one).text, 'cat');
    assert.ok(Math.abs(suggest(model, t, { n: 0 }, one).probability - 1) < 1e-6);
    assert.equal(suggest(model, t, { n: 0 }, { ...one, length: 'bar' }).text, 'cat,', 'the rule before');
  });

  test('the first word may end where greedy decoding goes on: "ca" of America, not only "can" of American', () => {
    // After "Ameri": "c", "a", then "n" (0.45) is the likeliest next letter, but a word end (space,
    // comma, full stop: 0.55 together) is likelier than "n": "ca" clears the bar of 0.5, "can" does not.
    const { model, tok: t } = scriptedAt('can people', [1, 1, 0.45], ' ,.');
    const o = { maxChars: 48, maxWords: 4, threshold: 0.5 };
    const s = suggest(model, t, { n: 0 }, o, 'the United States of Ameri');
    assert.equal(s.text, 'ca');
    assert.ok(Math.abs(s.probability - 0.55) < 1e-6, String(s.probability));
    assert.equal(suggest(model, t, { n: 0 }, { ...o, length: 'bar' }, 'of Ameri').text, '', 'the rule before');
  });

  test('a no-break space ends a word as a space does (the words Ctrl+→ takes)', () => {
    assert.equal(run('oui\u00a0! non', { maxWords: 1 }).text, 'oui');
    assert.equal(run('oui\u00a0! non', { maxWords: 2 }).text, 'oui\u00a0! ');
  });

  test('a repeat is cut back to before its second half, even past a mid-word apostrophe', () => {
    assert.equal(run('don’t know don’t know ', { maxWords: 6 }, 1, 'so ').text, 'don’t know ');
  });

  test('a word a space likely follows carries the space, so Tab leaves the cursor at the next word', () => {
    assert.equal(run('cat sat', { maxWords: 1 }).text, 'cat ');
    assert.equal(run('cat sat', { maxWords: 1, trailingSpace: false }).text, 'cat', 'off: Tab ends at the word');
    assert.equal(run('cat. Then', { maxWords: 1 }).text, 'cat. ', 'after a sentence, the space that follows it');
    assert.equal(run('cat.\nThen', { maxWords: 1 }).text, 'cat.', 'never a space the model does not expect');
    assert.equal(run('cat sat', { maxWords: 1, length: 'bar' }).text, 'cat', 'not with the rule before');
    // After "cat" a space (0.3) or a comma (0.7, then a newline): "cat," (0.7 × 3 keys saved) or
    // "cat" (1 × 2), never "cat " after greedy decoding chose the comma.
    const { model, tok: t } = scriptedAt('cat,\n', [1, 1, 1, 0.7], ' ');
    assert.equal(
      suggest(model, t, { n: 0 }, { maxChars: 48, maxWords: 1, threshold: 0.5, startScale: 1 }).text,
      'cat,',
    );
  });

  test('expected keystrokes saved, against a hand count', () => {
    const prefixes = [
      { text: '', probability: 1 },
      { text: 'ing', probability: 0.6 },
      { text: 'ing the', probability: 0.3 },
      { text: 'ing the day.', probability: 0.1 },
    ];
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
    near(expectedSaving(prefixes, 1), 0.6 * 2);
    near(expectedSaving(prefixes, 2), 0.3 * 6 + 0.3 * 2);
    // All right: 12 characters for Tab; the first two only: 7 for two Ctrl+→; the first only: 3 for one.
    near(expectedSaving(prefixes, 3), 0.1 * 11 + 0.2 * (7 - 2) + 0.3 * (3 - 1));
    // A trailing space: all right, 4 characters for Tab; the word only, 3 for Ctrl+→.
    const spaced = [
      { text: '', probability: 1 },
      { text: 'cat', probability: 0.6 },
      { text: 'cat ', probability: 0.5 },
    ];
    near(expectedSaving(spaced, 2), 0.5 * 3 + 0.1 * (3 - 1));
  });

  test('completes the word and runs on to a natural boundary', () => {
    assert.equal(run('ing the day. Then', {}).text, 'ing the day. ');
    assert.equal(run('ing, said he', { maxWords: 1 }).text, 'ing, ');
  });

  test('never suggests across a line break', () => {
    assert.equal(run('ing\nnext line', {}).text, 'ing');
    assert.equal(run('\nnext', {}).text, '');
  });

  test('never goes past the configured maximum length or word count', () => {
    const long = run('aa bb cc dd ee ff gg', { maxChars: 10, maxWords: 10 });
    assert.equal(long.text, 'aa bb cc ');
    assert.equal(run('aa bb. cc', { maxChars: 6 }).text, 'aa bb.', 'no room for the space');
    assert.equal(run('aa bb cc dd ee ff gg', { maxWords: 2 }).text, 'aa bb ');
  });

  test('shows nothing below the confidence threshold, and cuts back to the last confident boundary', () => {
    // Each character has probability 0.5, the other 7 symbols 0.5/7 each. "xyz" is the writer's word
    // if it ends there, before a space (0.5) or another non-letter (none here): 0.5^3 × 0.5.
    assert.equal(run('xyz abc', { threshold: 0.2 }, 0.5).text, '');
    const s = run('xyz abc', { threshold: 0.05, trailingSpace: false }, 0.5);
    assert.equal(s.text, 'xyz');
    assert.ok(Math.abs(s.probability - 0.0625) < 1e-6, String(s.probability));
    assert.equal(run('xyz abcd', { threshold: 0.001 }, 0.5).text, 'xyz ', 'the unfinished word abcd is dropped');
  });

  test('a word cut by the maximum length is dropped, not shown half-finished', () => {
    assert.equal(run('abcdefghijklmnop', { maxChars: 8 }).text, '');
  });

  test('before a word the bar is WORD_START_BAR times the bar inside one', () => {
    // "xyz" and its space: 0.8^4 = 0.41, above a bar of 0.3, below 0.3 × 2.
    assert.equal(WORD_START_BAR, 2);
    const o = { threshold: 0.3, startScale: undefined };
    assert.equal(run('xyz abc', o, 0.8).text, '', 'before a word: the higher bar');
    assert.equal(run('xyz abc', o, 0.8, 'I saw w').text, 'xyz ', 'completing "w…": the bar itself');
    assert.equal(run('xyz abc', { ...o, length: 'bar' }, 0.8).text, 'xyz', 'the earlier rule keeps one bar');
    // The range a decode reports is in the bar's own units: every bar in it reads the same.
    const { model, tok: t } = scripted('xyz abc', 0.8);
    const range = { lo: -Infinity, hi: Infinity };
    readDecode(new DecodeTrace(model, t, { n: 0 }), t, { maxChars: 48, maxWords: 4, threshold: 0.3 }, '', range);
    // Decoding stopped at "xyz" (0.8^3 = 0.512) against the bar before a word (0.6): every bar above
    // 0.512 / 2 reads the same nothing.
    assert.ok(Math.abs(range.lo - 0.8 ** 3 / 2) < 1e-6, `${range.lo}`);
  });
});

test('the real LSTM runner plugs into the policy', () => {
  const s = suggest(runner, tok, fresh('the quick '), { maxChars: 20, maxWords: 3, threshold: 0 });
  assert.ok(s.text.length <= 20 && !s.text.includes('\n'));
});
