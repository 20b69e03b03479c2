/**
 * How the document cache's settings were chosen (ml/document-cache.ts): bits/char of the base model
 * on its own held-out text, read as a writer writes it (evenly spaced chunks of 10,000 characters,
 * each after 1,000 of context, the cache starting empty in each), without the cache and with it
 * for each shortest context and β of a grid. Never on the benchmark's personal corpora.
 *
 *   npm run bench:cache -- [--data-dir /tmp/nib-base/data] [--chars 60000] [--min-orders 3,4,5,6,7] [--betas 4,8,16,32]
 *
 * --data-dir: the scratch data folder `npm run train:base` (or `-- --recalibrate`) leaves, which
 * holds the base corpus ("base-en"); the weights are the shipped ones (resources/base-model).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CachedModel, DocumentCache, DOCUMENT_CACHE } from '../src-main/ml/document-cache.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { observe, type StepModel } from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { DEFAULT_TRAIN } from '../src-main/ml/train-config.ts';
import { splitTexts } from '../src-main/ml/train-data.ts';
import { decodeArrays } from '../src-main/ml/weights.ts';
import { BASE_MODEL_DIR, BASE_WEIGHTS_FILE, baseSpec, readBaseCard } from '../src-main/services/base-model.ts';
import { pickSegments } from '../src-main/services/evaluate.ts';
import { corpusTexts, getCorpus } from '../src-main/store/corpora.ts';
import { openDb } from '../src-main/store/db.ts';
import { opt } from './common.ts';

const dataDir = path.resolve(opt('data-dir', '/tmp/nib-base/data'));
const chars = Number(opt('chars', '60000'));
const minOrders = opt('min-orders', '3,4,5,6,7').split(',').map(Number);
const betas = opt('betas', '4,8,16,32').split(',').map(Number);

const card = readBaseCard();
if (!card) throw new Error('this checkout ships no base model');
if (!fs.existsSync(dataDir))
  throw new Error(`no data folder ${dataDir}: run npm run train:base -- --recalibrate first`);
const db = openDb(dataDir);
const corpus = getCorpus(db, 'base-en');
if (!corpus) throw new Error(`${dataDir} holds no "base-en" corpus`);
const spec = baseSpec(card);
const runner = new LstmRunner(spec, decodeArrays(fs.readFileSync(path.join(BASE_MODEL_DIR, BASE_WEIGHTS_FILE))).arrays);
const tok = CharTokenizer.fromSpec(spec);
const { segments, sampling } = pickSegments(
  splitTexts(corpusTexts(db, corpus.id), DEFAULT_TRAIN.valFraction).val,
  chars,
);
db.close();
console.log(`base model's held-out text: ${sampling}`);

function bits<S>(m: StepModel<S>, zero: () => S): number {
  let loss = 0;
  let n = 0;
  for (const seg of segments) {
    const s = zero();
    for (const id of tok.encode(seg.context)) observe(m, s, id);
    for (const id of tok.encode(seg.text)) {
      loss -= Math.log(Math.max(m.probs(s)[id], 1e-30));
      n++;
      observe(m, s, id);
    }
  }
  return loss / n / Math.LN2;
}

console.log(`without the cache: ${bits(runner, () => runner.zeroState()).toFixed(4)} bits/char`);
console.log(
  `| shortest context | ${betas.map((b) => `β ${b}`).join(' | ')} |\n|---|${betas.map(() => '---|').join('')}`,
);
for (const mo of minOrders) {
  const row = betas.map((beta) => {
    const cm = new CachedModel(runner, undefined, beta);
    return bits(cm, () => {
      cm.cache = new DocumentCache(mo, DOCUMENT_CACHE.maxOrder);
      return cm.wrap(runner.zeroState());
    }).toFixed(4);
  });
  console.log(`| ${mo} | ${row.join(' | ')} |`);
}
