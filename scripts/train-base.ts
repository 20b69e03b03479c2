/**
 * Rebuilds the base model that ships in resources/base-model/ (npm run train:base):
 *   1. assembles its training text from Debian and npm packages (scripts/base-corpus.ts),
 *   2. imports it into a scratch data folder and trains it there with `nib train`,
 *   3. exports the best checkpoint as float16 (base.nibw) with model.json, after checking that
 *      float16 storage changes the validation loss by at most 0.01 bits/char, and measures the
 *      confidence bar it suggests with (ml/calibrate.ts) on its own held-out text.
 *
 *   npm run train:base -- [--minutes 40] [--work /tmp/nib-base] [--from-shipped] [--export-only]
 *
 * --from-shipped continues training the base that ships now (installed in the scratch data folder as
 * `base`) on the newly assembled text, at the fine-tuning learning rate, instead of starting from
 * scratch: the shipped model is the product of every earlier run, so a retrain need not repeat them.
 *
 * The exact command and the numbers of the shipped model are in resources/base-model/MODEL.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BASE_MODEL_DIR, BASE_WEIGHTS_FILE, type BaseCard } from '../src-main/services/base-model.ts';
import { evaluateWith, pickSegments } from '../src-main/services/evaluate.ts';
import { loadWeightsFor } from '../src-main/services/model-weights.ts';
import { calibrateThreshold } from '../src-main/ml/calibrate.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { DEFAULT_SUGGEST } from '../src-main/ml/suggest.ts';
import { initBackend } from '../src-main/ml/backend.ts';
import { createEngine } from '../src-main/ml/engines.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { DEFAULT_TRAIN, type TrainConfig } from '../src-main/ml/train-config.ts';
import { splitCorpus, splitTexts } from '../src-main/ml/train-data.ts';
import { evaluate } from '../src-main/ml/train-loop.ts';
import { decodeArrays, encodeArrays } from '../src-main/ml/weights.ts';
import { corpusTexts, getCorpus } from '../src-main/store/corpora.ts';
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

if (!argv.includes('--export-only')) {
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
// The confidence bar it suggests with at zero setup, measured on its own held-out text (never on a
// writer's): the lowest bar at which its suggestions stay right at least half the time.
const heldOut = splitTexts(texts, config.valFraction).val;
const { segments } = pickSegments(heldOut, 12_000, 4000);
const runner = new LstmRunner(spec, decodeArrays(half).arrays);
const tok = CharTokenizer.fromSpec(spec);
let bitsPerChar = NaN;
const { chosen, tried } = calibrateThreshold((threshold) => {
  const r = evaluateWith('base', runner, tok, () => runner.zeroState(), segments, { ...DEFAULT_SUGGEST, threshold });
  bitsPerChar = r.bitsPerChar;
  return r;
});
for (const t of tried)
  console.log(
    `threshold ${t.threshold}: KSR ${(100 * t.ksr).toFixed(1)}%, precision ${(100 * t.precision).toFixed(1)}%`,
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
  suggest: {
    threshold: chosen.threshold,
    ksr: chosen.ksr,
    precision: chosen.precision,
    bitsPerChar,
    chars: segments.reduce((n, x) => n + x.text.length, 0),
  },
};
fs.writeFileSync(path.join(BASE_MODEL_DIR, 'model.json'), JSON.stringify(card, null, 2) + '\n');
console.log(
  `wrote ${BASE_MODEL_DIR}/${BASE_WEIGHTS_FILE} (${(half.length / 1e6).toFixed(2)} MB) and model.json: ${JSON.stringify(card)}`,
);
db.close();
