import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Core, type CoreEvent } from '../src-main/core/core.ts';
import { pickSource, type SourceChoice } from '../src-main/ml/source-choice.ts';
import { baseFitCorpus, baseFitDue, fitBase, shippedWins } from '../src-main/services/base-fit.ts';
import { installBaseModel, shippedSource } from '../src-main/services/base-model.ts';
import { importBuffers } from '../src-main/services/library.ts';
import { refreshNgram } from '../src-main/services/ngram.ts';
import { openDb, type Db } from '../src-main/store/db.ts';
import { getBaseModel } from '../src-main/store/models.ts';
import { SHAKESPEARE, tempDir } from './helpers.ts';

const plays = fs.readFileSync(SHAKESPEARE, 'utf8');
const stored = (db: Db): SourceChoice | null => JSON.parse(getBaseModel(db)!.suggest_source ?? 'null');

describe('the base fitted to the writer’s text (services/base-fit.ts)', () => {
  let dir: string;
  let db: Db;
  before(() => {
    dir = tempDir('nib-basefit-');
    db = openDb(path.join(dir, 'data'));
    installBaseModel(db);
  });
  after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('measured on the largest corpus, stored with the base, kept across restarts, measured again when the text changes', () => {
    // Nothing imported: nothing to fit to, and the base suggests as it shipped.
    assert.deepEqual(stored(db), shippedSource());
    importBuffers(db, 'plays', [{ name: 'a.txt', data: Buffer.from(plays.slice(0, 30_000)) }]);
    importBuffers(db, 'note', [{ name: 'n.txt', data: Buffer.from(plays.slice(200_000, 205_000)) }]);
    // Not before the corpus's n-gram is built: the mixture suggests with the stored one.
    assert.equal(baseFitDue(db), null);
    refreshNgram(db, 'plays');
    refreshNgram(db, 'note');
    assert.equal(baseFitCorpus(db)?.name, 'plays', 'the largest');
    assert.equal(baseFitDue(db)?.corpus, 'plays');

    const r = fitBase(db);
    assert.equal(r.corpus, 'plays');
    const c = r.choice!;
    assert.equal(c.corpus, 'plays');
    assert.deepEqual(
      c.measured.map((m) => m.source),
      ['lstm', 'ngram', 'mix'],
    );
    assert.equal(c.source, pickSource(c.measured), 'the best of the three at ≥ 50% precision');
    // The n-gram side is the corpus's with the base's beside it (ml/ngram-pair.ts), at a weight
    // fitted on the held-out text: the plays are not the English the base's n-gram knows best.
    assert.ok(c.baseNgramWeight! > 0.05 && c.baseNgramWeight! < 0.95, String(c.baseNgramWeight));
    // Beside them, the base as it ships (with its own n-gram) at its shipped bar.
    assert.equal(c.base?.threshold, shippedSource()!.threshold);
    assert.ok(!shippedWins(c), 'the writer’s phrases beat the shipped mixture on their own plays');
    assert.deepEqual(stored(db), c);
    assert.equal(baseFitDue(db), null, 'done: nothing due until the text changes');
    // Restarting (the base installed again, same weights) keeps the fit.
    installBaseModel(db);
    assert.deepEqual(stored(db), c);

    // More writing changes the corpus's n-gram: due again.
    importBuffers(db, 'plays', [{ name: 'b.txt', data: Buffer.from(plays.slice(30_000, 40_000)) }]);
    refreshNgram(db, 'plays');
    assert.equal(baseFitDue(db)?.corpus, 'plays');
  });

  test('a corpus too short to hold text out leaves the base as it shipped', () => {
    const d2 = openDb(path.join(dir, 'short'));
    try {
      installBaseModel(d2);
      importBuffers(d2, 'tiny', [{ name: 't.txt', data: Buffer.from(plays.slice(0, 3_000)) }]);
      refreshNgram(d2, 'tiny');
      const r = fitBase(d2);
      assert.deepEqual(r, { corpus: null, choice: null });
      assert.deepEqual(stored(d2), shippedSource());
      assert.equal(baseFitDue(d2), null, 'not retried until the text changes');
    } finally {
      d2.close();
    }
  });
});

