import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { lstmAlone, type SourceChoice } from '../ml/source-choice.ts';
import { NgramModel } from '../ml/ngram.ts';
import type { ModelSpec } from '../ml/spec.ts';
import { SHARED_UNK, SHARED_VOCAB } from '../ml/vocab.ts';
import { checkWeights, decodeArrays, encodeArrays } from '../ml/weights.ts';
import type { Db } from '../store/db.ts';
import { createModel, getBaseModel, getModel, saveCheckpoints, setModelStatus } from '../store/models.ts';

/**
 * The base model that ships with Nib (resources/base-model/): a char-LSTM over the shared
 * vocabulary, trained on public English (MODEL.md lists the sources, licences and command). It is
 * installed into every data folder as a model like any other (origin 'base'), so a fresh install
 * suggests at once and personal models are fine-tuned from it.
 */

// Two folders up from this module, in the source tree (src-main/api) and in the bundle (dist/app) alike.
export const BASE_MODEL_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'resources',
  'base-model',
);
export const BASE_WEIGHTS_FILE = 'base.nibw';
/** The n-gram of its training text that it suggests with (gzip'd ml/ngram-bytes.ts). */
export const BASE_NGRAM_FILE = 'base.ngram.gz';
/**
 * Per order (1..8), the fewest sightings of an n-gram that ships: 15 M characters' order-8 counts
 * (8.5 M of them, 23 MB) pruned to 1.8 M (4.9 MB), losing 0.013–0.016 bits/char of the mixture's
 * gain on drafts the base never saw (MODEL.md, "Its n-gram").
 */
export const BASE_NGRAM_MIN_COUNTS = [1, 1, 1, 2, 2, 2, 3, 3];

/** A confidence bar measured on the base's own held-out text, with what it measured there. */
export interface BaseSuggest {
  threshold: number;
  ksr: number;
  precision: number;
  bitsPerChar: number;
  chars: number;
  /** The lowest bar that holds ≥ 50% precision on each source of its training text (the shipped bar is the highest). */
  bySource?: Record<string, number>;
}

export interface BaseCard {
  /** Changes whenever the weights change: a data folder with another version is updated. */
  version: string;
  name: string;
  architecture: { embedding: number; units: number[]; recurrentActivation: 'sigmoid' | 'hardSigmoid' };
  steps: number;
  trainSeconds: number;
  /** Validation loss in nats per character, measured with the stored (float16) weights. */
  valLoss: number;
  /**
   * The confidence bar it suggests with alone, calibrated on its own held-out text
   * (scripts/train-base.ts), with what that measured.
   */
  suggest?: BaseSuggest;
  /**
   * The n-gram of its training text that it is mixed with before any personalisation, and that
   * mixture's starting weight of the LSTM and bar, measured as `suggest` is.
   */
  ngram?: {
    file: string;
    order: number;
    entries: number;
    minCounts: number[];
    lambda: number;
    suggest: BaseSuggest;
  };
}

/**
 * The base model's suggestion source as stored with the model: mixed with its n-gram where this
 * build ships one (`corpus` null: the base's own, not a writer's), else alone, each at the bar
 * measured on its own held-out text. The LSTM alone keeps its bar in `measured`, for when the
 * n-gram cannot be read.
 */
function baseSource(card: BaseCard, dir: string): SourceChoice | null {
  if (!card.suggest) return null;
  const alone = lstmAlone(card.suggest);
  const ng = card.ngram;
  if (!ng || !fs.existsSync(path.join(dir, ng.file))) return alone;
  const m = ng.suggest;
  return {
    ...alone,
    source: 'mix',
    lambda: ng.lambda,
    threshold: m.threshold,
    measured: [
      ...alone.measured,
      { source: 'mix', ksr: m.ksr, precision: m.precision, bitsPerChar: m.bitsPerChar, threshold: m.threshold },
    ],
  };
}

/** How the base suggests as it ships: with its n-gram, or alone, at the bar measured on its own held-out text. */
export function shippedSource(dir = BASE_MODEL_DIR): SourceChoice | null {
  const card = readBaseCard(dir);
  return card ? baseSource(card, dir) : null;
}

