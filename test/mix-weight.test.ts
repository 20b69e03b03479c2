import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DocumentState } from '../src-main/ml/document-state.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { MIX_ADAPT, MixWeightTracker, startWeight, updateWeight } from '../src-main/ml/mix-weight.ts';
import { MixtureModel, type MixState } from '../src-main/ml/mixture.ts';
import { NgramModel } from '../src-main/ml/ngram.ts';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import { observe } from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import type { LstmState } from '../src-main/ml/lstm-runner.ts';

describe('a mixture weight that follows the text (ml/mix-weight.ts)', () => {
  test('it moves to the model that predicts the text, and back within a few sentences when that changes', () => {
    const w = startWeight(0.5);
    for (let i = 0; i < 200; i++) updateWeight(w, 0.6, 0.05);
    assert.ok(w.lambda > 0.9, `after 200 characters the first model predicts far better: λ ${w.lambda}`);
    let n = 0;
    while (w.lambda > 0.5) {
      updateWeight(w, 0.05, 0.6);
      n++;
    }
    // Forgetting 0.98: the last ~50 characters count most, so a new kind of text takes over within a sentence or two.
    assert.ok(n > 10 && n < 100, `${n} characters to hand over`);
    for (let i = 0; i < 500; i++) updateWeight(w, 0, 1);
    assert.equal(w.lambda, MIX_ADAPT.min, 'bounded: the other model always keeps a share');
    // Characters neither model predicted say nothing about which is better.
    const before = w.lambda;
    updateWeight(w, 0, 0);
    assert.ok(Math.abs(w.lambda - before) < 1e-12);
  });

  test('it is the exponentially forgotten average of each character’s responsibility (a direct float64 sum)', () => {
    const pa = [0.3, 0.01, 0.5, 0.2, 0.9, 0.05, 0.4];
    const pb = [0.1, 0.4, 0.5, 0.02, 0.3, 0.6, 0.2];
    const w = startWeight(0.4);
    const { forget: f, prior } = MIX_ADAPT;
    let lambda = 0.4;
    const r: number[] = [];
    for (let t = 0; t < pa.length; t++) {
      r.push((lambda * pa[t]) / (lambda * pa[t] + (1 - lambda) * pb[t]));
      // λ_t = (f^t·prior·λ₀ + Σ_s f^(t−s)·r_s) / (f^t·prior + Σ_s f^(t−s)), with t counting from 1
      let num = prior * 0.4 * f ** (t + 1);
      let den = prior * f ** (t + 1);
      for (let s = 0; s <= t; s++) {
        num += f ** (t - s) * r[s];
        den += f ** (t - s);
      }
      lambda = num / den;
      updateWeight(w, pa[t], pb[t]);
      assert.ok(Math.abs(w.lambda - lambda) < 1e-12, `${t}: ${w.lambda} against ${lambda}`);
    }
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

  const typed = (t: string) => {
    const mix = new MixtureModel(runner, ngram, 0.5);
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
    const w = { ...s.w! };
    assert.notEqual(w.lambda, 0.5);
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

  test('the app’s tracker, fed by DocumentState as the writer types, gives the weight nib eval measures', () => {
    const tracker = new MixWeightTracker(0.5, runner, ngram, tok);
    const doc = new DocumentState(runner, tok, 16);
    // Typed in bursts, as keystrokes arrive between suggestions.
    for (const end of [5, 6, 20, 33, 34, text.length]) {
      tracker.begin(text.slice(0, end));
      doc.update(text.slice(0, end), tracker.onChar);
    }
    const want = typed(text);
    assert.ok(Math.abs(tracker.weight.lambda - want.lambda) < 1e-6, `${tracker.weight.lambda} against ${want.lambda}`);
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
