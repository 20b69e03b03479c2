import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DocumentState } from '../src-main/ml/document-state.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { MIX_ADAPT, MixWeightTracker, startWeight, updateWeight } from '../src-main/ml/mix-weight.ts';
import { MixtureModel, type MixState } from '../src-main/ml/mixture.ts';
import { NgramModel } from '../src-main/ml/ngram.ts';
import { NgramPair, type NgramLike } from '../src-main/ml/ngram-pair.ts';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import { observe } from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import type { LstmState } from '../src-main/ml/lstm-runner.ts';

describe('a mixture weight that follows the text (ml/mix-weight.ts)', () => {
  test('it moves to the model that predicts the text, and back within a few sentences when that changes', () => {
    const w = startWeight([0.5, 0.5]);
    for (let i = 0; i < 200; i++) updateWeight(w, [0.6, 0.05]);
    assert.ok(w.w[0] > 0.9, `after 200 characters the first model predicts far better: λ ${w.w[0]}`);
    let n = 0;
    while (w.w[0] > 0.5) {
      updateWeight(w, [0.05, 0.6]);
      n++;
    }
    // Forgetting 0.98: the last ~50 characters count most, so a new kind of text takes over within a sentence or two.
    assert.ok(n > 10 && n < 100, `${n} characters to hand over`);
    for (let i = 0; i < 500; i++) updateWeight(w, [0, 1]);
    assert.equal(w.w[0], MIX_ADAPT.min, 'bounded: the other model always keeps a share');
    assert.equal(w.w[1], 1 - MIX_ADAPT.min);
    // Characters neither model predicted say nothing about which is better.
    const before = w.w[0];
    updateWeight(w, [0, 0]);
    assert.ok(Math.abs(w.w[0] - before) < 1e-12);
  });

  test('it is the exponentially forgotten average of each character’s responsibility (a direct float64 sum)', () => {
    const pa = [0.3, 0.01, 0.5, 0.2, 0.9, 0.05, 0.4];
    const pb = [0.1, 0.4, 0.5, 0.02, 0.3, 0.6, 0.2];
    const pc = [0.2, 0.3, 0.1, 0.4, 0.05, 0.3, 0.1];
    const w0 = [0.4, 0.35, 0.25];
    const w = startWeight(w0);
    const { forget: f, prior } = MIX_ADAPT;
    let cur = w0.slice();
    const r: number[][] = [];
    for (let t = 0; t < pa.length; t++) {
      const p = [pa[t], pb[t], pc[t]];
      const mixed = cur[0] * p[0] + cur[1] * p[1] + cur[2] * p[2];
      r.push(cur.map((x, k) => (x * p[k]) / mixed));
      // w_k,t = (f^t·prior·w_k,0 + Σ_s f^(t−s)·r_k,s) / (f^t·prior + Σ_s f^(t−s)), with t counting from 1
      cur = w0.map((x0, k) => {
        let num = prior * x0 * f ** (t + 1);
        let den = prior * f ** (t + 1);
        for (let s = 0; s <= t; s++) {
          num += f ** (t - s) * r[s][k];
          den += f ** (t - s);
        }
        return num / den;
      });
      updateWeight(w, p);
      for (let k = 0; k < 3; k++)
        assert.ok(Math.abs(w.w[k] - cur[k]) < 1e-12, `${t}, part ${k}: ${w.w[k]} against ${cur[k]}`);
      assert.ok(Math.abs(w.w[0] + w.w[1] + w.w[2] - 1) < 1e-12);
    }
  });

  test('a part that predicts nothing keeps its floor, and the others share the rest as they earned it', () => {
    const w = startWeight([0.5, 0.3, 0.2]);
    for (let i = 0; i < 1000; i++) updateWeight(w, [0.3, 0.1, 0]);
    assert.ok(Math.abs(w.w[2] - MIX_ADAPT.min) < 1e-12, `the silent part: ${w.w[2]}`);
    assert.ok(Math.abs(w.w[0] + w.w[1] + w.w[2] - 1) < 1e-12);
    // Between the other two, EM on a fixed pair of probabilities ends with the better one holding
    // all but the floors: 1 − 2·min.
    assert.ok(Math.abs(w.w[0] - (1 - 2 * MIX_ADAPT.min)) < 1e-6, `the better part: ${w.w[0]}`);
    // Two parts below the floor at once: both held at it, the third takes the rest.
    const v = startWeight([0.5, 0.3, 0.2]);
    for (let i = 0; i < 1000; i++) updateWeight(v, [0, 0.2, 0]);
    assert.deepEqual(
      v.w.map((x) => Math.round(x * 1e9) / 1e9),
      [MIX_ADAPT.min, 1 - 2 * MIX_ADAPT.min, MIX_ADAPT.min],
    );
  });

  // A real (untrained) LSTM and an n-gram built on a small text, over the same vocabulary.
  const vocab = [...'\n .,abcdefghijklmnopqrstuvwxyz'];
  const spec: ModelSpec = {
    kind: 'char-lstm',
    vocab,
    unk: null,
    embedding: 8,
    units: [16],
    recurrentActivation: 'sigmoid',
  };
  const runner = new LstmRunner(spec, initWeights(spec, 3));
  const tok = CharTokenizer.fromSpec(spec);
  const train = 'the cat sat on the mat. the dog sat on the log. a cat and a dog.\n'.repeat(20);
  const { model: ngram } = NgramModel.build(vocab, tok.encode(train), tok.encode(train.slice(0, 200)), 4);
  const text = 'the cat sat on the log, and the dog sat on the mat. then a cat sat.';
  // A second n-gram over the same vocabulary, of other text, paired with the first as the base's is
  // with the writer's (ml/ngram-pair.ts).
  const other = 'a dog and a log. the log is on the mat, the cat is not.\n'.repeat(20);
  const { model: otherNgram } = NgramModel.build(vocab, tok.encode(other), tok.encode(other.slice(0, 200)), 3);
  const pair = new NgramPair(ngram, otherNgram, 0.7);

  const typed = (t: string, ng: NgramLike = ngram) => {
    const mix = new MixtureModel(runner, ng, 0.5);
    const s: MixState<LstmState, number[]> = { a: runner.zeroState(), b: [] };
    for (const id of tok.encode(t)) {
      mix.probs(s); // as the simulated writer does before each key: the kept distributions are then used
      observe(mix, s, id);
    }
    return s.w!;
  };

  test('typing moves the weight; a suggestion looked ahead does not', () => {
    const mix = new MixtureModel(runner, ngram, 0.5);
    const s: MixState<LstmState, number[]> = { a: runner.zeroState(), b: [] };
    for (const id of tok.encode('the cat ')) observe(mix, s, id);
    const w = structuredClone(s.w!);
    assert.notEqual(w.w[0], 0.5);
    const ahead = mix.clone(s);
    for (const id of tok.encode('sat on')) mix.step(ahead, id);
    assert.deepEqual(s.w, w, 'the original is untouched');
    assert.deepEqual(ahead.w, w, 'and the clone looked ahead without learning from it');
    // Kept distributions or not, the same weight: probs() before observe() only saves work.
    assert.deepEqual(typed('the cat '), w);
    // Without adaptation the weight stays the fitted one.
    const fixed = new MixtureModel(runner, ngram, 0.5, null);
    const f: MixState<LstmState, number[]> = { a: runner.zeroState(), b: [] };
    for (const id of tok.encode('the cat ')) observe(fixed, f, id);
    assert.equal(f.w, undefined);
  });

  test('with a pair of n-grams, each is a part of its own: it starts as the fixed pair and then each n-gram’s share moves', () => {
    const mix = new MixtureModel(runner, pair, 0.4);
    assert.deepEqual(mix.start, [0.4, 0.6 * 0.7, 0.6 * (1 - 0.7)]);
    const s: MixState<LstmState, number[]> = { a: runner.zeroState(), b: [] };
    const fixedPair = (st: MixState<LstmState, number[]>, l: number) => {
      const pl = runner.probs(st.a);
      const pp = pair.probs(st.b);
      return pl.map((x, i) => l * x + (1 - l) * pp[i]);
    };
    // Before any typing the mixture is λ·LSTM + (1 − λ)·(the pair at its fitted μ).
    const before = mix.probs(s);
    fixedPair(s, 0.4).forEach((x, i) => assert.ok(Math.abs(before[i] - x) < 1e-6));
    for (const id of tok.encode(text)) observe(mix, s, id);
    const w = s.w!.w;
    // The typed text is the first n-gram's own: its share of the n-grams' weight grows past μ.
    assert.ok(w[1] / (w[1] + w[2]) > 0.7 + 0.05, `the writer's n-gram's share: ${w[1] / (w[1] + w[2])}`);
    const p = mix.probs(s);
    const pl = runner.probs(s.a);
    const pa = ngram.probs(s.b);
    const pb = otherNgram.probs(s.b);
    p.forEach((x, i) => assert.ok(Math.abs(x - (w[0] * pl[i] + w[1] * pa[i] + w[2] * pb[i])) < 1e-6));
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'still a distribution');
  });

  for (const [name, ng] of [
    ['an n-gram', ngram],
    ['a pair of n-grams', pair],
  ] as const)
    test(`the app’s tracker, fed by DocumentState as the writer types, gives the weights nib eval measures (${name})`, () => {
      const tracker = new MixWeightTracker(0.5, runner, ng, tok);
      const doc = new DocumentState(runner, tok, 16);
      // Typed in bursts, as keystrokes arrive between suggestions.
      for (const end of [5, 6, 20, 33, 34, text.length]) {
        tracker.begin(text.slice(0, end));
        doc.update(text.slice(0, end), tracker.onChar);
      }
      const want = typed(text, ng);
      assert.equal(tracker.weight.w.length, ng === pair ? 3 : 2);
      tracker.weight.w.forEach((x, k) =>
        assert.ok(Math.abs(x - want.w[k]) < 1e-6, `part ${k}: ${x} against ${want.w[k]}`),
      );
      assert.ok(Math.abs(tracker.weight.den - want.den) < 1e-6);
      // Reading the same text again counts nothing twice.
      tracker.begin(text);
      doc.update(text, tracker.onChar);
      assert.ok(Math.abs(tracker.weight.den - want.den) < 1e-6);
    });

  test('after an edit, only the characters from the edit on are counted, though DocumentState re-reads from a snapshot', () => {
    const tracker = new MixWeightTracker(0.5, runner, ngram, tok);
    const doc = new DocumentState(runner, tok, 16);
    tracker.begin(text);
    doc.update(text, tracker.onChar);
    const den = tracker.weight.den;
    // The last word rewritten: 4 characters replaced by 5 ("sat." → "slept." shares "s").
    const edited = text.slice(0, -4) + 'lept.';
    tracker.begin(edited);
    const { fed } = doc.update(edited, tracker.onChar);
    assert.ok(fed > 5, `DocumentState re-read ${fed} characters from its snapshot`);
    const f = MIX_ADAPT.forget;
    const counted = 5;
    assert.ok(Math.abs(tracker.weight.den - (den * f ** counted + (1 - f ** counted) / (1 - f))) < 1e-9);
  });
});
