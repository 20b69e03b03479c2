import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { calibrateAll, calibrateThreshold, candidateBars, THRESHOLDS } from '../src-main/ml/calibrate.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { MixtureModel } from '../src-main/ml/mixture.ts';
import {
  DecodeTrace,
  effectiveThreshold,
  observe,
  readDecode,
  suggest,
  type StepModel,
  type SuggestOptions,
} from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { simulateTyping, simulateTypingAt } from '../src-main/ml/typing-sim.ts';
import { decodeArrays } from '../src-main/ml/weights.ts';
import { BASE_MODEL_DIR, BASE_WEIGHTS_FILE, baseSpec, readBaseCard } from '../src-main/services/base-model.ts';
import { evaluateAt, evaluateWith } from '../src-main/services/evaluate.ts';
import { buildNgramFor } from '../src-main/services/ngram.ts';
import { SHAKESPEARE } from './helpers.ts';

// Measuring many confidence bars in one pass (the source choice after training, ml/calibrate.ts)
// must give each bar exactly what typing at that bar alone gives: the app suggests at one bar.

const card = readBaseCard();
const skip = card ? false : 'this build ships no base model (resources/base-model)';
const text = fs.readFileSync(SHAKESPEARE, 'utf8');
// The n-gram learns from the first 200,000 characters; the writer types text after them.
const { model: ngram, tok: ntok } = buildNgramFor([text.slice(0, 200_000)], 0.1);
const typed = text.slice(250_000, 252_500);
const context = text.slice(249_000, 250_000);
const bars = [0.1, 0.1875, 0.25, 0.3, 0.45, 0.7];

/** Each option alone, as the app and `nib eval` suggest: a fresh decode per position, nothing shared. */
function alone<S>(model: StepModel<S>, tok: CharTokenizer, zero: () => S, opts: SuggestOptions[]) {
  return opts.map((o) => {
    const start = zero();
    for (const id of tok.encode(context)) observe(model, start, id);
    const { state: _, latencies: __, ...r } = simulateTyping(model, tok, start, typed, o, context);
    return r;
  });
}

function together<S>(model: StepModel<S>, tok: CharTokenizer, zero: () => S, opts: SuggestOptions[]) {
  const start = zero();
  for (const id of tok.encode(context)) observe(model, start, id);
  return simulateTypingAt(model, tok, start, typed, opts, context).results.map(({ latencies: _, ...r }) => r);
}

