import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CoreEvent } from '../src-main/core/core.ts';
import type { SourceChoice } from '../src-main/ml/source-choice.ts';
import { fitNote, onFitNote, watchFits } from '../src-renderer/lib/fit-note.ts';

const choice = (source: SourceChoice['source'], base?: SourceChoice['base']): SourceChoice => ({
  source,
  lambda: 0.6,
  threshold: 0.25,
  corpus: 'letters',
  measured: [
    { source: 'lstm', ksr: 0.22, precision: 0.51, bitsPerChar: 2.1 },
    { source: 'ngram', ksr: 0.2, precision: 0.5, bitsPerChar: 2.3 },
    { source: 'mix', ksr: 0.25, precision: 0.52, bitsPerChar: 1.9 },
  ],
  chars: 20_000,
  ...(base && { base }),
});

test('the fit after an import is said as it starts and as it ends, whichever way it ends', () => {
  assert.match(fitNote({ type: 'base-fitting', corpus: 'letters' }, 'letters'), /^Fitting suggestions to “letters”/);
  const mix = choice('mix');
  assert.match(
    fitNote({ type: 'base-fitted', corpus: 'letters', choice: mix, measured: mix }, 'letters'),
    /^Suggestions now use your phrases: the base model mixed with the phrases of “letters” save 25\.0% .* base alone saves 22\.0%/,
  );
  // The base as it came saved more: kept, and said with both numbers.
  const lost = choice('mix', { ksr: 0.3, precision: 0.55, bitsPerChar: 1.8, threshold: 0.275 });
  assert.match(
    fitNote({ type: 'base-fitted', corpus: null, choice: null, measured: lost }, 'letters'),
    /^Suggestions stay as Nib came: .*“letters”, the base model as it came saves 30\.0% .*\(25\.0%\)/,
  );
  // Too little text to measure on: nothing measured, and the writer is told why and what to do
  // (it used to say nothing: the "Fitting…" line went away with no outcome).
  assert.match(
    fitNote({ type: 'base-fitted', corpus: null, choice: null }, 'letters'),
    /^Suggestions stay as Nib came: “letters” has too little text yet .* Import more of your writing/,
  );
  // A fit with no corpus (the last one deleted) puts the base back as it came: nothing to report.
  assert.equal(fitNote({ type: 'base-fitting', corpus: null }, null), '');
  assert.equal(fitNote({ type: 'base-fitted', corpus: null, choice: null }, null), '');
});

test('the latest fit’s note outlives the view: one opened after the fit ended reads it', () => {
  const sinks = new Set<(e: CoreEvent) => void>();
  const stop = watchFits((fn) => {
    sinks.add(fn);
    return () => sinks.delete(fn);
  });
  const emit = (e: CoreEvent) => sinks.forEach((fn) => fn(e));
  const seen: string[] = [];
  const off = onFitNote((n) => seen.push(n));
  emit({ type: 'base-fitting', corpus: 'letters' });
  off();
  const mix = choice('mix');
  // Ends while no view listens (the writer is in Write)…
  emit({ type: 'base-fitted', corpus: 'letters', choice: mix, measured: mix });
  assert.equal(seen.length, 2);
  assert.match(seen[1], /^Fitting/);
  // …and the Library opened afterwards says how it came out.
  let later = '';
  const off2 = onFitNote((n) => (later = n));
  assert.match(later, /^Suggestions now use your phrases/);
  off2();
  stop();
  assert.equal(sinks.size, 0);
});