/** A stored choice that mixes the base with the n-gram it ships with (not a writer's). */
export function usesShippedNgram(choice: SourceChoice | null): boolean {
  return !!choice && choice.source !== 'lstm' && choice.corpus === null;
}

const shippedNgrams = new Map<string, NgramModel | null>();

/**
 * The n-gram this build ships beside the base, read once per process (0.1–0.2 s: 1.8 M counts),
 * or null when it ships none or it cannot be read (the base then suggests alone).
 */
export function shippedNgram(dir = BASE_MODEL_DIR): NgramModel | null {
  if (shippedNgrams.has(dir)) return shippedNgrams.get(dir)!;
  let model: NgramModel | null = null;
  const file = readBaseCard(dir)?.ngram?.file;
  try {
    if (file) model = NgramModel.fromBytes(zlib.gunzipSync(fs.readFileSync(path.join(dir, file))));
  } catch (e) {
    console.error(`Nib: the base model's n-gram (${file}) cannot be read, so the base suggests alone: ${String(e)}`);
  }
  shippedNgrams.set(dir, model);
  return model;
}

export function readBaseCard(dir = BASE_MODEL_DIR): BaseCard | null {
  const file = path.join(dir, 'model.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as BaseCard) : null;
}

export function baseSpec(card: BaseCard): ModelSpec {
  return { kind: 'char-lstm', vocab: [...SHARED_VOCAB], unk: SHARED_UNK, ...card.architecture };
}

/**
 * Installs (or updates) the shipped base model in this data folder; a no-op when it is there
 * already. Returns the model's name, or null when this build ships no base model.
 */
export function installBaseModel(db: Db, dir = BASE_MODEL_DIR): string | null {
  const card = readBaseCard(dir);
  if (!card) return null;
  const source = baseSource(card, dir);
  const sourceJson = source ? JSON.stringify(source) : null;
  const existing = getBaseModel(db);
  if (existing && existing.status === 'ready' && existing.parent === card.version) {
    // Same weights; the measured bar may be newer than this data folder's copy, unless the base
    // was fitted to the writer's own text (services/base-fit.ts): measured with these weights on
    // what they write, that choice stays.
    const stored = existing.suggest_source ? (JSON.parse(existing.suggest_source) as SourceChoice) : null;
    if (existing.suggest_source !== sourceJson && !stored?.corpus)
      db.prepare('UPDATE models SET suggest_source = ? WHERE id = ?').run(sourceJson, existing.id);
    return existing.name;
  }
  const spec = baseSpec(card);
  const bytes = fs.readFileSync(path.join(dir, BASE_WEIGHTS_FILE));
  const weights = decodeArrays(bytes).arrays;
  checkWeights(spec, weights);
  // IMMEDIATE, and the check repeated inside: the app and a CLI command may open a new data folder at once.
  return db
    .transaction(() => {
      let row = getBaseModel(db);
      if (row && row.status === 'ready' && row.parent === card.version) return row.name;
      if (!row) {
        // "base" unless the writer already named a model so.
        const name = getModel(db, card.name) ? `${card.name} (Nib)` : card.name;
        row = createModel(db, { name, corpusId: null, corpusName: null, spec, origin: 'base', parent: card.version });
      } else {
        db.prepare('UPDATE models SET spec = ?, parent = ? WHERE id = ?').run(
          JSON.stringify(spec),
          card.version,
          row.id,
        );
      }
      // Stored as float32 like every checkpoint, so loading it costs no conversion per use.
      saveCheckpoints(
        db,
        row.id,
        [
          {
            kind: 'best',
            step: card.steps,
            valLoss: card.valLoss,
            weights: encodeArrays(weights),
            optimizer: null,
            trainer: null,
          },
        ],
        {
          steps: card.steps,
          trainSeconds: card.trainSeconds,
          bestValLoss: card.valLoss,
        },
        { replaceBest: true },
      );
      db.prepare('UPDATE models SET suggest_source = ? WHERE id = ?').run(sourceJson, row.id);
      setModelStatus(db, row.id, 'ready');
      return row.name;
    })
    .immediate();
}
