import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { SuggestResult, TrainParams, TrainResult } from '../src-main/api/contract.ts';
import { evaluateModel } from '../src-main/services/evaluate.ts';
import { importPaths } from '../src-main/services/library.ts';
import { loadWeightsFor } from '../src-main/services/model-weights.ts';
import { initBackend, type BackendReport } from '../src-main/ml/backend.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { TfjsEngine } from '../src-main/ml/tfjs-engine.ts';
import { decodeArrays, encodeArrays } from '../src-main/ml/weights.ts';
import { CachedModel } from '../src-main/ml/document-cache.ts';
import { MixtureModel } from '../src-main/ml/mixture.ts';
import { DEFAULT_SUGGEST, observe, suggest } from '../src-main/ml/suggest.ts';
import { loadStoredNgram } from '../src-main/services/ngram.ts';
import { integrityCheck, openDb, type Db } from '../src-main/store/db.ts';
import { ensureCorpus } from '../src-main/store/corpora.ts';
import { getModel, loadCheckpoint, saveCheckpoints, setSuggestSource } from '../src-main/store/models.ts';
import { listRuns, runMetrics } from '../src-main/store/runs.ts';
import { decodeOptimizer } from '../src-main/ml/optimizer-state.ts';
import { openService } from '../src-main/workers/ml-service.ts';
import { maxAbsDiff, SHAKESPEARE, tempDir } from './helpers.ts';

let dir: string;
let backend: BackendReport;
let service: ReturnType<typeof openService>;
let db: Db;
let smallBestValLoss = NaN;

const TINY = { layers: 1, units: 48, embedding: 16 };
const FAST = { seqLen: 32, batch: 16, evalEvery: 10, evalWindows: 32, checkpointEverySec: 3600 };

function train(p: Partial<TrainParams> & { model: string }, events: unknown[] = []): Promise<TrainResult> {
  // From scratch (these test the training loop on a tiny model), without the source measurement.
  return service.call(
    'train',
    { resume: false, corpus: 'shakes', from: 'scratch', chooseSource: false, config: {}, ...p },
    { emit: (e) => events.push(e), isCancelled: () => false },
  ) as Promise<TrainResult>;
}

before(async () => {
  backend = await initBackend();
  dir = tempDir();
  service = openService(dir, backend);
  db = openDb(dir);
  importPaths(db, { paths: [SHAKESPEARE], corpus: 'shakes' });
});

after(() => {
  db.close();
  service.db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function unigramEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...counts.values()].reduce((a, b) => a + b, 0);
  return -[...counts.values()].reduce((s, c) => s + (c / n) * Math.log(c / n), 0);
}

test('a small model trained for a bounded number of steps beats the unigram entropy on held-out text', async () => {
  const events: { type: string }[] = [];
  const r = await train(
    { model: 'small', ...TINY, config: { ...FAST, evalEvery: 50, maxSteps: 250, seed: 3 } },
    events,
  );
  const text = fs.readFileSync(SHAKESPEARE, 'utf8');
  const h = unigramEntropy(text.slice(Math.floor(text.length * 0.9)));
  assert.equal(r.reason, 'max-steps');
  assert.equal(r.steps, 250);
  assert.ok(r.bestValLoss! < h - 0.3, `validation ${r.bestValLoss} nats vs unigram entropy ${h.toFixed(3)}`);
  smallBestValLoss = r.bestValLoss!;
  // Progress reached the caller, metrics and the run reached SQLite.
  assert.ok(events.some((e) => e.type === 'start') && events.some((e) => e.type === 'eval'));
  const row = getModel(db, 'small')!;
  assert.equal(row.status, 'ready');
  assert.equal(row.steps, 250);
  const [run] = listRuns(db, row.id);
  assert.equal(run.status, 'completed');
  assert.equal(run.end_reason, 'max-steps');
  const points = runMetrics(db, run.id);
  assert.equal(points.filter((p) => p.valLoss !== null).length, 5);
  assert.equal(points.filter((p) => p.trainLoss !== null).length, 250);
  assert.equal(integrityCheck(db), 'ok');
});

test('weights saved to SQLite and loaded back give identical next-character distributions', async () => {
  const row = getModel(db, 'small')!;
  const { spec, weights } = loadWeightsFor(db, row);
  saveCheckpoints(
    db,
    row.id,
    [{ kind: 'best', step: 1, valLoss: 1, weights: encodeArrays(weights), optimizer: null, trainer: null }],
    { steps: row.steps, trainSeconds: 1, bestValLoss: 1 },
  );
  const again = decodeArrays(loadCheckpoint(db, row.id, 'best')!.weights).arrays;
  const tok = CharTokenizer.fromSpec(spec);
  const x = tok.encode('ROMEO:\nWhat light through yonder window breaks? It is the east');
  const T = x.length;
  const [e1, e2] = [new TfjsEngine(spec, weights), new TfjsEngine(spec, again)];
  const [l1, l2] = [await e1.logits(x, 1, T), await e2.logits(x, 1, T)];
  e1.dispose();
  e2.dispose();
  assert.deepEqual(l2, l1);
  // The incremental runner sees the same model as the training graph.
  const [r1, r2] = [new LstmRunner(spec, weights), new LstmRunner(spec, again)];
  const [s1, s2] = [r1.zeroState(), r2.zeroState()];
  for (let t = 0; t < T; t++) {
    r1.step(s1, x[t]);
    r2.step(s2, x[t]);
    assert.deepEqual(r2.probs(s2), r1.probs(s1));
    assert.ok(maxAbsDiff(r1.logits(s1), l1.subarray(t * spec.vocab.length, (t + 1) * spec.vocab.length)) < 1e-4);
  }
});

