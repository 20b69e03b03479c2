import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fs from 'node:fs';
import type { NibError } from '../src-main/api/errors.ts';
import { NgramModel, ngramBuildBytes, ngramOrderWithin } from '../src-main/ml/ngram.ts';
import { NgramPair } from '../src-main/ml/ngram-pair.ts';
import { buildNgramFor, ngramFromStored } from '../src-main/services/ngram.ts';
import zlib from 'node:zlib';
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
    const bytes = model.toBytes();
    const again = NgramModel.fromBytes(bytes);
    assert.deepEqual(
      again.distribution(Array.from(tok.encode('on the '))),
      model.distribution(Array.from(tok.encode('on the '))),
    );
    assert.deepEqual(again.toBytes(), bytes, 'the same counts give the same bytes');
  });

  test('every probability is interpolated Kneser-Ney as written out by hand from the text', () => {
    // An independent reference: counts taken afresh with plain maps, the recursion of
    // Chen & Goodman's interpolated KN written directly, in float64.
    const ids = Array.from(tok.encode(train));
    const V = tok.size;
    const raw = (n: number) => {
      const m = new Map<string, Map<number, number>>();
      for (let i = n - 1; i < ids.length; i++) {
        const k = ids.slice(i - n + 1, i).join(',');
        if (!m.has(k)) m.set(k, new Map());
        m.get(k)!.set(ids[i], (m.get(k)!.get(ids[i]) ?? 0) + 1);
      }
      return m;
    };
    const cont = (n: number) => {
      // N1+(• h w): distinct characters seen before (h w).
      const seen = new Map<string, Map<number, Set<number>>>();
      for (let i = n; i < ids.length; i++) {
        const k = ids.slice(i - n + 1, i).join(',');
        if (!seen.has(k)) seen.set(k, new Map());
        const m = seen.get(k)!;
        if (!m.has(ids[i])) m.set(ids[i], new Set());
        m.get(ids[i])!.add(ids[i - n]);
      }
      return new Map([...seen].map(([k, m]) => [k, new Map([...m].map(([w, s]) => [w, s.size]))]));
    };
    const tables = Array.from({ length: model.order }, (_, i) => (i + 1 === model.order ? raw(i + 1) : cont(i + 1)));
    const D = tables.map((t) => {
      let n1 = 0;
      let n2 = 0;
      for (const m of t.values())
        for (const c of m.values()) {
          if (c === 1) n1++;
          else if (c === 2) n2++;
        }
      return Math.min(0.95, Math.max(0.05, n1 / (n1 + 2 * n2)));
    });
    const prob = (ctx: number[], w: number): number => {
      let p = 1 / V;
      for (let n = 1; n <= model.order && n - 1 <= ctx.length; n++) {
        const m = tables[n - 1].get(ctx.slice(ctx.length - (n - 1)).join(','));
        if (!m) continue;
        const total = [...m.values()].reduce((a, b) => a + b, 0);
        p = (D[n - 1] * m.size * p) / total + Math.max((m.get(w) ?? 0) - D[n - 1], 0) / total;
      }
      return p;
    };
    for (const text of ['the cat sat', 'on the log. a ', 'xyz the', 'a dog met on a m']) {
      const ctx = Array.from(tok.encode(text));
      const p = model.distribution(ctx);
      for (let w = 0; w < V; w++) {
        assert.ok(Math.abs(p[w] - prob(ctx, w)) < 1e-6, `${JSON.stringify(text)} → ${tok.vocab[w]}`);
        assert.ok(Math.abs(model.probability(ctx, w) - prob(ctx, w)) < 1e-12);
      }
    }
  });

  test('pruned, it keeps fewer counts and every distribution still sums to 1', () => {
    const text = fs.readFileSync(SHAKESPEARE, 'utf8').slice(0, 24_000);
    const stok = new CharTokenizer([...new Set(text)].sort(), null);
    const ids = stok.encode(text.slice(0, 20_000));
    const held = stok.encode(text.slice(20_000));
    const { model: full } = NgramModel.build(stok.vocab, ids, held, 5);
    assert.ok(full.order >= 3, `order ${full.order}`);
    const small = full.pruned([1, 1, 2, 2, 2]);
    assert.ok(small.entries < full.entries * 0.6, `${small.entries} of ${full.entries}`);
    for (let i = 0; i < held.length; i += 7) {
      const p = small.distribution(held.subarray(Math.max(0, i - 4), i));
      const sum = p.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `sum ${sum}`);
    }
    // What it dropped falls to the lower orders: it loses little on text it never saw.
    const loss = (m: NgramModel) => m.crossEntropy(held);
    assert.ok(loss(small) < loss(full) + 0.1, `${loss(small)} against ${loss(full)}`);
    const ctx = Array.from(held.subarray(100, 104));
    assert.deepEqual(NgramModel.fromBytes(small.toBytes()).distribution(ctx), small.distribution(ctx));
  });

  test('damaged stored bytes are refused, never read as a model', () => {
    const bytes = model.toBytes();
    assert.throws(() => NgramModel.fromBytes(bytes.subarray(0, bytes.length - 3)), /truncated|inconsistent|malformed/);
    assert.throws(() => NgramModel.fromBytes(new Uint8Array([...bytes, 0])), /trailing/);
    assert.throws(() => NgramModel.fromBytes(new TextEncoder().encode('{"kind":"char-ngram-kn"}')), /not Nib n-gram/);
    const huge = new Uint8Array(bytes);
    const text = new TextDecoder().decode(huge);
    const at = text.indexOf('"contexts":') + '"contexts":'.length;
    huge.set(new TextEncoder().encode('9'), at); // a context count far beyond the bytes there are
    assert.throws(() => NgramModel.fromBytes(huge));
  });

  test('reads the JSON form data folders stored before the binary one', () => {
    const legacy = {
      kind: 'char-ngram-kn' as const,
      vocab: model.vocab,
      order: model.order,
      discounts: model.discounts,
      tables: model.tables.map((t) =>
        Array.from({ length: t.size }, (_, c) => {
          const k = String.fromCharCode(...t.keys.subarray(c * t.width, (c + 1) * t.width));
          const pairs: [number, number][] = [];
          for (let e = t.start[c]; e < t.start[c + 1]; e++) pairs.push([t.next[e], t.counts[e]]);
          return [k, pairs] as [string, [number, number][]];
        }),
      ),
    };
    const gz = zlib.gzipSync(JSON.stringify(legacy));
    const ctx = Array.from(tok.encode('met on '));
    assert.deepEqual(ngramFromStored(gz).distribution(ctx), model.distribution(ctx));
    assert.deepEqual(ngramFromStored(zlib.gzipSync(model.toBytes())).distribution(ctx), model.distribution(ctx));
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

describe('the n-gram build counts within its budget, however varied the text', () => {
  test('random text lets go of its highest orders as it counts; the orders kept are as if counted alone', () => {
    const vocab = [...'\n abcdefghijklmnopqrstuvwxyz'];
    const rng = new Rng(11);
    const ids = Int32Array.from({ length: 60_000 }, () => rng.int(vocab.length));
    const val = ids.subarray(0, 2000);
    const free = NgramModel.build(vocab, ids, val, 8);
    assert.equal(free.counted, 8);
    // 60,000 random characters make ~50,000 new contexts at each of orders 5–8 (256 bytes each in
    // the account): a 40 MB budget (16 MB for the counts) holds about four orders' worth.
    const capped = NgramModel.build(vocab, ids, val, 8, 40e6);
    assert.ok(capped.counted >= 3 && capped.counted < 8, `counted to order ${capped.counted}`);
    assert.deepEqual(
      capped.tried.map((t) => t.order),
      Array.from({ length: capped.counted - 1 }, (_, i) => i + 2),
    );
    // Dropping the top orders leaves the lower ones' counts whole: the same model as counting them alone.
    const alone = NgramModel.build(vocab, ids, val, capped.counted);
    assert.deepEqual(capped.tried, alone.tried);
    const ctx = Array.from(ids.subarray(100, 100 + capped.counted - 1));
    assert.deepEqual(capped.model.distribution(ctx), alone.model.distribution(ctx));
    // Prose-like text of the same length (a repeated sentence) stays well inside the same budget.
    const tok = new CharTokenizer(vocab, null);
    const prose = tok.encode('the cat sat on the mat and the dog sat on the log\n'.repeat(1200));
    assert.equal(NgramModel.build(vocab, prose, prose.subarray(0, 2000), 8, 40e6).counted, 8);
  });
});

describe('two n-grams read as one (ml/ngram-pair.ts)', () => {
  const text = fs.readFileSync(SHAKESPEARE, 'utf8').slice(0, 40_000);
  const ptok = new CharTokenizer([...new Set(text)].sort(), null);
  const a = NgramModel.build(ptok.vocab, ptok.encode(text.slice(0, 18_000)), ptok.encode(text.slice(36_000)), 6).model;
  const b = NgramModel.build(
    ptok.vocab,
    ptok.encode(text.slice(18_000, 36_000)),
    ptok.encode(text.slice(36_000)),
    4,
  ).model;

  test('its distribution is the weighted sum of theirs, read from one context as long as the longer order needs', () => {
    const pair = new NgramPair(a, b, 0.7);
    assert.equal(pair.order, Math.max(a.order, b.order));
    const state: number[] = [];
    for (const id of ptok.encode(text.slice(36_000, 36_400))) {
      const p = pair.probs(state);
      const pa = a.distribution(state);
      const pb = b.distribution(state);
      for (let w = 0; w < p.length; w += 5) assert.ok(Math.abs(p[w] - (0.7 * pa[w] + 0.3 * pb[w])) < 1e-7);
      assert.ok(Math.abs(p.reduce((x, y) => x + y, 0) - 1) < 1e-5);
      pair.step(state, id);
      assert.ok(state.length <= pair.order - 1);
    }
    // Mixed, it reads the held-out text better than the weaker of the two.
    const held = ptok.encode(text.slice(36_000));
    const ce = (m: StepModel<number[]>) => {
      const s: number[] = [];
      let t = 0;
      for (const id of held) {
        t -= Math.log(m.probs(s)[id]);
        m.step(s, id);
      }
      return t / held.length;
    };
    assert.ok(ce(pair) < Math.max(ce(a), ce(b)));
  });

  test('two vocabularies cannot be paired', () => {
    const other = NgramModel.build(['a', 'b'], Int32Array.from([0, 1, 0, 1]), Int32Array.from([0, 1]), 2).model;
    assert.throws(() => new NgramPair(a, other, 0.5), /one vocabulary/);
  });
});
