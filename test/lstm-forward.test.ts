import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../src-main/ml/backend.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { loadNativeKernel } from '../src-main/ml/native-kernel.ts';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import { TfjsEngine } from '../src-main/ml/tfjs-engine.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import { maxAbsDiff, referenceLogits } from './helpers.ts';

const spec = (units: number[], act: ModelSpec['recurrentActivation'] = 'sigmoid'): ModelSpec => ({
  kind: 'char-lstm',
  vocab: [...'abcdefg'],
  unk: null,
  embedding: 5,
  units,
  recurrentActivation: act,
});

before(async () => {
  await initBackend();
});

// Gate order inside every 4H block is tfjs-layers' (and Keras'): input i, forget f, candidate c, output o.
for (const act of ['sigmoid', 'hardSigmoid'] as const) {
  test(`training forward pass matches the float64 SEED equations (${act}, 2 layers)`, async () => {
    const s = spec([6, 4], act);
    const w = initWeights(s, 7);
    const B = 2;
    const T = 5;
    const x = Int32Array.from([0, 3, 6, 2, 2, 1, 5, 4, 0, 6]);
    const engine = new TfjsEngine(s, w);
    const logits = await engine.logits(x, B, T);
    engine.dispose();
    for (let b = 0; b < B; b++) {
      const ref = referenceLogits(w, s.units, Array.from(x.subarray(b * T, (b + 1) * T)), act === 'hardSigmoid');
      for (let t = 0; t < T; t++) {
        const got = logits.subarray((b * T + t) * 7, (b * T + t + 1) * 7);
        assert.ok(maxAbsDiff(got, ref[t]) < 1e-5, `b${b} t${t}: ${maxAbsDiff(got, ref[t])}`);
      }
    }
  });

  for (const engine of ['js', 'native'] as const) {
    test(
      `incremental inference step (${engine}) matches the float64 SEED equations (${act}, 3 layers)`,
      { skip: engine === 'native' && !loadNativeKernel().kernel ? loadNativeKernel().why : false },
      () => {
        const s = spec([3, 17, 8], act);
        const w = initWeights(s, 11);
        const runner = new LstmRunner(s, w, engine === 'js' ? null : loadNativeKernel().kernel);
        assert.equal(runner.engine, engine);
        const tokens = [1, 4, 4, 0, 6, 2, 3, 5, 5, 1, 0, 2];
        const ref = referenceLogits(w, s.units, tokens, act === 'hardSigmoid');
        const state = runner.zeroState();
        tokens.forEach((tok, t) => {
          runner.step(state, tok);
          assert.ok(maxAbsDiff(runner.logits(state), ref[t]) < 1e-5, `t${t}`);
        });
      },
    );
  }
}