test('resuming from a checkpoint continues exactly: same optimizer state, same data order', async () => {
  const cfg = { ...FAST, seed: 9 };
  await train({ model: 'straight', ...TINY, config: { ...cfg, maxSteps: 20 } });
  const first = await train({ model: 'split', ...TINY, config: { ...cfg, maxSteps: 10 } });
  assert.equal(first.steps, 10);
  const id = getModel(db, 'split')!.id;
  const cp = loadCheckpoint(db, id, 'latest')!;
  assert.equal(cp.step, 10);
  assert.equal(decodeOptimizer(cp.optimizer!).t, 10);
  const events: { type: string; resumedFromStep?: number }[] = [];
  const second = await train({ model: 'split', resume: true, config: { maxSteps: 20 } }, events);
  assert.equal(events.find((e) => e.type === 'start')!.resumedFromStep, 10);
  assert.equal(second.steps, 20);
  const a = decodeArrays(loadCheckpoint(db, getModel(db, 'straight')!.id, 'latest')!.weights).arrays;
  const b = decodeArrays(loadCheckpoint(db, id, 'latest')!.weights).arrays;
  a.forEach((w, i) =>
    assert.ok(maxAbsDiff(w.data, b[i].data) < 1e-6, `${w.name} differs by ${maxAbsDiff(w.data, b[i].data)}`),
  );
  assert.deepEqual(
    listRuns(db, id).map((r) => r.start_step),
    [0, 10],
  );
  // A new time limit replaces the step goal it reached (it used to say "already trained 20 steps:
  // pass a larger --max-steps (or --max-time)" though a --max-time was given).
  const third = await train({ model: 'split', resume: true, config: { maxTimeSec: 1.5 } });
  assert.ok(third.steps > 20, `trained on to step ${third.steps}`);
  // A limit shorter than a step still takes one (it used to take none and list a model that had
  // learned nothing as ready).
  const blink = await train({ model: 'blink', ...TINY, config: { ...FAST, maxTimeSec: 1e-7 } });
  assert.equal(blink.reason, 'max-time');
  assert.equal(blink.steps, 1);
  assert.equal(getModel(db, 'blink')!.steps, 1);
});

test('early stopping keeps the best weights and stops after `patience` evaluations without improvement', async () => {
  // A learning rate this high makes validation loss worsen, so patience runs out quickly.
  const r = await train({
    model: 'unstable',
    ...TINY,
    config: { ...FAST, lr: 0.5, evalEvery: 5, patience: 2, maxSteps: 200, minDelta: 0 },
  });
  assert.equal(r.reason, 'early-stop');
  assert.ok(r.steps < 200);
  const id = getModel(db, 'unstable')!.id;
  const best = loadCheckpoint(db, id, 'best')!;
  assert.equal(best.step, r.bestStep);
  assert.equal(best.val_loss, r.bestValLoss);
  assert.ok(loadCheckpoint(db, id, 'latest')!.step > best.step);
});

