import fs from 'node:fs';
import path from 'node:path';
import { fromLayersArtifacts, toLayersArtifacts, WEIGHTS_FILE } from '../ml/layers-format.ts';
import type { SourceChoice } from '../ml/source-choice.ts';
import { paramCount, type ModelSpec } from '../ml/spec.ts';
import { encodeArrays } from '../ml/weights.ts';
import type { Db } from '../store/db.ts';
import { createModel, deleteModel, getModel, listModels, saveCheckpoints, setModelStatus, type ModelRow } from '../store/models.ts';
import { markAbandonedRuns } from '../store/runs.ts';
import { loadWeightsFor } from './model-weights.ts';
import { checkName } from './library.ts';
import { invalid, NibError, notFound } from './errors.ts';

export interface ModelSummary {
  name: string;
  status: string;
  corpus: string | null;
  layers: number;
  units: number[];
  embedding: number;
  vocab: number;
  params: number;
  steps: number;
  bestValLoss: number | null;
  bestBitsPerChar: number | null;
  trainSeconds: number;
  updatedAt: string;
  origin: 'trained' | 'imported' | 'base';
  /** The model this one was fine-tuned from (for the base: its release). */
  parent: string | null;
  /** Which source suggests for it, as measured (null: the LSTM alone, not measured). */
  suggestSource: SourceChoice | null;
}

export function summarise(row: ModelRow): ModelSummary {
  const spec = JSON.parse(row.spec) as ModelSpec;
  return {
    name: row.name,
    status: row.status,
    corpus: row.corpus_name,
    layers: spec.units.length,
    units: spec.units,
    embedding: spec.embedding,
    vocab: spec.vocab.length,
    params: paramCount(spec),
    steps: row.steps,
    bestValLoss: row.best_val_loss,
    bestBitsPerChar: row.best_val_loss === null ? null : row.best_val_loss / Math.LN2,
    trainSeconds: row.train_seconds,
    updatedAt: row.updated_at,
    origin: row.origin,
    parent: row.parent,
    suggestSource: row.suggest_source ? (JSON.parse(row.suggest_source) as SourceChoice) : null,
  };
}

/**
 * The model that suggests when the writer has not chosen one: the most recently trained personal
 * model that is usable, else the base model shipped with Nib. A plain query: it runs per keystroke.
 */
export function defaultSuggestModel(db: Db, chosen: string | null): string | null {
  if (chosen && getModel(db, chosen)) return chosen;
  const row = db
    .prepare(
      `SELECT name FROM models WHERE status IN ('ready', 'interrupted')
       AND EXISTS (SELECT 1 FROM checkpoints c WHERE c.model_id = models.id)
       ORDER BY CASE origin WHEN 'base' THEN 1 ELSE 0 END, updated_at DESC LIMIT 1`,
    )
    .get() as { name: string } | undefined;
  return row?.name ?? null;
}

export function models(db: Db): ModelSummary[] {
  markAbandonedRuns(db);
  return listModels(db).map(summarise);
}

export function removeModel(db: Db, name: string): void {
  if (!deleteModel(db, checkName('model', name))) throw notFound(`no model named "${name}" (nib models lists them)`);
}

const VOCAB_FILE = 'vocab.json';

/** Writes model.json + weights (tfjs layers format) and vocab.json into `dir`. */
export async function exportModel(db: Db, name: string, dir: string): Promise<{ files: string[] }> {
  const row = getModel(db, checkName('model', name));
  if (!row) throw notFound(`no model named "${name}" (nib models lists them)`);
  const { spec, weights } = loadWeightsFor(db, row);
  const art = await toLayersArtifacts(spec, weights);
  fs.mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, 'model.json'), path.join(dir, WEIGHTS_FILE), path.join(dir, VOCAB_FILE)];
  fs.writeFileSync(files[0], JSON.stringify(art.modelJson));
  fs.writeFileSync(files[1], art.weightData);
  fs.writeFileSync(files[2], JSON.stringify({ type: 'char', vocab: spec.vocab, unk: spec.unk }, null, 1));
  return { files };
}

/** Reads a tfjs layers model folder (model.json, its weight files, vocab.json) as a new Nib model. */
export async function importModel(db: Db, dir: string, name: string): Promise<ModelSummary> {
  const modelName = checkName('model', name);
  if (getModel(db, modelName)) throw new NibError('conflict', `a model named "${modelName}" already exists`, { cli: 'choose another --name', app: 'type another name' });
  const read = (f: string): Buffer => {
    try {
      return fs.readFileSync(path.join(dir, f));
    } catch {
      throw notFound(`${path.join(dir, f)} not found: a model folder holds model.json, its weight files and vocab.json`);
    }
  };
  let modelJson: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: never[] }[] };
  let vocab: { vocab: string[]; unk?: number | null };
  try {
    modelJson = JSON.parse(read('model.json').toString('utf8'));
    vocab = JSON.parse(read(VOCAB_FILE).toString('utf8'));
  } catch (e) {
    if (e instanceof NibError) throw e;
    throw invalid(`cannot parse ${dir}: ${(e as Error).message}`);
  }
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) throw invalid('model.json is not a tfjs layers model (no modelTopology or weightsManifest)');
  if (!Array.isArray(vocab?.vocab) || vocab.vocab.some((c) => typeof c !== 'string')) {
    throw invalid('vocab.json must be {"vocab": ["a", "b", …]} listing the characters in embedding-row order');
  }
  const bins = modelJson.weightsManifest.flatMap((g) => g.paths.map(read));
  const data = Buffer.concat(bins);
  let loaded;
  try {
    loaded = await fromLayersArtifacts(modelJson as never, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), {
      vocab: vocab.vocab,
      unk: vocab.unk ?? null,
    });
  } catch (e) {
    throw invalid(`cannot import ${dir}: ${(e as Error).message}`);
  }
  const row = createModel(db, { name: modelName, corpusId: null, corpusName: null, spec: loaded.spec, origin: 'imported' });
  saveCheckpoints(db, row.id, [{ kind: 'best', step: 0, valLoss: null, weights: encodeArrays(loaded.weights), optimizer: null, trainer: null }], {
    steps: 0,
    trainSeconds: 0,
    bestValLoss: null,
  });
  setModelStatus(db, row.id, 'ready');
  return summarise(getModel(db, modelName)!);
}
