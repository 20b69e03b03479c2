/**
 * How far a suggestion should run on: the shipped rule (to the boundary that saves the most
 * keystrokes on average, ml/suggest.ts `expectedSaving`, with the space after its last word where
 * one likely follows), the same without that space, and the rule before both (as far as the
 * whole suggestion's probability stays above the bar), at the same bars, for a trained model on its
 * corpus's held-out text: the LSTM, the corpus n-gram and their mixture, with the document cache, as
 * `nib eval` measures them.
 *   npm run bench:length -- --data-dir DIR --model NAME --corpus NAME [--bars 0.225,0.25] [--max-chars 20000]
 */
import { evaluateModel, type EvalRow } from '../src-main/services/evaluate.ts';
import { initBackend } from '../src-main/ml/backend.ts';
import { openDb } from '../src-main/store/db.ts';
import { arg, opt } from './common.ts';

await initBackend();
const db = openDb(opt('data-dir'), { readonly: true });
const maxChars = arg('max-chars', 20000);
const bars = opt('bars', '0.225,0.25').split(',').map(Number);
console.log(`model ${opt('model')}, corpus ${opt('corpus')}, ${maxChars} held-out characters`);
console.log('source                            bar     length        KSR     precision  shown/100  chars/accept');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padEnd(7);
for (const threshold of bars) {
  const rules = [
    { label: 'bar', length: 'bar', trailingSpace: false },
    { label: 'saving', length: 'saving', trailingSpace: false },
    { label: 'saving+space', length: 'saving', trailingSpace: true },
  ] as const;
  const runs = rules.map(({ label, length, trailingSpace }) => ({
    length: label,
    rows: evaluateModel(db, {
      model: opt('model'),
      corpus: opt('corpus'),
      maxChars,
      suggest: { threshold, length, trailingSpace },
    }).rows,
  }));
  runs[0].rows.forEach((_, i) => {
    for (const { length, rows } of runs) {
      const r: EvalRow = rows[i];
      console.log(
        `${r.name.slice(0, 32).padEnd(32)}  ${String(threshold).padEnd(6)}  ${length.padEnd(12)}  ${pct(r.ksr)} ${pct(r.precision)}    ${r.shownPer100.toFixed(1).padEnd(9)}  ${r.meanAcceptedChars.toFixed(2)}`,
      );
    }
  });
}
db.close();
