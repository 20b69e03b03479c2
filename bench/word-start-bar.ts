/**
 * EXPERIMENT: a lower confidence bar at a word's start than inside a word. For each data folder of a
 * `bench:base-fit` run, the source choice (services/source-choice.ts) at each share of the bar.
 *   node --import tsx bench/word-start-bar.ts --work W [--corpora a,b] [--scales 1,0.8,0.6]
 */
import path from 'node:path';
import { initBackend } from '../src-main/ml/backend.ts';
import { DEFAULT_SUGGEST } from '../src-main/ml/suggest.ts';
import { chooseSource } from '../src-main/services/source-choice.ts';
import { getBaseModel } from '../src-main/store/models.ts';
import { getCorpus } from '../src-main/store/corpora.ts';
import { openDb } from '../src-main/store/db.ts';
import { opt } from './common.ts';

await initBackend();
const work = path.resolve(opt('work', '/tmp/nbf'));
const names = opt('corpora', 'speeches,technical,fiction,email').split(',');
const scales = opt('scales', '1,0.8,0.6').split(',').map(Number);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
for (const name of names) {
  const db = openDb(path.join(work, `data-${name}`));
  const base = getBaseModel(db)!;
  const corpus = getCorpus(db, name)!;
  for (const s of scales) {
    const t0 = performance.now();
    const c = chooseSource(db, base, 20_000, { ...DEFAULT_SUGGEST, startScale: s }, 'together', corpus)!;
    const row = (src: string) => {
      const m = c.measured.find((x) => x.source === src)!;
      return `${src} ${pct(m.ksr)} (${pct(m.precision)}) @${m.threshold}`;
    };
    console.log(
      `${name} scale ${s}: ${row('mix')} | ${row('lstm')} | ${row('ngram')}  [${((performance.now() - t0) / 1000).toFixed(0)} s]`,
    );
  }
  db.close();
}
