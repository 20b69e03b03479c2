/**
 * How far the base's n-gram can be pruned (resources/base-model/MODEL.md, "Its n-gram"): the
 * stored n-gram of the base's corpus, pruned at several count cut-offs, each with its size, the
 * time to read it back, and on the first 20,000 characters of each genre's first draft (text the
 * base never saw) the n-gram's bits/char alone and mixed with the shipped base (λ fitted on the
 * draft's first 3,000 characters).
 *
 *   node --max-old-space-size=20000 --import tsx bench/base-ngram-prune.ts WORK DRAFTS
 *
 * WORK: a `npm run train:base` work folder (its data folder holds the corpus "base-en" and its
 * n-gram); DRAFTS: `scripts/base-corpus.ts`'s drafts folder (DIR/drafts).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fitLambda, MixtureModel } from '../src-main/ml/mixture.ts';
import { NgramModel } from '../src-main/ml/ngram.ts';
import { decodeNgram, encodeNgram } from '../src-main/ml/ngram-bytes.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import type { StepModel } from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { decodeArrays } from '../src-main/ml/weights.ts';
import { BASE_MODEL_DIR, BASE_WEIGHTS_FILE, baseSpec, readBaseCard } from '../src-main/services/base-model.ts';
import { loadStoredNgram } from '../src-main/services/ngram.ts';
import { getCorpus } from '../src-main/store/corpora.ts';
import { openDb } from '../src-main/store/db.ts';

const [work, drafts] = process.argv.slice(2);
if (!work || !drafts) {
  console.error('usage: bench/base-ngram-prune.ts WORK DRAFTS');
  process.exit(2);
}
const db = openDb(path.join(work, 'data'));
const corpus = getCorpus(db, 'base-en');
if (!corpus) throw new Error(`no corpus base-en in ${work}/data`);
const full = loadStoredNgram(db, corpus.id)!.model;
const card = readBaseCard()!;
const spec = baseSpec(card);
const runner = new LstmRunner(spec, decodeArrays(fs.readFileSync(path.join(BASE_MODEL_DIR, BASE_WEIGHTS_FILE))).arrays);
const tok = CharTokenizer.fromSpec(spec);
const genres = fs.readdirSync(drafts).sort();
const texts = genres.map((g) =>
  tok.encode(
    Array.from(fs.readFileSync(path.join(drafts, g, 'draft-0000.txt'), 'utf8'))
      .slice(0, 20_000)
      .join(''),
  ),
);

function bits<S>(m: StepModel<S>, s0: S, ids: Int32Array): number {
  const s = m.clone(s0);
  let t = 0;
  for (const id of ids) {
    t -= Math.log(m.probs(s)[id]);
    m.step(s, id);
  }
  return t / ids.length / Math.LN2;
}

console.log(
  `base LSTM alone: ${genres.map((g, i) => `${g} ${bits(runner, runner.zeroState(), texts[i]).toFixed(3)}`).join(', ')}`,
);
const cuts: Record<string, number[]> = {
  none: [1, 1, 1, 1, 1, 1, 1, 1],
  '2 from order 4': [1, 1, 1, 2, 2, 2, 2, 2],
  '2, 3 from order 7 (ships)': [1, 1, 1, 2, 2, 2, 3, 3],
  '3 from order 5': [1, 1, 1, 2, 3, 3, 3, 3],
  '5 from order 5': [1, 1, 2, 3, 5, 5, 5, 5],
  '10 from order 5': [1, 1, 2, 4, 10, 10, 10, 10],
};
console.log(
  '| cut-off | counts | gzip MB | read ms | ' + genres.map((g) => `${g}: n-gram / mixed (λ)`).join(' | ') + ' |',
);
/**
 * The same cut-off with each context's total recomputed from the counts it kept (the naive way),
 * for comparison: what is left out then makes the context surer of the rest.
 */
function recomputedTotals(m: NgramModel): NgramModel {
  const parts = decodeNgram(m.toBytes());
  for (const t of parts.tables)
    for (let c = 0; c < t.totals.length; c++) {
      let sum = 0;
      for (let e = t.start[c]; e < t.start[c + 1]; e++) sum += t.counts[e];
      t.totals[c] = sum;
    }
  return NgramModel.fromBytes(encodeNgram(parts));
}

const variants: [string, NgramModel][] = Object.entries(cuts).map(([name, cut]) => [name, full.pruned(cut)]);
variants.splice(2, 0, ['2 from order 4, totals recomputed', recomputedTotals(variants[1][1])]);
for (const [name, ng] of variants) {
  const bytes = ng.toBytes();
  const gz = zlib.gzipSync(bytes, { level: 9 });
  const t0 = performance.now();
  NgramModel.fromBytes(zlib.gunzipSync(gz));
  const readMs = performance.now() - t0;
  const cells = texts.map((ids) => {
    const lambda = fitLambda(runner, runner.zeroState(), ng, [] as number[], ids.subarray(0, 3000));
    const mix = new MixtureModel(runner, ng, lambda);
    return `${bits(ng, [] as number[], ids).toFixed(3)} / ${bits(mix, { a: runner.zeroState(), b: [] as number[] }, ids).toFixed(3)} (${lambda})`;
  });
  console.log(
    `| ${name} | ${ng.entries.toLocaleString('en-US')} | ${(gz.length / 1e6).toFixed(1)} | ${readMs.toFixed(0)} | ${cells.join(' | ')} |`,
  );
}
db.close();