describe('simulated typing at many bars in one pass', () => {
  // Bars from bold to cautious, a creativity that moves the bar, and the earlier length rule
  // (every comparison with the bar, not only the first word's).
  const opts: SuggestOptions[] = [
    ...bars.map((threshold) => ({ maxChars: 48, maxWords: 4, threshold })),
    { maxChars: 48, maxWords: 4, threshold: 0.3, creativity: 0.9 },
    { maxChars: 48, maxWords: 4, threshold: 0.3, length: 'bar' },
    { maxChars: 48, maxWords: 4, threshold: 0.15, length: 'bar' },
    { maxChars: 20, maxWords: 2, threshold: 0.25 },
    // A higher bar at a word's start (bench/word-start-bar.ts): two bars of that kind share reads.
    { maxChars: 48, maxWords: 4, threshold: 0.2, startScale: 1.5 },
    { maxChars: 48, maxWords: 4, threshold: 0.25, startScale: 1.5 },
  ];

  test('the n-gram: every option gets what it gets typed alone', () => {
    const a = alone(ngram, ntok, () => [] as number[], opts);
    assert.deepEqual(
      together(ngram, ntok, () => [] as number[], opts),
      a,
    );
    // Not trivially: the bars differ in what the writer was shown.
    assert.ok(new Set(a.map((r) => r.keystrokes)).size >= 6, `keystrokes ${a.map((r) => r.keystrokes)}`);
  });

  test('the base LSTM and its adaptive mixture with the n-gram: the same', { skip }, () => {
    const spec = baseSpec(card!);
    const runner = new LstmRunner(
      spec,
      decodeArrays(fs.readFileSync(path.join(BASE_MODEL_DIR, BASE_WEIGHTS_FILE))).arrays,
    );
    const tok = CharTokenizer.fromSpec(spec);
    const few = [opts[0], opts[2], opts[7]];
    assert.deepEqual(
      together(runner, tok, () => runner.zeroState(), few),
      alone(runner, tok, () => runner.zeroState(), few),
    );
    const { model: ng } = buildNgramFor([text.slice(0, 200_000)], 0.1, spec.vocab);
    const mix = new MixtureModel(runner, ng, 0.5);
    const zero = () => ({ a: runner.zeroState(), b: [] as number[] });
    assert.deepEqual(together(mix, tok, zero, few), alone(mix, tok, zero, few));
  });

  test('startScale raises the bar at a word’s start only', () => {
    const o = { maxChars: 48, maxWords: 4, threshold: 0.2 };
    let start = 0;
    let inside = 0;
    const state: number[] = [];
    for (let i = 0; i < 800; i++) {
      const before = typed.slice(0, i);
      const plain = suggest(ngram, ntok, state, { ...o, startScale: 1 }, before).text;
      const scaled = suggest(ngram, ntok, state, { ...o, startScale: 3 }, before).text;
      if (/[\p{L}\p{N}'’-]$/u.test(before)) {
        assert.equal(scaled, plain, `inside a word at ${i}`);
        if (plain) inside++;
      } else if (plain && !scaled) start++;
      observe(ngram, state, ntok.id(typed[i]));
    }
    assert.ok(start > 0 && inside > 0, `word starts held back ${start}, completions kept ${inside}`);
  });

  test('a decode read at one bar reads the same at every bar in the range it reports', () => {
    const state: number[] = [];
    let checked = 0;
    for (let i = 0; i < 600; i++) {
      const before = typed.slice(0, i);
      const trace = new DecodeTrace(ngram, ntok, state);
      for (const t of [0.05, 0.12, 0.2, 0.26, 0.33, 0.5, 0.8]) {
        const o = { maxChars: 48, maxWords: 4, threshold: t };
        const range = { lo: -Infinity, hi: Infinity };
        const s = readDecode(trace, ntok, o, before, range);
        assert.ok(range.lo < t && t <= range.hi, `bar ${t} outside its own range [${range.lo}, ${range.hi}]`);
        assert.deepEqual(s, suggest(ngram, ntok, state, o, before), 'a shared decode reads what suggest gives');
        const lo = Math.max(range.lo, 0);
        const hi = Math.min(range.hi, 1);
        for (const u of [lo + 1e-6, (lo + hi) / 2, hi]) {
          assert.deepEqual(
            readDecode(trace, ntok, { ...o, threshold: u }, before),
            s,
            `bar ${u} in [${range.lo}, ${range.hi}]`,
          );
          checked++;
        }
      }
      observe(ngram, state, ntok.id(typed[i]));
    }
    assert.ok(checked > 1000);
    assert.equal(effectiveThreshold({ maxChars: 48, maxWords: 4, threshold: 0.3 }), 0.3);
  });
});

describe('calibration from one pass over every candidate bar', () => {
  test('the candidate bars are the grid and the midpoints the walk measures', () => {
    const c = candidateBars();
    assert.equal(c.length, 2 * THRESHOLDS.length - 1);
    assert.deepEqual(
      c.filter((_, k) => k % 2 === 0),
      [...THRESHOLDS],
    );
    assert.ok(c.every((t, k) => k === 0 || t > c[k - 1]));
  });

  test('chooses the bar, and reports the measurements, that walking bar by bar does', () => {
    const segments = [{ context, text: typed }];
    const measure = (t: number) =>
      evaluateWith('ngram', ngram, ntok, () => [] as number[], segments, { maxChars: 48, maxWords: 4, threshold: t });
    const walked = calibrateThreshold(measure);
    const table = calibrateAll((bs) =>
      evaluateAt(
        'ngram',
        ngram,
        ntok,
        () => [] as number[],
        segments,
        bs.map((threshold) => ({ maxChars: 48, maxWords: 4, threshold })),
      ),
    );
    const strip = (m: { threshold: number; ksr: number; precision: number }) => [m.threshold, m.ksr, m.precision];
    assert.deepEqual(table.tried.map(strip), walked.tried.map(strip));
    assert.deepEqual(strip(table.chosen), strip(walked.chosen));
    assert.ok(walked.tried.length >= 3, 'the walk moved');
  });
});
