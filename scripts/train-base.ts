/**
 * Rebuilds the base model that ships in resources/base-model/ (npm run train:base):
 *   1. assembles its training text from Debian and npm packages (scripts/base-corpus.ts),
 *   2. imports it into a scratch data folder and trains it there with `nib train`,
 *   3. exports the best checkpoint as float16 (base.nibw) with model.json, after checking that
 *      float16 storage changes the validation loss by at most 0.01 bits/char, and measures the
 *      confidence bar it suggests with (ml/calibrate.ts) on its own held-out text.
 *
 *   npm run train:base -- [--minutes 40] [--work /tmp/nib-base] [--from-shipped] [--export-only]
 *   npm run train:base -- --recalibrate [--ngram] [--work /tmp/nib-base]
 *   npm run train:base -- --ngram [--work /tmp/nib-base]
 *
 * --from-shipped continues training the base that ships now (installed in the scratch data folder as
 * `base`) on the newly assembled text, at the fine-tuning learning rate, instead of starting from
 * scratch: the shipped model is the product of every earlier run, so a retrain need not repeat them.
 *
 * --recalibrate keeps the shipped weights and model.json, and measures only the confidence bars
 * again (after a change to how suggestions are made), on the same held-out text: the base alone's
 * and, where an n-gram ships beside it, the mixture's with that n-gram as it ships.
 *
 * --ngram (after an export, or with --recalibrate) prunes the corpus's n-gram to what ships beside
 * the weights (base.ngram.gz) and measures the mixture the base suggests with at zero setup.
 *
 * --loss-of FILE.nibw measures those weights (an earlier base, say) on the export's validation
 * windows of WORK's corpus, and changes nothing: the same figure the export prints, for comparison.
 *
 * The exact command and the numbers of the shipped model are in resources/base-model/MODEL.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  BASE_MODEL_DIR,
  BASE_NGRAM_FILE,
  BASE_NGRAM_MIN_COUNTS,
  BASE_WEIGHTS_FILE,
  baseSpec,
  shippedNgram,
  type BaseCard,
  type BaseSuggest,
} from '../src-main/services/base-model.ts';
import { loadStoredNgram, refreshNgram, storedNgramStamp } from '../src-main/services/ngram.ts';
import { fitLambda, MixtureModel } from '../src-main/ml/mixture.ts';
import type { StepModel } from '../src-main/ml/suggest.ts';
import { SHARED_VOCAB } from '../src-main/ml/vocab.ts';
import { corpusDigest, loadNgram } from '../src-main/store/ngrams.ts';
import { calibrateOn, evaluateWith, pickSegments } from '../src-main/services/evaluate.ts';
import { loadWeightsFor } from '../src-main/services/model-weights.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { DEFAULT_SUGGEST } from '../src-main/ml/suggest.ts';
import { initBackend } from '../src-main/ml/backend.ts';
import { createEngine } from '../src-main/ml/engines.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { DEFAULT_TRAIN, type TrainConfig } from '../src-main/ml/train-config.ts';
import { splitCorpus, splitTexts } from '../src-main/ml/train-data.ts';
import { evaluate } from '../src-main/ml/train-loop.ts';
import { decodeArrays, encodeArrays } from '../src-main/ml/weights.ts';
import { corpusTexts, getCorpus, listDocuments } from '../src-main/store/corpora.ts';
import { openDb } from '../src-main/store/db.ts';
import { getModel } from '../src-main/store/models.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const minutes = Number(opt('minutes', '40'));
const work = path.resolve(opt('work', '/tmp/nib-base'));
const dataDir = path.resolve(opt('data-dir', path.join(work, 'data')));
const MODEL = 'base-en';
const CORPUS = 'base-en';
const FROM_SHIPPED = argv.includes('--from-shipped');
const COMMON_ARGS = ['--seq-len', '64', '--batch', '32', '--eval-every', '1000', '--patience', '6'];
const TRAIN_ARGS = FROM_SHIPPED
  ? ['--from', 'base', '--lr', '0.001', ...COMMON_ARGS]
  : ['--from', 'scratch', '--layers', '2', '--units', '256', '--embedding', '64', '--lr', '0.002', ...COMMON_ARGS];

const nib = (...args: string[]) =>
  execFileSync(process.execPath, [path.join(ROOT, 'bin', 'nib.js'), ...args, '--data-dir', dataDir], {
    stdio: 'inherit',
  });

/**
 * The confidence bar the base suggests with at zero setup, measured on its own held-out text (never
 * on a writer's). A writer's text may resemble any of the styles the base learned from, so the bar
 * must keep suggestions right at least half the time on each: per source of the training text
 * (documents named SOURCE-NNN.txt by scripts/base-corpus.ts), the lowest bar that does (20,000
 * held-out characters each), and the highest of those ships. Then KSR and precision at that bar
 * on 40,000 characters of all of it. Document-length chunks (10,000 characters, each after 1,000
 * of context): the suggestions use the document cache, which needs a document to learn from.
 */
