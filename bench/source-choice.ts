/**
 * How long the source choice at the end of `nib train` takes (services/source-choice.ts: the LSTM,
 * the corpus's n-gram and their mixture, each calibrated by simulated typing on 20,000 held-out
 * characters), measuring every candidate bar in one pass against the reference in the same run,
 * one pass per bar the walk tries; and that both choose the same source, bars and numbers. On a
 * copy of a data folder (the choice is written to its model), e.g. one `npm run bench:personal`
 * left behind:
 *   npm run bench:choice -- --data-dir DIR [--model personal]
 * Results: bench/README.md, "The source choice's time".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src-main/ml/backend.ts';
import { chooseSource } from '../src-main/services/source-choice.ts';
import { openDb } from '../src-main/store/db.ts';
import { getModel } from '../src-main/store/models.ts';
import { opt } from './common.ts';

await initBackend();
const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'nib-source-choice-'));
fs.cpSync(opt('data-dir'), copy, { recursive: true });
const db = openDb(copy);
const name = opt('model', 'personal');
const model = getModel(db, name);
if (!model) throw new Error(`no model "${name}" in ${opt('data-dir')}`);
const time = (bars: 'together' | 'one by one') => {
  const t0 = performance.now();
  const choice = chooseSource(db, getModel(db, name)!, undefined, undefined, bars);
  return { choice, sec: (performance.now() - t0) / 1000 };
};
const ref = time('one by one');
const now = time('together');
const show = (c: typeof now.choice) =>
  c
    ? `${c.source} at bar ${c.threshold}; ` +
      c.measured
        .map((m) => `${m.source} ${m.threshold} ${(100 * m.ksr).toFixed(2)}%/${(100 * m.precision).toFixed(2)}%`)
        .join(', ')
    : 'none';
console.log(`one pass per bar (reference): ${ref.sec.toFixed(1)} s — ${show(ref.choice)}`);
console.log(`every bar in one pass:        ${now.sec.toFixed(1)} s — ${show(now.choice)}`);
console.log(
  `ratio ${(ref.sec / now.sec).toFixed(2)}× faster; same choice and numbers: ${JSON.stringify(ref.choice) === JSON.stringify(now.choice)}`,
);
db.close();
fs.rmSync(copy, { recursive: true, force: true });
