import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { exportModel, exportModelFiles, importModel, importModelFiles } from '../src-main/services/model-transfer.ts';
import { loadWeightsFor } from '../src-main/services/model-weights.ts';
import { NibError } from '../src-main/api/errors.ts';
import { initBackend } from '../src-main/ml/backend.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import { encodeArrays, initWeights } from '../src-main/ml/weights.ts';
import { openDb, type Db } from '../src-main/store/db.ts';
import { createModel, getModel, saveCheckpoints, setSuggestSource } from '../src-main/store/models.ts';
import type { SourceChoice } from '../src-main/ml/source-choice.ts';
import { maxAbsDiff, tempDir } from './helpers.ts';

let dir: string;
let db: Db;
const vocab = [...' abcdefghij.'];

before(async () => {
  await initBackend();
  dir = tempDir();
  db = openDb(path.join(dir, 'data'));
});

after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('export writes tfjs layers format + vocab.json, and import-model reads it back unchanged', async () => {
  const spec: ModelSpec = {
    kind: 'char-lstm',
    vocab,
    unk: null,
    embedding: 6,
    units: [10, 7],
    recurrentActivation: 'sigmoid',
  };
  const weights = initWeights(spec, 4);
  const row = createModel(db, { name: 'orig', corpusId: null, corpusName: null, spec });
  saveCheckpoints(
    db,
    row.id,
    [{ kind: 'best', step: 3, valLoss: 2, weights: encodeArrays(weights), optimizer: null, trainer: null }],
    { steps: 3, trainSeconds: 1, bestValLoss: 2 },
  );
  const out = path.join(dir, 'export');
  await exportModel(db, 'orig', out);
  assert.deepEqual(fs.readdirSync(out).sort(), ['group1-shard1of1.bin', 'model.json', 'vocab.json']);
  // tfjs itself can load what we wrote, and it computes what our runner computes.
  const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(out, 'group1-shard1of1.bin'));
  const tfModel = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
    }),
  );
  const ids = [1, 4, 0, 9, 11, 3];
  const tfProbs = (tfModel.predict(tf.tensor2d([ids], [1, ids.length])) as tf.Tensor).arraySync() as number[][][];
  const runner = new LstmRunner(spec, weights);
  const s = runner.zeroState();
  ids.forEach((id, t) => {
    runner.step(s, id);
    assert.ok(maxAbsDiff(runner.probs(s), tfProbs[0][t]) < 1e-5);
  });

  const imported = await importModel(db, out, 'copy');
  assert.equal(imported.params, 12 * 6 + (6 + 10 + 1) * 40 + (10 + 7 + 1) * 28 + 7 * 12 + 12);
  const back = loadWeightsFor(db, getModel(db, 'copy')!);
  assert.deepEqual(back.spec, spec);
  back.weights.forEach((w, i) => assert.deepEqual(w.data, weights[i].data));
});

test('a model made with tfjs-layers defaults (hard-sigmoid gates, as converted Keras models may be) imports and predicts identically', async () => {
  const V = vocab.length;
  const m = tf.sequential();
  m.add(tf.layers.embedding({ inputDim: V, outputDim: 5, inputLength: 8 }));
  m.add(tf.layers.lstm({ units: 9, returnSequences: true, recurrentActivation: 'hardSigmoid' }));
  m.add(tf.layers.dropout({ rate: 0.2 }));
  m.add(tf.layers.dense({ units: V, activation: 'softmax' }));
  // Larger weights than the defaults, so hard-sigmoid's clipping is exercised.
  m.setWeights(m.getWeights().map((w, i) => tf.mul(tf.randomUniform(w.shape, -1, 1, 'float32', i + 1), 1.5)));
  const src = path.join(dir, 'keras');
  fs.mkdirSync(src);
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      fs.writeFileSync(
        path.join(src, 'model.json'),
        JSON.stringify({
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }],
        }),
      );
      fs.writeFileSync(path.join(src, 'w.bin'), Buffer.from(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  fs.writeFileSync(path.join(src, 'vocab.json'), JSON.stringify({ vocab }));
  const summary = await importModel(db, src, 'keras');
  assert.equal(summary.units.join(), '9');
  const { spec, weights } = loadWeightsFor(db, getModel(db, 'keras')!);
  assert.equal(spec.recurrentActivation, 'hardSigmoid');
  const ids = [3, 1, 4, 1, 5, 9, 2, 6];
  const expected = (m.predict(tf.tensor2d([ids])) as tf.Tensor).arraySync() as number[][][];
  const runner = new LstmRunner(spec, weights);
  const s = runner.zeroState();
  ids.forEach((id, t) => {
    runner.step(s, id);
    assert.ok(maxAbsDiff(runner.probs(s), expected[0][t]) < 1e-5, `t${t}`);
  });
});