function calibrate<S>(
  model: StepModel<S>,
  zero: () => S,
  tok: CharTokenizer,
  docs: { name: string; text: string }[],
  valFraction: number,
): BaseSuggest {
  const bySource: Record<string, number> = {};
  for (const source of [...new Set(docs.map((d) => d.name.replace(/-\d+\.txt$/, '')))].sort()) {
    const texts = docs.filter((d) => d.name.startsWith(`${source}-`)).map((d) => d.text);
    const { chosen } = calibrateOn('base', model, tok, zero, heldOutSegments(texts, valFraction, 20_000));
    bySource[source] = chosen.threshold;
    console.log(
      `${source}: bar ${chosen.threshold} (KSR ${(100 * chosen.ksr).toFixed(1)}%, precision ${(100 * chosen.precision).toFixed(1)}%)`,
    );
  }
  const threshold = Math.max(...Object.values(bySource));
  const all = evaluateWith(
    'base',
    model,
    tok,
    zero,
    heldOutSegments(
      docs.map((d) => d.text),
      valFraction,
      40_000,
    ),
    { ...DEFAULT_SUGGEST, threshold },
  );
  console.log(
    `bar ${threshold} on all held-out text: KSR ${(100 * all.ksr).toFixed(1)}%, precision ${(100 * all.precision).toFixed(1)}%, ${all.bitsPerChar.toFixed(3)} bits/char`,
  );
  return { threshold, ksr: all.ksr, precision: all.precision, bitsPerChar: all.bitsPerChar, chars: 40_000, bySource };
}

/** Document-length chunks (10,000 characters after 1,000 of context) of the texts' held-out tails. */
function heldOutSegments(texts: string[], valFraction: number, chars: number) {
  return pickSegments(splitTexts(texts, valFraction).val, chars, 10_000).segments;
}

/** The corpus's documents, names with texts (both listed in id order). */
function corpusDocs(db: ReturnType<typeof openDb>, corpusId: number): { name: string; text: string }[] {
  const texts = corpusTexts(db, corpusId);
  return listDocuments(db, corpusId).map((d, i) => ({ name: d.name, text: texts[i] }));
}

/** WORK's data folder with the base's corpus imported (assembled and imported first if it is not there). */
function corpusDb(): { db: ReturnType<typeof openDb>; corpusId: number } {
  let db = openDb(dataDir);
  if (!getCorpus(db, CORPUS)) {
    db.close();
    execFileSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts', 'base-corpus.ts'), path.join(work, 'corpus')],
      { stdio: 'inherit', cwd: ROOT },
    );
    nib('import', path.join(work, 'corpus', 'base'), '--corpus', CORPUS);
    db = openDb(dataDir);
  }
  return { db, corpusId: getCorpus(db, CORPUS)!.id };
}

/** The shipped weights, as the app loads them. */
function shippedRunner(card: BaseCard): LstmRunner {
  return new LstmRunner(
    baseSpec(card),
    decodeArrays(fs.readFileSync(path.join(BASE_MODEL_DIR, BASE_WEIGHTS_FILE))).arrays,
  );
}

