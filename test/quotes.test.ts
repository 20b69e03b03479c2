import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { styleQuotes, usesCurlyQuotes } from '../src-main/ml/quotes.ts';
import type { StepModel } from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { simulateTyping } from '../src-main/ml/typing-sim.ts';
import { SHARED_UNK, SHARED_VOCAB } from '../src-main/ml/vocab.ts';

describe('straight and curly quotes (ml/quotes.ts)', () => {
  test('the tokenizer reads curly quotes as straight ones where the vocabulary has those, and only there', () => {
    const shared = new CharTokenizer([...SHARED_VOCAB], SHARED_UNK);
    assert.deepEqual(shared.encode('I don’t say “yes” or ‘no’.'), shared.encode("I don't say \"yes\" or 'no'."));
    // A vocabulary of its own without the straight one keeps the curly character as it is.
    const own = new CharTokenizer(['a', '’', 'b'], null);
    assert.deepEqual([...own.encode('a’b')], [0, 1, 2]);
    assert.deepEqual([...own.encode("a'b")], [0, 2]);
  });

  test('the document’s style: more curly quotes than straight ones in the last few pages', () => {
    assert.equal(usesCurlyQuotes('It’s “fine”, she said.'), true);
    assert.equal(usesCurlyQuotes('It\'s "fine", she said.'), false);
    assert.equal(usesCurlyQuotes('No quotes at all.'), false, 'straight by default: what the keyboard types');
    // Only the recent text counts: a document that went over to straight quotes writes straight.
    assert.equal(usesCurlyQuotes('“old” ’ ’ ’ ' + 'x'.repeat(5000) + "it's"), false);
  });

  test('a suggestion is written in that style: apostrophes and closing quotes after a letter, opening ones after a space', () => {
    const curly = 'She wrote: “I’m here.” Then ';
    assert.equal(styleQuotes("she didn't say \"no\" to 'that'", curly), 'she didn’t say “no” to ‘that’');
    assert.equal(styleQuotes("'t know", 'I don', true), '’t know');
    assert.equal(styleQuotes('"Yes,', 'He said (', true), '“Yes,');
    assert.equal(styleQuotes('don’t “go”', 'Plain text. ', false), 'don\'t "go"');
    assert.equal(styleQuotes('no quotes', curly), 'no quotes');
  });

  test('simulated typing takes a suggestion in the document’s quotes as the editor shows it', () => {
    // A model that has learnt "I don't know" with a straight apostrophe; the writer's text has a curly one.
    const script = "I don't know.";
    const tok = new CharTokenizer([...SHARED_VOCAB], SHARED_UNK);
    const model: StepModel<{ n: number }> = {
      probs(s) {
        const p = new Float32Array(tok.size);
        p[tok.id(script[s.n] ?? ' ')] = 1;
        return p;
      },
      step(s) {
        s.n++;
      },
      clone: (s) => ({ ...s }),
    };
    const o = { maxChars: 48, maxWords: 4, threshold: 0.2 };
    const prior = 'It’s late. ';
    const r = simulateTyping(model, tok, { n: 0 }, 'I don’t know.', o, prior);
    assert.equal(r.acceptedChars, 'I don’t know.'.length, 'taken whole: the curly apostrophe matches');
    assert.ok(r.keystrokes <= 3, String(r.keystrokes));
  });
});
