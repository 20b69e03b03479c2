/**
 * The base fitted to a writer's text with no training (services/base-fit.ts): for each personal
 * corpus of `npm run bench:personal` (scripts/base-corpus.ts; speeches, technical, fiction), imported
 * into a fresh data folder as the app imports it, the fit the app makes at once: the base alone,
 * the corpus's n-gram alone and their mixture, each at its own measured bar, on 20,000 held-out
 * characters, and which it keeps, with the time the fit took. Run nothing else meanwhile.
 *
 *   npm run bench:base-fit -- [--corpora speeches,technical,fiction] [--work /tmp/nib-base-fit]
 *
 * Results: bench/README.md, "The base with the writer's phrases".
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '../src-main/ml/backend.ts';
import { fitBase } from '../src-main/services/base-fit.ts';
import { installBaseModel } from '../src-main/services/base-model.ts';
import { importPaths } from '../src-main/services/library.ts';
import { refreshNgram } from '../src-main/services/ngram.ts';
import { openDb } from '../src-main/store/db.ts';
import { opt, ROOT } from './common.ts';

const work = path.resolve(opt('work', '/tmp/nib-base-fit'));
const names = opt('corpora', 'speeches,technical,fiction').split(',');
const corpusDir = path.join(work, 'corpus');
if (!fs.existsSync(path.join(corpusDir, 'personal')))
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'base-corpus.ts'), corpusDir], {
    stdio: 'inherit',
  });
await initBackend();
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
for (const name of names) {
  const dataDir = path.join(work, `data-${name}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const db = openDb(dataDir);
  installBaseModel(db);
  const r = importPaths(db, { paths: [path.join(corpusDir, 'personal', name)], corpus: name });
  refreshNgram(db, name);
  const t0 = performance.now();
  const { choice, measured } = fitBase(db, name);
  const sec = (performance.now() - t0) / 1000;
  db.close();
  if (!measured) throw new Error(`${name}: nothing measured`);
  const w = measured.baseNgramWeight;
  console.log(
    `\n${name} (${r.chars.toLocaleString('en-US')} characters; fit in ${sec.toFixed(1)} s on ${measured.chars.toLocaleString('en-US')} held-out characters): keeps ${choice ? choice.source : 'the base as shipped'}${w ? `; the base's n-gram at weight ${w} beside the corpus's` : ''}`,
  );
  console.log('| source | bits/char | bar | KSR | precision |\n|---|---|---|---|---|');
  const ng = w ? "n-grams of the corpus and the base's" : 'n-gram of the corpus';
  const label = { lstm: 'base alone', ngram: ng, mix: `base + ${ng} (mixture)` };
  for (const m of measured.measured)
    console.log(
      `| ${label[m.source]}${choice && m.source === choice.source ? ' (kept)' : ''} | ${m.bitsPerChar.toFixed(3)} | ${m.threshold} | ${pct(m.ksr)} | ${pct(m.precision)} |`,
    );
  const b = measured.base;
  if (b)
    console.log(
      `| the base as shipped${choice ? '' : ' (kept)'} | ${b.bitsPerChar.toFixed(3)} | ${b.threshold} | ${pct(b.ksr)} | ${pct(b.precision)} |`,
    );
}