describe('the app fits the base by itself after an import, in a process a training run stops', () => {
  let dir: string;
  let core: Core;
  const events: CoreEvent[] = [];
  before(() => {
    dir = tempDir('nib-basefit-core-');
    core = new Core(path.join(dir, 'data'), { idleLearning: false });
    core.on((e) => events.push(e));
  });
  after(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const waitFor = async (type: CoreEvent['type'], from: number, ms = 180_000) => {
    const t0 = Date.now();
    for (;;) {
      const e = events.slice(from).find((x) => x.type === type);
      if (e) return e;
      if (Date.now() - t0 > ms) throw new Error(`no ${type} event in ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  test('an import is followed by a fit; the base then suggests with what it chose', async () => {
    const from = events.length;
    const data = Buffer.from(plays.slice(0, 30_000)).toString('base64');
    await core.call('corpora.import', { corpus: 'plays', files: [{ name: 'plays.txt', data }] });
    assert.deepEqual(await waitFor('base-fitting', from), { type: 'base-fitting', corpus: 'plays' });
    const done = (await waitFor('base-fitted', from)) as Extract<CoreEvent, { type: 'base-fitted' }>;
    assert.equal(done.corpus, 'plays');
    const base = (
      (await core.call('models.list', {})) as { name: string; inUse: boolean; suggestSource: SourceChoice }[]
    ).find((m) => m.inUse)!;
    assert.equal(base.name, 'base');
    assert.deepEqual(base.suggestSource, done.choice);
    const s = (await core.call('suggest', { text: 'First Citizen:\nBefore we proceed any further, hear me ' })) as {
      model: string;
      source: string;
    };
    assert.deepEqual([s.model, s.source], ['base', done.choice!.source]);
  });

  test('starting a training run stops a fit under way; the run goes on', async () => {
    const data = Buffer.from(plays.slice(40_000, 60_000)).toString('base64');
    await core.call('corpora.import', { corpus: 'plays', files: [{ name: 'more.txt', data }] });
    // The import's own fit may already be under way; an explicit one waits for it, then runs.
    const from = events.length;
    const fit = core.call('models.fitBase', {});
    await waitFor('base-fitting', from);
    const fitOutcome = fit.then(
      () => 'finished',
      (e: Error) => `stopped: ${e.message}`,
    );
    await core.call('train.start', { corpus: 'plays', model: 'mine', from: 'base', maxSteps: 3 });
    assert.match(await fitOutcome, /^stopped: /);
    await waitFor('train-done', from);
    const mine = ((await core.call('models.list', {})) as { name: string; inUse: boolean; steps: number }[]).find(
      (m) => m.name === 'mine',
    )!;
    assert.equal(mine.steps, 3);
    assert.ok(mine.inUse, 'the personal model suggests now, not the base');
  });
});

test('the base as shipped stays when it saves more than every source fitted to the corpus, and is right half the time', () => {
  const m = (source: SourceChoice['source'], ksr: number, precision = 0.55) => ({
    source,
    ksr,
    precision,
    bitsPerChar: 2,
  });
  const choice = (base: SourceChoice['base']): SourceChoice => ({
    source: 'mix',
    lambda: 0.5,
    threshold: 0.3,
    corpus: 'notes',
    measured: [m('lstm', 0.2), m('ngram', 0.18), m('mix', 0.25)],
    chars: 20_000,
    ...(base && { base }),
  });
  const shipped = (ksr: number, precision = 0.55) => ({ ksr, precision, bitsPerChar: 2, threshold: 0.29 });
  assert.equal(shippedWins(choice(shipped(0.27))), true);
  assert.equal(shippedWins(choice(shipped(0.254))), false, 'within half a point: the fitted source');
  assert.equal(shippedWins(choice(shipped(0.3, 0.45))), false, 'wrong more often than right');
  assert.equal(shippedWins(choice(undefined)), false, 'not measured');
});
