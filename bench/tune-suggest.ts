/**
 * Sweeps the suggestion policy (confidence threshold × maximum words) for a trained model on its
 * corpus's held-out text and prints keystroke savings and precision for each setting, so the
 * defaults can be chosen: the highest KSR at a precision a writer tolerates (≥ 50%).
 *   npm run bench:tune -- --data-dir DIR --model NAME --corpus NAME [--max-chars 20000]
 */
import { evaluateModel } from '../src-main/services/evaluate.ts';
import { initBackend } from '../src-main/ml/backend.ts';
import { openDb } from '../src-main/store/db.ts';
import { arg, opt } from './common.ts';

await initBackend();
const db = openDb(opt('data-dir'));
const maxChars = arg('max-chars', 20000);
console.log(`model ${opt('model')}, corpus ${opt('corpus')}, ${maxChars} held-out characters`);
console.log('threshold  words  KSR       precision  shown/100  chars/accept');
const results: { threshold: number; maxWords: number; ksr: number; precision: number }[] = [];
for (const threshold of [0.1, 0.2, 0.3, 0.4, 0.5]) {
  for (const maxWords of [1, 2, 4]) {
    const [l] = evaluateModel(db, {
      model: opt('model'),
      corpus: opt('corpus'),
      maxChars,
      suggest: { threshold, maxWords },
      baselines: false,
    }).rows;
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padEnd(9);
    console.log(
      `${String(threshold).padEnd(9)}  ${String(maxWords).padEnd(5)}  ${pct(l.ksr)} ${pct(l.precision)}  ${l.shownPer100.toFixed(1).padEnd(9)}  ${l.meanAcceptedChars.toFixed(2)}`,
    );
    results.push({ threshold, maxWords, ksr: l.ksr, precision: l.precision });
  }
}
const ok = results.filter((r) => r.precision >= 0.5).sort((a, b) => b.ksr - a.ksr);
console.log(
  ok.length
    ? `best with precision ≥ 50%: threshold ${ok[0].threshold}, ${ok[0].maxWords} words (KSR ${(100 * ok[0].ksr).toFixed(1)}%)`
    : 'no setting reaches 50% precision',
);