test('import-model explains what is wrong with a folder it cannot use', async () => {
  const bad = path.join(dir, 'bad');
  fs.mkdirSync(bad);
  await assert.rejects(
    importModel(db, bad, 'b1'),
    (e: NibError) => e.code === 'not-found' && /model\.json not found/.test(e.message),
  );
  const g = tf.sequential();
  g.add(tf.layers.embedding({ inputDim: vocab.length, outputDim: 4, inputLength: 3 }));
  g.add(tf.layers.gru({ units: 3, returnSequences: true }));
  g.add(tf.layers.dense({ units: vocab.length, activation: 'softmax' }));
  await g.save(
    tf.io.withSaveHandler(async (a) => {
      fs.writeFileSync(
        path.join(bad, 'model.json'),
        JSON.stringify({
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }],
        }),
      );
      fs.writeFileSync(path.join(bad, 'w.bin'), Buffer.from(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  await assert.rejects(importModel(db, bad, 'b2'), (e: NibError) => /vocab\.json not found/.test(e.message));
  fs.writeFileSync(path.join(bad, 'vocab.json'), JSON.stringify({ vocab }));
  await assert.rejects(
    importModel(db, bad, 'b3'),
    (e: NibError) =>
      e.code === 'invalid' &&
      /Embedding → LSTM \(one or more\) → Dense models; found Embedding → GRU → Dense/.test(e.message),
  );
  fs.writeFileSync(path.join(bad, 'vocab.json'), '{"vocab": [1, 2]}');
  await assert.rejects(importModel(db, bad, 'b4'), (e: NibError) => /vocab\.json must be/.test(e.message));
  assert.equal(getModel(db, 'b3'), undefined);

  // A good model's files, damaged one way at a time: each refused with what is wrong, nothing imported.
  const good = await exportModelFiles(db, 'orig');
  const [json, bin, voc] = good;
  const tryFiles = (name: string, files: typeof good) => importModelFiles(db, name, files);
  const nan = Buffer.alloc(bin.data.length, 0xff); // all NaN as float32
  await assert.rejects(tryFiles('nan', [json, { ...bin, data: nan }, voc]), (e: NibError) =>
    /hold NaN or infinite values: the file is damaged/.test(e.message),
  );
  await assert.rejects(
    tryFiles('long', [json, { ...bin, data: Buffer.concat([bin.data, bin.data]) }, voc]),
    (e: NibError) => /the weight files hold [\d,]+ bytes where model\.json declares [\d,]+/.test(e.message),
  );
  const vocabOf = (v: string[]) => ({ ...voc, data: Buffer.from(JSON.stringify({ vocab: v })) });
  await assert.rejects(tryFiles('multi', [json, bin, vocabOf(['abc', ...vocab.slice(1)])]), (e: NibError) =>
    /vocab\.json lists "abc": each entry must be one character/.test(e.message),
  );
  await assert.rejects(tryFiles('twice', [json, bin, vocabOf(['a', ...vocab.slice(1)])]), (e: NibError) =>
    /vocab\.json lists "a" twice/.test(e.message),
  );
  for (const n of ['nan', 'long', 'multi', 'twice']) assert.equal(getModel(db, n), undefined, n);
});

test('the app’s download and upload carry the same folder in memory; weight paths never leave the folder', async () => {
  const files = await exportModelFiles(db, 'orig');
  assert.deepEqual(
    files.map((f) => f.name),
    ['model.json', 'group1-shard1of1.bin', 'vocab.json'],
  );
  // Uploaded as chosen (a browser may hand over paths such as "folder/model.json": the name counts).
  const up = await importModelFiles(
    db,
    'uploaded',
    files.map((f) => ({ name: `my model/${f.name}`, data: f.data })),
  );
  assert.equal(up.origin, 'imported');
  const orig = loadWeightsFor(db, getModel(db, 'orig')!);
  loadWeightsFor(db, getModel(db, 'uploaded')!).weights.forEach((w, i) =>
    assert.deepEqual(w.data, orig.weights[i].data),
  );
  await assert.rejects(
    importModelFiles(db, 'partial', files.slice(0, 2)),
    (e: NibError) =>
      e.code === 'not-found' &&
      /vocab\.json is missing/.test(e.message) &&
      e.hint?.app === 'choose model.json, vocab.json and the weight files together (or the .zip Nib exported)',
  );
  // A model.json that names a file outside its folder is refused before anything is read.
  const json = JSON.parse(files[0].data.toString('utf8'));
  for (const evil of ['../../../etc/passwd', '/etc/passwd', 'sub/w.bin', '..']) {
    json.weightsManifest[0].paths = [evil];
    const hostile = [{ name: 'model.json', data: Buffer.from(JSON.stringify(json)) }, files[2]];
    await assert.rejects(
      importModelFiles(db, 'evil', hostile),
      (e: NibError) => e.code === 'invalid' && /outside its folder/.test(e.message),
      evil,
    );
    const folder = path.join(dir, 'evil');
    fs.mkdirSync(folder, { recursive: true });
    for (const f of hostile) fs.writeFileSync(path.join(folder, f.name), f.data);
    await assert.rejects(importModel(db, folder, 'evil'), (e: NibError) => /outside its folder/.test(e.message), evil);
  }
  assert.equal(getModel(db, 'evil'), undefined);
});

test('a model moved to another computer keeps the confidence bar measured for it alone; a tampered one is ignored', async () => {
  // Training chose the mixture, and measured the LSTM alone at its own bar (0.2125).
  const choice: SourceChoice = {
    source: 'mix',
    lambda: 0.4,
    threshold: 0.25,
    corpus: 'letters',
    measured: [
      { source: 'lstm', ksr: 0.3, precision: 0.52, bitsPerChar: 1.9, threshold: 0.2125 },
      { source: 'ngram', ksr: 0.28, precision: 0.51, bitsPerChar: 2.1, threshold: 0.3 },
      { source: 'mix', ksr: 0.33, precision: 0.51, bitsPerChar: 1.8, threshold: 0.25 },
    ],
    chars: 20000,
  };
  setSuggestSource(db, getModel(db, 'orig')!.id, choice);
  const files = await exportModelFiles(db, 'orig');
  const json = JSON.parse(files[0].data.toString('utf8'));
  assert.deepEqual(json.userDefinedMetadata, {
    nib: { suggest: { threshold: 0.2125, ksr: 0.3, precision: 0.52, bitsPerChar: 1.9, chars: 20000 } },
  });
  // The mixture needs the corpus's n-gram, which stays behind: the copy suggests alone, at its bar.
  const copy = await importModelFiles(db, 'carried', files);
  assert.equal(copy.suggestSource?.source, 'lstm');
  assert.equal(copy.suggestSource?.threshold, 0.2125);
  assert.deepEqual(copy.suggestSource?.measured, [choice.measured[0]]);
  // Read from a file, so checked: a bar out of range (or a model.json without one) sets nothing.
  for (const suggest of [{ ...json.userDefinedMetadata.nib.suggest, threshold: 5 }, 'x', null]) {
    const bad = { ...json, userDefinedMetadata: { nib: { suggest } } };
    const name = `tampered ${JSON.stringify(suggest)}`.slice(0, 60);
    const m = await importModelFiles(db, name, [
      { name: 'model.json', data: Buffer.from(JSON.stringify(bad)) },
      ...files.slice(1),
    ]);
    assert.equal(m.suggestSource, null, name);
  }
});
