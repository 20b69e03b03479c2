import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { initBackend, type BackendReport } from '../src-main/ml/backend.ts';
import { describeChoice, timeEngines } from '../src-main/ml/engine-choice.ts';
import { NativeEngine } from '../src-main/ml/native-engine.ts';
import { loadNativeKernel, type NativeKernel } from '../src-main/ml/native-kernel.ts';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import { TfjsEngine } from '../src-main/ml/tfjs-engine.ts';
import { SHARED_UNK, SHARED_VOCAB } from '../src-main/ml/vocab.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import { engineFor } from '../src-main/services/engine-choice.ts';
import { openDb } from '../src-main/store/db.ts';
import { listEngineChoices } from '../src-main/store/engine-choices.ts';
import { tempDir } from './helpers.ts';

/*
 * Engines are chosen by measurement, not by a fixed order: real engines (Nib's kernel, tfjs on
 * WebAssembly) are timed on the model size at hand, and the choice is kept per size.
 */
const { kernel } = loadNativeKernel();
const skip = kernel ? false : 'native kernel unavailable';
const spec: ModelSpec = {
  kind: 'char-lstm',
  vocab: [...SHARED_VOCAB],
  unk: SHARED_UNK,
  embedding: 8,
  units: [16],
  recurrentActivation: 'sigmoid',
};
let backend: BackendReport;

before(async () => {
  backend = await initBackend();
});

describe('engine choice by measurement', { skip }, () => {
  test('the fastest engine measured wins; one that cannot train is reported with its reason, not chosen', async () => {
    const w = initWeights(spec, 1);
    const c = await timeEngines(
      [
        { id: 'tfjs', label: `tfjs ${backend.tfBackend}`, create: (s, w) => new TfjsEngine(s, w) },
        { id: 'kernel', label: 'nib-kernel', create: (s, w) => new NativeEngine(kernel as NativeKernel, s, w) },
        // Weights of another size: this engine refuses them, as a real engine would.
        {
          id: 'broken',
          label: 'broken',
          create: (s) => new NativeEngine(kernel as NativeKernel, { ...s, units: [17] }, w),
        },
      ],
      spec,
      w,
      8,
      16,
      0.3,
    );
    const speeds = c.timings.filter((t) => t.charsPerSec !== null);
    assert.equal(speeds.length, 2);
    assert.equal(c.id, speeds.reduce((a, b) => (b.charsPerSec! > a.charsPerSec! ? b : a)).id);
    assert.ok(speeds.every((t) => t.steps >= 3));
    const broken = c.timings.find((t) => t.id === 'broken')!;
    assert.equal(broken.charsPerSec, null);
    assert.ok(broken.error);
    assert.match(describeChoice(c), /\(chosen\)/);
    assert.match(describeChoice(c), /broken: /);
  });

  test('the first run of a size measures and records; the next reuses the record; a forced backend skips both', async () => {
    const dir = tempDir('nib-engines-');
    const db = openDb(path.join(dir, 'data'));
    try {
      const w = initWeights(spec, 2);
      const first = await engineFor(db, spec, w, { batch: 4, seqLen: 8 }, backend);
      first.engine.dispose();
      assert.match(first.why, /measured now/);
      const rows = listEngineChoices(db);
      assert.equal(rows.length, 1);
      const timings = JSON.parse(rows[0].timings) as { id: string; charsPerSec: number }[];
      // Both CPU engines (and WebGPU too, on a machine with a GPU adapter: test/webgpu-node.test.ts).
      assert.deepEqual(
        timings
          .map((t) => t.id)
          .filter((id) => id !== 'webgpu')
          .sort(),
        ['kernel', backend.tfBackend].sort(),
      );
      const again = await engineFor(db, spec, w, { batch: 4, seqLen: 8 }, backend);
      again.engine.dispose();
      assert.match(again.why, /measured \d{4}-\d\d-\d\d/);
      assert.equal(listEngineChoices(db)[0].measured_at, rows[0].measured_at);
      // The chosen engine is the one the record names.
      const id = (name: string) =>
        name.startsWith('nib-kernel') ? 'kernel' : name.startsWith('webgpu') ? 'webgpu' : backend.tfBackend;
      assert.equal(id(again.engine.name), rows[0].engine);
      // Another size is measured on its own.
      await engineFor(
        db,
        { ...spec, units: [24] },
        initWeights({ ...spec, units: [24] }, 3),
        { batch: 4, seqLen: 8 },
        backend,
      ).then((r) => r.engine.dispose());
      assert.equal(listEngineChoices(db).length, 2);
      const forced = await engineFor(db, spec, w, { batch: 4, seqLen: 8 }, { ...backend, forcedBy: 'NIB_BACKEND' });
      forced.engine.dispose();
      assert.match(forced.why, /forced by NIB_BACKEND/);
      assert.equal(listEngineChoices(db).length, 2);
    } finally {
      db.close();
    }
  });
});