test('nib eval reports cross-entropy and keystroke savings for the model and the n-gram baseline', () => {
  const r = evaluateModel(db, { model: 'small', corpus: 'shakes', maxChars: 3000 });
  assert.match(r.sampling, /evenly spaced chunks/);
  assert.equal(r.chars, 3000);
  assert.equal(r.rows.length, 3);
  const [lstm, ngram, mix] = r.rows;
  assert.match(ngram.name, /n-gram \(order \d/);
  assert.match(mix.name, /LSTM \+ n-gram \(λ from 0\.\d+, following the text\)/);
  // A mixture with the best-fitting weight is never much worse than the better of its parts.
  assert.ok(mix.natsPerChar < Math.min(lstm.natsPerChar, ngram.natsPerChar) + 0.05);
  for (const row of r.rows) {
    assert.ok(row.natsPerChar > 0.5 && row.natsPerChar < 4.2, `${row.name}: ${row.natsPerChar}`);
    assert.ok(Math.abs(row.bitsPerChar - row.natsPerChar / Math.LN2) < 1e-9);
    assert.ok(row.ksr >= 0 && row.ksr < 1);
    assert.ok(row.keystrokes > 0 && row.keystrokes <= 3000);
    assert.ok(row.precision >= 0 && row.precision <= 1);
  }
  // The validation loss measured while training and the model's own streaming cross-entropy (without
  // the document cache, which revises it by the text so far) agree roughly.
  const own = evaluateModel(db, { model: 'small', corpus: 'shakes', maxChars: 3000, documentCache: false });
  assert.equal(own.documentCache, false);
  const windowed = smallBestValLoss;
  const streamed = own.rows[0].natsPerChar;
  assert.ok(Math.abs(streamed - windowed) < 0.3, `streamed ${streamed} vs windowed ${windowed}`);
  // The cache learns the play's names and phrases as it goes: it never makes the text less likely here.
  assert.ok(lstm.natsPerChar < streamed, `with the cache ${lstm.natsPerChar} vs ${streamed}`);
  assert.throws(() => evaluateModel(db, { model: 'small' }), /exactly one of --corpus/);
});

test('with the mixture, the ML host typing a document suggests exactly what nib eval measures: its weight follows the text', async () => {
  const row = getModel(db, 'small')!;
  const saved = row.suggest_source;
  const bar = 0.05;
  setSuggestSource(db, row.id, {
    source: 'mix',
    lambda: 0.5,
    threshold: bar,
    corpus: 'shakes',
    measured: [],
    chars: 0,
  });
  try {
    const whole = fs.readFileSync(SHAKESPEARE, 'utf8');
    const text = whole.slice(whole.length - 2500, whole.length - 700);
    // The writer types it in bursts, a suggestion asked for after each.
    let r: SuggestResult | undefined;
    const ctx = { emit: () => {}, isCancelled: () => false };
    // The corpus's n-gram, stored as an import in the app leaves it.
    await service.call('ngram.refresh', { corpus: 'shakes' }, ctx);
    for (let end = 150; ; end += 113) {
      const typed = text.slice(0, Math.min(end, text.length));
      const p = { model: 'small', text: typed, docKey: 'doc-mix', alternatives: 1 };
      r = (await service.call('suggest', p, ctx)) as SuggestResult;
      if (typed === text) break;
    }
    // nib eval's way: the text observed character by character through the cached mixture.
    const { spec, weights } = loadWeightsFor(db, row);
    const runner = new LstmRunner(spec, weights);
    const tok = CharTokenizer.fromSpec(spec);
    const { model: ngram } = loadStoredNgram(db, row.corpus_id!)!;
    const measured = (adapt: boolean) => {
      const cm = new CachedModel(new MixtureModel(runner, ngram, 0.5, adapt ? undefined : null));
      const s = cm.wrap({ a: runner.zeroState(), b: [] as number[] });
      for (const id of tok.encode(text)) observe(cm, s, id);
      return suggest(cm, tok, s, { ...DEFAULT_SUGGEST, threshold: bar }, text.slice(-80));
    };
    const want = measured(true);
    assert.equal(r!.source, 'mix');
    assert.ok(want.text, 'a suggestion to compare');
    assert.equal(r!.suggestion, want.text);
    assert.ok(Math.abs(r!.probability - want.probability) < 1e-5, `${r!.probability} against ${want.probability}`);
    // And the weight did move: with it fixed at 0.5 the same suggestion has another probability.
    const fixed = measured(false);
    assert.ok(
      Math.abs(fixed.probability - want.probability) > 1e-4,
      `${fixed.probability} against ${want.probability}`,
    );
  } finally {
    db.prepare('UPDATE models SET suggest_source = ? WHERE id = ?').run(saved, row.id);
  }
});

test('bad training requests get one clear error each', async () => {
  const fails = async (p: Partial<TrainParams> & { model: string }, code: string, pattern: RegExp) => {
    await assert.rejects(train(p), (e: { code: string; message: string }) => {
      assert.equal(e.code, code);
      assert.match(e.message, pattern);
      return true;
    });
  };
  await fails({ model: 'x', corpus: 'missing' }, 'not-found', /no corpus named "missing"/);
  await fails({ model: 'small' }, 'conflict', /already exists: continue it with nib train --resume small/);
  await fails({ model: 'ghost', resume: true }, 'not-found', /no model named "ghost" to resume/);
  await fails({ model: 'small', resume: true, config: { maxSteps: 100 } }, 'invalid', /already trained 250 steps/);
  fs.writeFileSync(path.join(dir, 'short.txt'), 'Too short.');
  importPaths(db, { paths: [path.join(dir, 'short.txt')], corpus: 'short' });
  await fails(
    { model: 'y', corpus: 'short', config: { seqLen: 32 } },
    'data',
    /corpus is too short: 10 characters, but training needs at least 66/,
  );
  fs.writeFileSync(path.join(dir, 'empty.txt'), '');
  importPaths(db, { paths: [path.join(dir, 'empty.txt')], corpus: 'hollow' });
  await fails({ model: 'z', corpus: 'hollow' }, 'not-found', /no corpus named "hollow"/); // an import that adds nothing creates no corpus
  ensureCorpus(db, 'hollow'); // a corpus whose documents were all deleted
  await fails({ model: 'z', corpus: 'hollow' }, 'data', /corpus "hollow" is empty/);
  assert.equal(getModel(db, 'y'), undefined, 'a refused request leaves no model behind');
});
