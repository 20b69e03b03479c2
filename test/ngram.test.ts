import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fs from 'node:fs';
import type { NibError } from '../src-main/api/errors.ts';
import { NgramModel, ngramBuildBytes, ngramOrderWithin } from '../src-main/ml/ngram.ts';
import { buildNgramFor } from '../src-main/services/ngram.ts';
import { SHAKESPEARE } from './helpers.ts';
import { Rng } from '../src-main/ml/rng.ts';
import type { StepModel } from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { suggestionWords } from '../src-main/ml/suggest.ts';
import { simulateTyping } from '../src-main/ml/typing-sim.ts';

const train = 'the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat.\n'.repeat(3);
const val = 'the cat met the dog on the log.';
const tok = new CharTokenizer([...new Set(train + 'xyzQ')].sort(), null);

describe('n-gram model (interpolated Kneser-Ney)', () => {
  const { model, tried } = NgramModel.build(tok.vocab, tok.encode(train), tok.encode(val), 6);

  test('the order is chosen by validation loss', () => {
    assert.deepEqual(
      tried.map((t) => t.order),
      [2, 3, 4, 5, 6],
    );
    const best = Math.min(...tried.map((t) => t.valLoss));
    assert.equal(tried.find((t) => t.order === model.order)!.valLoss, best);
  });

  test('probabilities sum to 1 over the vocabulary for every context, seen or unseen', () => {
    const ids = tok.encode(train);
    const contexts: number[][] = [[]];
    for (let i = 0; i < ids.length; i += 3)
      for (let n = 1; n < model.order; n++) contexts.push(Array.from(ids.subarray(Math.max(0, i - n), i)));
    const rng = new Rng(3);
    for (let k = 0; k < 200; k++) contexts.push(Array.from({ length: 1 + rng.int(8) }, () => rng.int(tok.size)));
    contexts.push(Array.from(tok.encode('xyzQ')));
    for (const ctx of contexts) {
      const p = model.distribution(ctx);
      const sum = p.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `context ${JSON.stringify(tok.decode(ctx))}: sum ${sum}`);
      assert.ok(
        p.every((x) => x > 0),
        'every character keeps some probability',
      );
    }
  });

  test('it predicts what it has seen, and round-trips through its stored form', () => {
    const p = model.distribution(Array.from(tok.encode('the ca')));
    assert.equal(tok.vocab[p.indexOf(Math.max(...p))], 't');
    const again = NgramModel.fromData(JSON.parse(JSON.stringify(model.toData())));
    assert.deepEqual(
      again.distribution(Array.from(tok.encode('on the '))),
      model.distribution(Array.from(tok.encode('on the '))),
    );
  });
});

/** A fake model that always predicts `script` from its position on, with probability 1. */
function scripted(script: string): { model: StepModel<{ n: number }>; tok: CharTokenizer } {
  const v = [...new Set([...script, ...'the cat sat', '~'])];
  const t = new CharTokenizer(v, null);
  return {
    tok: t,
    model: {
      probs(s) {
        const p = new Float32Array(v.length);
        p[v.indexOf(script[s.n] ?? '~')] = 1;
        return p;
      },
      step(s) {
        s.n++;
      },
      clone: (s) => ({ ...s }),
    },
  };
}

