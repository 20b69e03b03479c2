import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ensureCorpus, insertDocument } from '../src-main/store/corpora.ts';
import { DB_FILE, openDb } from '../src-main/store/db.ts';
import { MIGRATIONS } from '../src-main/store/schema.ts';
import { createModel, deleteModel, saveCheckpoints } from '../src-main/store/models.ts';
import { deleteDraft, getDraft, saveDraft } from '../src-main/store/drafts.ts';
import { addMetrics, endRun, recentPace, startRun } from '../src-main/store/runs.ts';
import { tempDir } from './helpers.ts';

test('a new database is migrated, in WAL mode, with foreign keys enforced', () => {
  const dir = tempDir();
  const db = openDb(dir);
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.throws(
    () =>
      db
        .prepare(
          "INSERT INTO documents (corpus_id, name, format, sha256, size_bytes, chars, text) VALUES (99, 'x', 'text', 'h', 1, 1, 'x')",
        )
        .run(),
    /FOREIGN KEY/,
  );
  db.close();
  fs.rmSync(dir, { recursive: true });
});

test('deleting a model removes its checkpoints; deleting a corpus removes its documents but keeps models', () => {
  const dir = tempDir();
  const db = openDb(dir);
  const c = ensureCorpus(db, 'c');
  insertDocument(db, c.id, { name: 'a', sourcePath: null, format: 'text', sha256: 'h', sizeBytes: 1, text: 'a' });
  const m = createModel(db, { name: 'm', corpusId: c.id, corpusName: 'c', spec: {} });
  saveCheckpoints(
    db,
    m.id,
    [{ kind: 'latest', step: 1, valLoss: null, weights: new Uint8Array(8), optimizer: null, trainer: {} }],
    { steps: 1, trainSeconds: 0, bestValLoss: null },
  );
  db.prepare('DELETE FROM corpora WHERE id = ?').run(c.id);
  assert.equal((db.prepare('SELECT COUNT(*) n FROM documents').get() as { n: number }).n, 0);
  assert.equal((db.prepare('SELECT corpus_id FROM models').get() as { corpus_id: number | null }).corpus_id, null);
  deleteModel(db, 'm');
  assert.equal((db.prepare('SELECT COUNT(*) n FROM checkpoints').get() as { n: number }).n, 0);
  db.close();
  fs.rmSync(dir, { recursive: true });
});

test('a data folder from a newer Nib is refused with a clear message, not modified', () => {
  const dir = tempDir();
  const raw = new Database(path.join(dir, DB_FILE));
  raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
  raw.close();
  assert.throws(() => openDb(dir), /written by a newer Nib/);
  fs.rmSync(dir, { recursive: true });
});

test('saving to a draft that was deleted (or never existed) keeps the text as a new draft', () => {
  const dir = tempDir();
  const db = openDb(dir);
  const { id } = saveDraft(db, null, 'Letter', 'Dear Ann,');
  deleteDraft(db, id);
  const again = saveDraft(db, id, 'Letter', 'Dear Ann, thank you.').id;
  assert.equal(getDraft(db, again)?.text, 'Dear Ann, thank you.');
  assert.equal((db.prepare('SELECT COUNT(*) n FROM drafts').get() as { n: number }).n, 1);
  const never = saveDraft(db, 987654, 'Note', 'Never lost.').id;
  assert.equal(getDraft(db, never)?.text, 'Never lost.');
  db.close();
  fs.rmSync(dir, { recursive: true });
});

test('two windows saving one draft: the save from an older revision becomes a copy, neither text is lost', () => {
  const dir = tempDir();
  const db = openDb(dir);
  const first = saveDraft(db, null, 'Letter', 'Dear Ann,');
  assert.deepEqual(first, { id: first.id, revision: 0 });
  // Window A and window B both opened revision 0. A saves: revision 1.
  assert.deepEqual(saveDraft(db, first.id, 'Letter', 'Dear Ann, from A.', 0), { id: first.id, revision: 1 });
  // B saves what it typed on revision 0: A's text stays, B's goes to a copy, and B is told.
  const b = saveDraft(db, first.id, 'Letter', 'Dear Ann, from B.', 0);
  assert.equal(b.conflictWith, first.id);
  assert.notEqual(b.id, first.id);
  assert.equal(b.title, "Letter (this window's copy)");
  assert.equal(getDraft(db, first.id)?.text, 'Dear Ann, from A.');
  assert.equal(getDraft(db, b.id)?.text, 'Dear Ann, from B.');
  // A goes on from its own revision; B from its copy's: no more conflicts.
  assert.equal(saveDraft(db, first.id, 'Letter', 'Dear Ann, from A again.', 1).revision, 2);
  assert.equal(saveDraft(db, b.id, b.title!, 'Dear Ann, from B again.', b.revision).revision, 1);
  assert.equal(getDraft(db, first.id)?.revision, 2);
  // Without a revision (the CLI, an older page) a save overwrites, as before.
  assert.equal(saveDraft(db, first.id, 'Letter', 'Overwritten.').revision, 3);
  db.close();
  fs.rmSync(dir, { recursive: true });
});

test('the pace of a real run is found for a model of the same shape, batch and engine, and only then', () => {
  const dir = tempDir();
  const db = openDb(dir);
  const spec = { vocab: Array(213).fill('x'), embedding: 64, units: [256, 256] };
  const shape = { units: [256, 256], embedding: 64, vocab: 213, batch: 32, seqLen: 64, engine: 'nib-kernel (avx512)' };
  assert.equal(recentPace(db, shape), null, 'no run yet');
  const run = (
    name: string,
    s: object,
    config: object,
    engine: string,
    points: [number, number][],
    status = 'completed',
  ) => {
    const m = createModel(db, { name, corpusId: null, corpusName: null, spec: s });
    const id = startRun(db, m.id, config, engine, 0, 1);
    addMetrics(
      db,
      id,
      points.map(([step, elapsedSec]) => ({
        step,
        elapsedSec,
        trainLoss: 1,
        valLoss: null,
        lr: 0.001,
        charsPerSec: 1,
      })),
    );
    endRun(db, id, status, 'max-time');
  };
  // 1,100 steps in 120 s: 0.109 s a step.
  run('mine', spec, { batch: 32, seqLen: 64 }, 'nib-kernel (avx512, 2 threads)', [
    [100, 10.9],
    [1100, 120],
  ]);
  assert.ok(Math.abs(recentPace(db, shape)! - 109.1 / 1000) < 1e-9);
  // Another shape, batch, engine, a run too short or one that failed does not count, however recent.
  run('wide', { ...spec, units: [512, 512] }, { batch: 32, seqLen: 64 }, 'nib-kernel', [
    [0, 0],
    [500, 300],
  ]);
  run('batch', spec, { batch: 64, seqLen: 64 }, 'nib-kernel', [
    [0, 0],
    [500, 300],
  ]);
  run('gpu', spec, { batch: 32, seqLen: 64 }, 'webgpu (NVIDIA)', [
    [0, 0],
    [500, 30],
  ]);
  run('short', spec, { batch: 32, seqLen: 64 }, 'nib-kernel', [
    [0, 0],
    [50, 30],
  ]);
  run(
    'failed',
    spec,
    { batch: 32, seqLen: 64 },
    'nib-kernel',
    [
      [0, 0],
      [500, 30],
    ],
    'failed',
  );
  assert.ok(Math.abs(recentPace(db, shape)! - 109.1 / 1000) < 1e-9);
  assert.equal(recentPace(db, { ...shape, engine: 'webgpu (NVIDIA)' }), 30 / 500);
  db.close();
  fs.rmSync(dir, { recursive: true });
});
