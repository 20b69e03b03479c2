import fs from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { fromLayersArtifacts, toLayersArtifacts, WEIGHTS_FILE } from '../ml/layers-format.ts';
import { lstmAlone, lstmMeasure, type SourceChoice } from '../ml/source-choice.ts';
import { encodeArrays } from '../ml/weights.ts';
import type { Db } from '../store/db.ts';
import { FolderError, makeFolder } from '../store/folders.ts';
import { createModel, getModel, saveCheckpoints, setModelStatus, setSuggestSource } from '../store/models.ts';
import { invalid, NibError, noModel, notFound } from '../api/errors.ts';
import { checkName } from './library.ts';
import { loadWeightsFor } from './model-weights.ts';
import { summarise, type ModelSummary } from './models.ts';

/**
 * Models in and out of Nib as tfjs layers folders (model.json, weights, vocab.json). Apart from
 * services/models.ts because it needs TensorFlow.js (tens of megabytes, a second to load): only the ML
 * host imports this module, so the app's main process and the CLI never load tfjs (test/layers.test.ts).
 */

const VOCAB_FILE = 'vocab.json';

/**
 * What the LSTM alone measured where it was trained, its confidence bar above all: carried in
 * model.json's `userDefinedMetadata.nib.suggest` (the place tfjs keeps for a program's own data,
 * which other readers ignore), so that a model moved to another computer suggests at its own
 * measured bar rather than the default one. Only the LSTM's: a mixture needs the corpus's n-gram,
 * which stays behind. Read from a file, so checked like any input: a value out of range is ignored.
 */
const CarriedMeasure = v.object({
  threshold: v.pipe(v.number(), v.finite(), v.gtValue(0), v.ltValue(1)),
  ksr: v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(1)),
  precision: v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(1)),
  bitsPerChar: v.pipe(v.number(), v.finite(), v.gtValue(0), v.maxValue(64)),
  chars: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
});

function carriedSource(modelJson: unknown): SourceChoice | null {
  const meta = (modelJson as { userDefinedMetadata?: { nib?: { suggest?: unknown } } }).userDefinedMetadata;
  const r = v.safeParse(CarriedMeasure, meta?.nib?.suggest);
  return r.success ? lstmAlone(r.output) : null;
}

/** A file of a model folder, in memory (an upload from the app, or what a download carries). */
export interface ModelFile {
  name: string;
  data: Buffer;
}

/** The files of a model folder: model.json + weights (tfjs layers format) and vocab.json. */
export async function exportModelFiles(db: Db, name: string): Promise<ModelFile[]> {
  const row = getModel(db, checkName('model', name));
  if (!row) throw noModel(name);
  const { spec, weights } = loadWeightsFor(db, row);
  const art = await toLayersArtifacts(spec, weights);
  const measured = row.suggest_source ? lstmMeasure(JSON.parse(row.suggest_source) as SourceChoice) : null;
  const modelJson = measured
    ? { ...(art.modelJson as object), userDefinedMetadata: { nib: { suggest: measured } } }
    : art.modelJson;
  return [
    { name: 'model.json', data: Buffer.from(JSON.stringify(modelJson)) },
    { name: WEIGHTS_FILE, data: Buffer.from(art.weightData) },
    {
      name: VOCAB_FILE,
      data: Buffer.from(JSON.stringify({ type: 'char', vocab: spec.vocab, unk: spec.unk }, null, 1)),
    },
  ];
}

/** Writes model.json + weights (tfjs layers format) and vocab.json into `dir`. */
export async function exportModel(db: Db, name: string, dir: string): Promise<{ files: string[] }> {
  const files = await exportModelFiles(db, name);
  try {
    makeFolder(dir);
  } catch (e) {
    throw invalid(`cannot write the model into ${dir}: ${e instanceof FolderError ? e.why : (e as Error).message}`);
  }
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.data);
  return { files: files.map((f) => path.join(dir, f.name)) };
}

/** Reads a tfjs layers model folder (model.json, its weight files, vocab.json) as a new Nib model. */
export async function importModel(db: Db, dir: string, name: string): Promise<ModelSummary> {
  return importFrom(db, name, dir, (f) => {
    try {
      return fs.readFileSync(path.join(dir, f));
    } catch {
      throw notFound(
        `${path.join(dir, f)} not found: a model folder holds model.json, its weight files and vocab.json`,
      );
    }
  });
}

/** The same from files the writer chose in the app (model.json, its weight files, vocab.json). */
export async function importModelFiles(db: Db, name: string, files: ModelFile[]): Promise<ModelSummary> {
  const byName = new Map(files.map((f) => [path.basename(f.name), f.data]));
  return importFrom(db, name, 'the chosen files', (f) => {
    const data = byName.get(f);
    if (!data)
      throw new NibError('not-found', `${f} is missing from the chosen files`, {
        cli: `${f} is missing`,
        app: 'choose model.json, vocab.json and the weight files together (or the .zip Nib exported)',
      });
    return data;
  });
}

async function importFrom(db: Db, name: string, where: string, readFile: (f: string) => Buffer): Promise<ModelSummary> {
  const modelName = checkName('model', name);
  if (getModel(db, modelName))
    throw new NibError('conflict', `a model named "${modelName}" already exists`, {
      cli: 'choose another --name',
      app: 'type another name',
    });
  // Weight files are named by model.json: plain names in the same folder, never a path out of it.
  const read = (f: string): Buffer => {
    if (typeof f !== 'string' || f === '' || path.basename(f) !== f || f === '.' || f === '..')
      throw invalid(`model.json names a weight file outside its folder (${JSON.stringify(f)})`);
    return readFile(f);
  };
  let modelJson: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: never[] }[] };
  let vocab: { vocab: string[]; unk?: number | null };
  try {
    modelJson = JSON.parse(read('model.json').toString('utf8'));
    vocab = JSON.parse(read(VOCAB_FILE).toString('utf8'));
  } catch (e) {
    if (e instanceof NibError) throw e;
    throw invalid(`cannot parse ${where}: ${(e as Error).message}`);
  }
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest))
    throw invalid('model.json is not a tfjs layers model (no modelTopology or weightsManifest)');
  if (!Array.isArray(vocab?.vocab) || vocab.vocab.some((c) => typeof c !== 'string')) {
    throw invalid('vocab.json must be {"vocab": ["a", "b", …]} listing the characters in embedding-row order');
  }
  const bins = modelJson.weightsManifest.flatMap((g) => (Array.isArray(g?.paths) ? g.paths : []).map(read));
  const data = Buffer.concat(bins);
  let loaded;
  try {
    loaded = await fromLayersArtifacts(
      modelJson as never,
      data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      {
        vocab: vocab.vocab,
        unk: vocab.unk ?? null,
      },
    );
  } catch (e) {
    throw invalid(`cannot import ${where}: ${(e as Error).message}`);
  }
  const row = createModel(db, {
    name: modelName,
    corpusId: null,
    corpusName: null,
    spec: loaded.spec,
    origin: 'imported',
  });
  saveCheckpoints(
    db,
    row.id,
    [{ kind: 'best', step: 0, valLoss: null, weights: encodeArrays(loaded.weights), optimizer: null, trainer: null }],
    {
      steps: 0,
      trainSeconds: 0,
      bestValLoss: null,
    },
  );
  const source = carriedSource(modelJson);
  if (source) setSuggestSource(db, row.id, source);
  setModelStatus(db, row.id, 'ready');
  return summarise(getModel(db, modelName)!);
}
