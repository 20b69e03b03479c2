import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  calibrateAll,
  calibrateThreshold,
  candidateBars,
  PRECISION_TARGET,
  THRESHOLDS,
} from '../src-main/ml/calibrate.ts';
import { thresholdOf, type SourceChoice } from '../src-main/ml/source-choice.ts';

// A source whose precision rises and KSR falls with the bar, as every model's does.
const source = (precisionAt: (t: number) => number) => {
  const calls: number[] = [];
  return { calls, measure: (t: number) => (calls.push(t), { precision: precisionAt(t), ksr: 0.3 - 0.4 * t }) };
};

test('the bar is the lowest that keeps precision at the target: walking down from the start…', () => {
  // Precision 0.3 + t: at least 0.5 from t = 0.2 up.
  const s = source((t) => 0.3 + t);
  const r = calibrateThreshold(s.measure);
  assert.equal(r.chosen.threshold, 0.2);
  assert.ok(r.chosen.precision >= PRECISION_TARGET);
  assert.deepEqual(
    s.calls,
    [0.25, 0.225, 0.2, 0.175, 0.1875],
    'stops at the first bar that misses the target, then halves that step',
  );
});

test('a target that falls inside a grid step is found to half a step, walking down or up', () => {
  // Precision 0.315 + t: at least 0.5 from t = 0.185, between the grid's 0.175 and 0.2.
  const down = calibrateThreshold(source((t) => 0.315 + t).measure);
  assert.equal(down.chosen.threshold, 0.1875);
  assert.ok(down.chosen.precision >= PRECISION_TARGET);
  // Overconfident: at least 0.5 from t = 0.385 (between 0.375 and 0.4), found walking up.
  const up = source((t) => t + 0.115);
  assert.equal(calibrateThreshold(up.measure).chosen.threshold, 0.3875);
  assert.deepEqual(up.calls, [0.25, 0.275, 0.3, 0.325, 0.35, 0.375, 0.4, 0.3875]);
});

test('…or up, for an overconfident source, measuring each bar once', () => {
  const s = source((t) => t + 0.1); // ≥ 0.5 from 0.4
  const r = calibrateThreshold(s.measure);
  assert.equal(r.chosen.threshold, 0.4);
  assert.equal(new Set(s.calls).size, s.calls.length);
  assert.deepEqual(
    r.tried.map((m) => m.threshold),
    s.calls,
  );
});

test('a source that never reaches the target keeps the most cautious bar; one always above it, the boldest', () => {
  assert.equal(calibrateThreshold(source(() => 0.2).measure).chosen.threshold, THRESHOLDS.at(-1));
  assert.equal(calibrateThreshold(source(() => 0.9).measure).chosen.threshold, THRESHOLDS[0]);
});

test('the bar stored with a model is found for the chosen source and for the other candidates', () => {
  const choice: SourceChoice = {
    source: 'mix',
    lambda: 0.7,
    threshold: 0.25,
    corpus: 'c',
    chars: 1000,
    measured: [
      { source: 'lstm', ksr: 0.2, precision: 0.52, bitsPerChar: 1.8, threshold: 0.275 },
      { source: 'ngram', ksr: 0.15, precision: 0.51, bitsPerChar: 1.9, threshold: 0.375 },
      { source: 'mix', ksr: 0.21, precision: 0.5, bitsPerChar: 1.7, threshold: 0.25 },
    ],
  };
  assert.deepEqual(
    [thresholdOf(choice, 'mix'), thresholdOf(choice, 'lstm'), thresholdOf(choice, 'ngram')],
    [0.25, 0.275, 0.375],
  );
  // Choices stored before bars were measured have none: the caller falls back to the default.
  assert.equal(thresholdOf({ ...choice, threshold: undefined, measured: [] }, 'mix'), undefined);
});

test('measured in passes of many bars: the same choice as bar by bar, the bold bars only when the walk goes there', () => {
  for (const precisionAt of [
    (t: number) => 0.3 + t,
    (t: number) => 0.315 + t,
    (t: number) => t + 0.1,
    () => 0.9,
    () => 0.2,
  ]) {
    const passes: number[][] = [];
    const all = calibrateAll((bars) => {
      passes.push(bars);
      return bars.map((t) => ({ precision: precisionAt(t), ksr: 0.3 - 0.4 * t }));
    });
    const walked = calibrateThreshold(source(precisionAt).measure);
    assert.deepEqual(all.chosen, walked.chosen);
    assert.deepEqual(all.tried, walked.tried);
    // First the bars from 0.225 up; the rest only if the walk went below them, each bar once.
    assert.deepEqual(
      passes[0],
      candidateBars().filter((t) => t >= 0.225),
    );
    const wentBelow = walked.tried.some((m) => m.threshold < 0.225);
    assert.equal(passes.length, wentBelow ? 2 : 1);
    if (wentBelow)
      assert.deepEqual(
        [...passes[0], ...passes[1]].sort((a, b) => a - b),
        candidateBars(),
      );
  }
});
