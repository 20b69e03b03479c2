import fs from 'node:fs';
import path from 'node:path';
import { fromLayersArtifacts, toLayersArtifacts, WEIGHTS_FILE } from '../ml/layers-format.ts';
import { encodeArrays } from '../ml/weights.ts';
import type { Db } from '../store/db.ts';
import { createModel, getModel, saveCheckpoints, setModelStatus } from '../store/models.ts';
import { invalid, NibError, notFound } from './errors.ts';
import { checkName } from './library.ts';
import { loadWeightsFor } from './model-weights.ts';
import { summarise, type ModelSummary } from './models.ts';

/**
 * Models in and out of Nib as tfjs layers folders (model.json, weights, vocab.json). Apart from
 * api/models.ts because it needs TensorFlow.js (tens of megabytes, a second to load): only the ML
 * host imports this module, so the app's main process and the CLI never load tfjs (test/layers.test.ts).
 */

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