describe('keystroke savings by simulated typing', () => {
  test('words of a suggestion keep their leading space', () => {
    assert.deepEqual(suggestionWords('ing the day.'), ['ing', ' the', ' day.']);
  });

  test('a scripted model on a hand-made text gives the keystrokes counted by hand', () => {
    // The model believes the text is "the cat ran far"; the writer types "the cat sat".
    //  pos 0  shown "the cat ran"  → "the", " cat" match: 2 × Ctrl+→, 7 chars accepted
    //  pos 7  shown " ran"         → no match: type " "
    //  pos 8  shown "ran"          → type "s"
    //  pos 9  shown "an"           → type "a"
    //  pos 10 shown "n"            → type "t"
    // 6 keystrokes for 11 characters; 5 suggestions shown, 1 (partly) accepted.
    const { model, tok: t } = scripted('the cat ran far');
    const r = simulateTyping(model, t, { n: 0 }, 'the cat sat', { maxChars: 48, maxWords: 4, threshold: 0.2 });
    assert.equal(r.keystrokes, 6);
    assert.equal(r.chars, 11);
    assert.ok(Math.abs(r.ksr - (1 - 6 / 11)) < 1e-12);
    assert.equal(r.shown, 5);
    assert.equal(r.accepted, 1);
    assert.equal(r.acceptedChars, 7);
  });

  test('a suggestion that matches entirely costs one keystroke (Tab)', () => {
    const { model, tok: t } = scripted('the cat sat.\n');
    const r = simulateTyping(model, t, { n: 0 }, 'the cat sat.', { maxChars: 48, maxWords: 4, threshold: 0.2 });
    assert.equal(r.keystrokes, 1);
    assert.equal(r.acceptedChars, 12);
  });

  test('the trailing space of a suggestion: Tab takes it when the writer goes on with a word, Ctrl+→ takes the words when not', () => {
    // The model believes "the cat " (a space after "cat"); the suggestion carries it.
    const o = { maxChars: 48, maxWords: 2, threshold: 0.2 };
    const { model, tok: t } = scripted('the cat sat');
    const onWord = simulateTyping(model, t, { n: 0 }, 'the cat sat', o);
    //  pos 0 shown "the cat " → all of it (Tab): 8 chars for 1 key; pos 8 shown "sat" → Tab.
    assert.equal(onWord.keystrokes, 2);
    assert.equal(onWord.acceptedChars, 11);
    const { model: m2, tok: t2 } = scripted('the cat ,');
    const onMark = simulateTyping(m2, t2, { n: 0 }, 'the cat,', o);
    //  pos 0 shown "the cat " → "the", " cat" (2 × Ctrl+→); pos 7 "," typed.
    assert.equal(onMark.keystrokes, 3);
    assert.equal(onMark.acceptedChars, 7);
    // The text has the space, then a mark ("oui !"): the editor would take the space back at the
    // "!", so Tab is no good there; the words with Ctrl+→ (2), then at pos 7 " !" is shown (Tab).
    const { model: m3, tok: t3 } = scripted('the cat !');
    const spaceThenMark = simulateTyping(m3, t3, { n: 0 }, 'the cat !', o);
    assert.equal(spaceThenMark.keystrokes, 3);
    assert.equal(spaceThenMark.accepted, 2);
    assert.equal(spaceThenMark.acceptedChars, 9);
  });
});

describe('the n-gram build stays within its memory limit', () => {
  test('the orders counted are capped by the estimate; with no order that fits, a clear refusal', () => {
    // The estimate grows with the order (high orders see nearly every context once) and the text.
    assert.ok(ngramBuildBytes(4e6, 8) > ngramBuildBytes(4e6, 6) && ngramBuildBytes(4e6, 6) > ngramBuildBytes(1e6, 6));
    assert.equal(ngramOrderWithin(6e6, 16 * 2 ** 30), 8, 'a 6 MB corpus on a 32 GB computer: every order');
    const limit = ngramBuildBytes(6e6, 6);
    assert.equal(ngramOrderWithin(6e6, limit), 6);
    assert.equal(ngramOrderWithin(6e6, 10 * 2 ** 20), null);
    const texts = [fs.readFileSync(SHAKESPEARE, 'utf8').slice(0, 200_000)];
    const full = buildNgramFor(texts);
    assert.equal(full.limited, undefined);
    const capped = buildNgramFor(texts, 0.1, undefined, ngramBuildBytes(180_000, 4));
    assert.deepEqual(capped.limited?.maxOrder, 4);
    assert.ok(capped.model.order <= 4 && capped.tried.every((t) => t.order <= 4), JSON.stringify(capped.tried));
    assert.throws(
      () => buildNgramFor(texts, 0.1, undefined, 50 * 2 ** 20),
      (e: NibError) =>
        e.code === 'invalid' &&
        /too large for an n-gram model in 0\.0 GB/.test(e.message) &&
        /--max-memory/.test(e.message),
    );
  });
});