if (argv.includes('--recalibrate')) {
  const file = path.join(BASE_MODEL_DIR, 'model.json');
  const card = JSON.parse(fs.readFileSync(file, 'utf8')) as BaseCard;
  const { db, corpusId } = corpusDb();
  const runner = shippedRunner(card);
  const tok = CharTokenizer.fromSpec(baseSpec(card));
  const docs = corpusDocs(db, corpusId);
  card.suggest = calibrate(runner, () => runner.zeroState(), tok, docs, DEFAULT_TRAIN.valFraction);
  // The mixture with the n-gram that ships beside it, as shipped (its counts and weight kept):
  // only its bar is measured again, unless --ngram rebuilds the n-gram too (below).
  const shipped = shippedNgram();
  if (card.ngram && shipped && !argv.includes('--ngram')) {
    const mix = new MixtureModel(runner, shipped, card.ngram.lambda);
    card.ngram.suggest = calibrate(
      mix,
      () => ({ a: runner.zeroState(), b: [] as number[] }),
      tok,
      docs,
      DEFAULT_TRAIN.valFraction,
    );
  }
  fs.writeFileSync(file, JSON.stringify(card, null, 2) + '\n');
  console.log(`wrote ${file}: ${JSON.stringify({ suggest: card.suggest, ngram: card.ngram?.suggest })}`);
  db.close();
  if (!argv.includes('--ngram')) process.exit(0);
}

/**
 * --ngram: the n-gram of the base's training text that ships beside it (MODEL.md, "Its n-gram"):
 * the corpus's stored n-gram (`nib import` builds it on the training split, so the held-out tails
 * stay unseen), pruned to BASE_NGRAM_MIN_COUNTS, written gzip'd next to the weights, and the
 * mixture measured as the base suggests with it: the weight fitted on held-out text, then its
 * confidence bar per source exactly as for the base alone.
 */
if (argv.includes('--ngram')) {
  const file = path.join(BASE_MODEL_DIR, 'model.json');
  const card = JSON.parse(fs.readFileSync(file, 'utf8')) as BaseCard;
  const { db, corpusId } = corpusDb();
  const t0 = performance.now();
  // A large order-8 build: allowed 20 GB here (the default limit, a share of this computer's memory, may cap its order).
  if (storedNgramStamp(db, corpusId) === null || loadNgram(db, corpusId)?.corpus_sha !== corpusDigest(db, corpusId))
    refreshNgram(db, CORPUS, 20 * 2 ** 30);
  const full = loadStoredNgram(db, corpusId)!.model;
  if (full.vocab.join('') !== SHARED_VOCAB.join(''))
    throw new Error('the base corpus n-gram is not over the shared vocabulary');
  const ngram = full.pruned(BASE_NGRAM_MIN_COUNTS);
  const bytes = zlib.gzipSync(ngram.toBytes(), { level: 9 });
  fs.writeFileSync(path.join(BASE_MODEL_DIR, BASE_NGRAM_FILE), bytes);
  console.log(
    `n-gram order ${full.order}: ${full.entries.toLocaleString('en-US')} counts, pruned to ${ngram.entries.toLocaleString('en-US')} (${(bytes.length / 1e6).toFixed(2)} MB) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  const runner = shippedRunner(card);
  const tok = CharTokenizer.fromSpec(baseSpec(card));
  const docs = corpusDocs(db, corpusId);
  // The starting weight: the best fixed one on 20,000 held-out characters of every source together.
  const fitOn = heldOutSegments(
    docs.map((d) => d.text),
    DEFAULT_TRAIN.valFraction,
    20_000,
  )
    .map((g) => g.text)
    .join('');
  const lambda = fitLambda(runner, runner.zeroState(), ngram, [] as number[], tok.encode(fitOn));
  console.log(`mixture weight of the LSTM: ${lambda}`);
  const mix = new MixtureModel(runner, ngram, lambda);
  card.ngram = {
    file: BASE_NGRAM_FILE,
    order: ngram.order,
    entries: ngram.entries,
    minCounts: BASE_NGRAM_MIN_COUNTS,
    lambda,
    suggest: calibrate(mix, () => ({ a: runner.zeroState(), b: [] as number[] }), tok, docs, DEFAULT_TRAIN.valFraction),
  };
  fs.writeFileSync(file, JSON.stringify(card, null, 2) + '\n');
  console.log(`wrote ${file}: ${JSON.stringify(card.ngram)}`);
  db.close();
  process.exit(0);
}

const lossOf = argv.includes('--loss-of') ? path.resolve(opt('loss-of', '')) : null;
if (!lossOf && !argv.includes('--export-only')) {
  fs.rmSync(work, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts', 'base-corpus.ts'), path.join(work, 'corpus')],
    { stdio: 'inherit', cwd: ROOT },
  );
  nib('import', path.join(work, 'corpus', 'base'), '--corpus', CORPUS);
  nib('train', '--corpus', CORPUS, '--model', MODEL, ...TRAIN_ARGS, '--max-time', `${minutes}m`);
}

// Export: float16 weights, checked against float32 on the same validation windows.
const db = openDb(dataDir);
const row = getModel(db, MODEL);
if (!row) throw new Error(`no model ${MODEL} in ${dataDir}`);
const { spec, weights, step } = loadWeightsFor(db, row);
const config: TrainConfig = { ...DEFAULT_TRAIN, ...(JSON.parse(row.train_config ?? '{}') as Partial<TrainConfig>) };
const texts = corpusTexts(db, getCorpus(db, CORPUS)!.id);
const data = splitCorpus(texts, CharTokenizer.fromSpec(spec), config.valFraction, config.seqLen);
const backend = await initBackend();
const valLoss = async (w: typeof weights) => {
  const e = createEngine(spec, w, backend);
  try {
    return await evaluate(e, data.val, { ...config, evalWindows: 4096 });
  } finally {
    e.dispose();
  }
};
if (lossOf) {
  const other = decodeArrays(fs.readFileSync(lossOf)).arrays;
  console.log(
    `${lossOf} on the validation windows (4,096) of ${dataDir}: ${((await valLoss(other)) / Math.LN2).toFixed(4)} bits/char`,
  );
  db.close();
  process.exit(0);
}
const half = encodeArrays(weights, null, { half: true });
const full32 = await valLoss(weights);
const full16 = await valLoss(decodeArrays(half).arrays);
const deltaBits = (full16 - full32) / Math.LN2;
console.log(
  `validation (4,096 windows): float32 ${(full32 / Math.LN2).toFixed(4)} bits/char, float16 ${(full16 / Math.LN2).toFixed(4)} bits/char (Δ ${deltaBits.toFixed(4)})`,
);
if (Math.abs(deltaBits) > 0.01)
  throw new Error('float16 storage changes the loss by more than 0.01 bits/char: ship float32');
fs.mkdirSync(BASE_MODEL_DIR, { recursive: true });
fs.writeFileSync(path.join(BASE_MODEL_DIR, BASE_WEIGHTS_FILE), half);
const runner = new LstmRunner(spec, decodeArrays(half).arrays);
const suggestCard = calibrate(
  runner,
  () => runner.zeroState(),
  CharTokenizer.fromSpec(spec),
  corpusDocs(db, getCorpus(db, CORPUS)!.id),
  config.valFraction,
);
// Continued from the shipped base: its steps and time count too (read before model.json is rewritten).
const shipped = FROM_SHIPPED
  ? (JSON.parse(fs.readFileSync(path.join(BASE_MODEL_DIR, 'model.json'), 'utf8')) as BaseCard)
  : null;
const card: BaseCard = {
  version: `${MODEL}-${new Date().toISOString().slice(0, 10)}-${step}`,
  name: 'base',
  architecture: { embedding: spec.embedding, units: spec.units, recurrentActivation: spec.recurrentActivation },
  steps: step + (shipped?.steps ?? 0),
  trainSeconds: row.train_seconds + (shipped?.trainSeconds ?? 0),
  valLoss: full16,
  suggest: suggestCard,
};
fs.writeFileSync(path.join(BASE_MODEL_DIR, 'model.json'), JSON.stringify(card, null, 2) + '\n');
console.log(
  `wrote ${BASE_MODEL_DIR}/${BASE_WEIGHTS_FILE} (${(half.length / 1e6).toFixed(2)} MB) and model.json: ${JSON.stringify(card)}`,
);
db.close();
