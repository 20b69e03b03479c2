import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM, openWebGpuPage, type WebGpuPage } from '../bench/webgpu-page.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { NativeEngine } from '../src-main/ml/native-engine.ts';
import { loadNativeKernel, type NativeKernel } from '../src-main/ml/native-kernel.ts';
import { Rng } from '../src-main/ml/rng.ts';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import { initWeights, type Weights } from '../src-main/ml/weights.ts';
import { referenceLogits, referenceLossAndGrads, relError, SHAKESPEARE } from './helpers.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { DEFAULT_TRAIN } from '../src-main/ml/train-config.ts';
import { initialTrainerState, runTraining } from '../src-main/ml/train-loop.ts';
import { SHARED_UNK, SHARED_VOCAB } from '../src-main/ml/vocab.ts';

/*
 * The WebGPU engine's WGSL kernels (src-main/ml/webgpu/) run in headless Chromium on its software
 * adapter (SwiftShader, with --enable-unsafe-webgpu; WebGPU needs a secure context, so the page is
 * served from http://127.0.0.1). Loss and every gradient are checked against the same float64
 * reference as the native kernel, and a short training run against the native kernel's losses.
 * Shapes are small: SwiftShader emulates the GPU on the CPU.
 */

const skip = !fs.existsSync(CHROMIUM) ? 'Debian chromium is not installed (apt-get install -y chromium)' : false;
const { kernel } = loadNativeKernel();

let gpuPage: WebGpuPage;

const spec = (V: number, E: number, units: number[], hard = false): ModelSpec => ({
  kind: 'char-lstm',
  vocab: Array.from({ length: V }, (_, i) => String.fromCharCode(97 + i)),
  unk: null,
  embedding: E,
  units,
  recurrentActivation: hard ? 'hardSigmoid' : 'sigmoid',
});

function batch(V: number, B: number, T: number, seed: number) {
  const rng = new Rng(seed);
  return {
    x: Int32Array.from({ length: B * T }, () => rng.int(V)),
    y: Int32Array.from({ length: B * T }, () => rng.int(V)),
  };
}

before(async () => {
  if (skip) return;
  gpuPage = await openWebGpuPage();
});

after(async () => {
  await gpuPage?.close();
});

/** Runs `body` in the page with a fresh engine over `s` and `w`; the engine is `e` there. */
const inPage = <T>(s: ModelSpec, w: Weights, body: string, arg: unknown = null): Promise<T> =>
  gpuPage.run<T>(s, w, body, arg);

describe('WebGPU engine (WGSL on SwiftShader) against the float64 reference', { skip }, () => {
  // [units, batch, seq, embedding]. The last has products of at least 64 rows and columns (72 rows
  // of B·T, 67 embedding columns, K not a multiple of 16), so every product of the step but the
  // dense layer's runs in MATMUL's 64×64 tiles, each transposition included; smaller ones in
  // MATMUL_SMALL's.
  const cases: [number[], number, number, number][] = [
    [[5], 1, 1, 5],
    [[7], 3, 6, 5],
    [[7, 6], 2, 5, 5],
    [[300], 2, 3, 5],
    [[70, 66], 9, 8, 67],
  ];
  for (const [units, B, T, E] of cases) {
    test(`units ${units.join('→')}, batch ${B}, seq ${T}, embedding ${E}: loss and every gradient within 1e-4`, async () => {
      const s = spec(11, E, units);
      const w = initWeights(s, units.length * 100 + B + T);
      const { x, y } = batch(11, B, T, B * 31 + T);
      const got = await inPage<{ loss: number; grads: number[][] }>(
        s,
        w,
        `const r = await e.gradients(I(arg.x), I(arg.y), arg.B, arg.T);
         return { loss: r.loss, grads: r.grads.map((g) => Array.from(g.data)) };`,
        { x: Array.from(x), y: Array.from(y), B, T },
      );
      const ref = referenceLossAndGrads(w, units, x, y, B, T);
      assert.ok(Math.abs(got.loss - ref.loss) / ref.loss < 1e-5, `loss ${got.loss} vs ${ref.loss}`);
      got.grads.forEach((g, i) => {
        const e = relError(g, ref.grads[i]);
        assert.ok(e < 1e-4, `${w[i].name}: relative error ${e.toExponential(2)}`);
      });
    });
  }

  for (const hard of [false, true]) {
    test(`logits of a batch match the float64 equations (${hard ? 'hard sigmoid' : 'sigmoid'})`, async () => {
      const s = spec(9, 4, [6, 5], hard);
      const w = initWeights(s, 5);
      const tokens = [1, 4, 0, 8, 3, 3, 7];
      const got = await inPage<number[]>(s, w, `return Array.from(await e.logits(I(arg), 1, arg.length));`, tokens);
      const ref = referenceLogits(w, s.units, tokens, hard).flat();
      assert.ok(relError(got, ref) < 1e-5, `relative error ${relError(got, ref).toExponential(2)}`);
    });
  }

  test(
    "dropout between layers draws the native kernel's masks: loss and every gradient match it at dropout 0.3",
    { skip: kernel ? false : 'native kernel unavailable' },
    async () => {
      const s = spec(10, 5, [9, 7]);
      const w = initWeights(s, 21);
      const B = 3;
      const T = 6;
      const { x, y } = batch(10, B, T, 77);
      const native = new NativeEngine(kernel as NativeKernel, s, w);
      for (const seed of [1, 0xdeadbeef]) {
        const ref = native.gradients(x, y, B, T, 0.3, seed);
        const plain = native.gradients(x, y, B, T, 0, 0);
        const got = await inPage<{ loss: number; grads: number[][] }>(
          s,
          w,
          `const r = await e.gradients(I(arg.x), I(arg.y), arg.B, arg.T, 0.3, arg.seed);
           return { loss: r.loss, grads: r.grads.map((g) => Array.from(g.data)) };`,
          { x: Array.from(x), y: Array.from(y), B, T, seed },
        );
        // The masks did something (the loss moved from the undropped one), and the same thing.
        assert.ok(Math.abs(ref.loss - plain.loss) > 1e-4, 'dropout changed the native loss');
        assert.ok(Math.abs(got.loss - ref.loss) / ref.loss < 1e-5, `seed ${seed}: loss ${got.loss} vs ${ref.loss}`);
        got.grads.forEach((g, i) => {
          const e = relError(g, ref.grads[i].data);
          assert.ok(e < 1e-4, `seed ${seed}, ${w[i].name}: relative error ${e.toExponential(2)}`);
        });
      }
    },
  );

  test('single-step inference for several states at once matches LstmRunner, state and logits', async () => {
    for (const hard of [false, true]) {
      const s = spec(9, 4, [6, 5], hard);
      const w = initWeights(s, 8);
      const runner = new LstmRunner(s, w, null);
      // Three candidates, each stepped through its own three tokens.
      const seqs = [
        [1, 4, 0],
        [8, 8, 2],
        [3, 7, 5],
      ];
      const refStates = seqs.map(() => runner.zeroState());
      const refLogits: number[][][] = [];
      for (let t = 0; t < 3; t++) {
        refLogits.push(
          seqs.map((q, k) => {
            runner.step(refStates[k], q[t]);
            return Array.from(runner.logits(refStates[k]));
          }),
        );
      }
      const got = await inPage<{ logits: number[][]; states: number[]; dispatches: number }>(
        s,
        w,
        `const K = arg.seqs.length;
         const states = new Float32Array(K * arg.stride);
         const logits = [];
         for (let t = 0; t < 3; t++) logits.push(Array.from(await e.step(states, I(arg.seqs.map((q) => q[t])))));
         return { logits, states: Array.from(states), dispatches: e.dispatchesPerInferenceStep(K) };`,
        { seqs, stride: 2 * (6 + 5) },
      );
      assert.equal(got.dispatches, 3, 'one per layer and the dense layer');
      for (let t = 0; t < 3; t++) {
        const e = relError(got.logits[t], refLogits[t].flat());
        assert.ok(e < 1e-5, `${hard ? 'hard ' : ''}step ${t + 1}: logits relative error ${e.toExponential(2)}`);
      }
      const refFlat = refStates.flatMap((st) => Array.from(st.flat));
      assert.ok(relError(got.states, refFlat) < 1e-5, 'the states it leaves');
    }
  });

  test('a step is one submission of 10 + 8 dispatches per layer (10 with dropout)', async () => {
    const s = spec(9, 4, [6, 5, 4]);
    const n = await inPage<number[]>(
      s,
      initWeights(s, 1),
      `return [e.dispatchesPerStep(4, 8), e.dispatchesPerStep(4, 8, 0.2)];`,
    );
    // Dropout adds a mask per layer forward and a masked gradient per layer backward.
    assert.deepEqual(n, [10 + 8 * 3, 10 + 10 * 3]);
  });

  test(
    'twenty Adam steps track the native kernel: losses, then weights and moments after sync()',
    { skip: kernel ? false : 'native kernel unavailable' },
    async () => {
      const s = spec(12, 6, [16, 8]);
      const w = initWeights(s, 9);
      const B = 4;
      const T = 12;
      const batches = Array.from({ length: 20 }, (_, i) => batch(12, B, T, 100 + i));
      const opts = { lr: 0.01, clipNorm: 1, dropout: 0, seed: 0 };
      const native = new NativeEngine(kernel as NativeKernel, s, w);
      const nativeLosses: number[] = [];
      for (const b of batches) nativeLosses.push(await native.trainStep(b.x, b.y, B, T, opts));
      const gpu = await inPage<{ losses: number[]; weights: number[][]; m: number[][]; t: number }>(
        s,
        w,
        `const losses = [];
         for (const b of arg.batches) losses.push(await e.trainStep(I(b.x), I(b.y), arg.B, arg.T, arg.opts));
         await e.sync();
         const st = e.getOptimizerState();
         return { losses, weights: e.getWeights().map((a) => Array.from(a.data)), m: st.m.map((a) => Array.from(a.data)), t: st.t };`,
        { batches: batches.map((b) => ({ x: Array.from(b.x), y: Array.from(b.y) })), B, T, opts },
      );
      gpu.losses.forEach((l, i) =>
        assert.ok(Math.abs(l - nativeLosses[i]) < 1e-3, `step ${i + 1}: ${l} vs native ${nativeLosses[i]}`),
      );
      assert.ok(nativeLosses.at(-1)! < nativeLosses[0], 'it learned');
      assert.equal(gpu.t, 20);
      const nw = native.getWeights();
      const nm = native.getOptimizerState().m;
      gpu.weights.forEach((a, i) => {
        const e = relError(a, nw[i].data);
        assert.ok(e < 1e-3, `${nw[i].name}: relative error ${e.toExponential(2)}`);
      });
      gpu.m.forEach((a, i) => assert.ok(relError(a, nm[i].data) < 1e-2, `m of ${nm[i].name}`));
    },
  );

  test(
    'the training loop drives it as it drives the native kernel: the same validation losses, weights synced at every evaluation and checkpoint',
    { skip: kernel ? false : 'native kernel unavailable' },
    async () => {
      const tok = CharTokenizer.fromSpec({ ...spec(1, 1, [1]), vocab: [...SHARED_VOCAB], unk: SHARED_UNK });
      const text = fs.readFileSync(SHAKESPEARE, 'utf8').slice(0, 6000);
      const data = { train: tok.encode(text.slice(0, 5000)), val: tok.encode(text.slice(5000)) };
      const s: ModelSpec = { ...spec(1, 8, [12, 10]), vocab: [...SHARED_VOCAB], unk: SHARED_UNK };
      const w = initWeights(s, 4);
      const config = {
        ...DEFAULT_TRAIN,
        seqLen: 16,
        batch: 4,
        maxSteps: 30,
        evalEvery: 10,
        evalWindows: 16,
        checkpointEverySec: 0.001,
      };
      const native = new NativeEngine(kernel as NativeKernel, s, w);
      const nativeEvals: number[] = [];
      await runTraining(native, data, config, initialTrainerState(config), {
        onProgress() {},
        onEval: (ev) => void nativeEvals.push(ev.valLoss),
        onCheckpoint() {},
        shouldStop: () => null,
      });
      const gpu = await inPage<{ evals: number[]; checkpoints: number; firstWeight: number }>(
        s,
        w,
        `const evals = [];
         let checkpoints = 0;
         let firstWeight = 0;
         await nib.runTraining(e, { train: I(arg.train), val: I(arg.val) }, arg.config, nib.initialTrainerState(arg.config), {
           onProgress() {},
           async onEval(ev) { await e.sync(); firstWeight = e.getWeights()[0].data[0]; evals.push(ev.valLoss); },
           async onCheckpoint() { await e.sync(); e.getOptimizerState(); checkpoints++; },
           shouldStop: () => null,
         });
         return { evals, checkpoints, firstWeight };`,
        { train: Array.from(data.train), val: Array.from(data.val), config },
      );
      assert.equal(gpu.evals.length, 3);
      gpu.evals.forEach((v, i) =>
        assert.ok(Math.abs(v - nativeEvals[i]) < 2e-3, `evaluation ${i + 1}: ${v} vs native ${nativeEvals[i]}`),
      );
      assert.ok(gpu.checkpoints >= 1);
      assert.ok(Math.abs(gpu.firstWeight - native.getWeights()[0].data[0]) < 1e-3);
    },
  );

  test('a device lost mid-run: training falls back to a CPU engine from the last checkpoint, says why, and finishes', async () => {
    const tok = CharTokenizer.fromSpec({ ...spec(1, 1, [1]), vocab: [...SHARED_VOCAB], unk: SHARED_UNK });
    const text = fs.readFileSync(SHAKESPEARE, 'utf8').slice(0, 6000);
    const s: ModelSpec = { ...spec(1, 6, [10]), vocab: [...SHARED_VOCAB], unk: SHARED_UNK };
    const config = {
      ...DEFAULT_TRAIN,
      seqLen: 16,
      batch: 4,
      maxSteps: 30,
      evalEvery: 10,
      evalWindows: 8,
      checkpointEverySec: 0,
    };
    const r = await inPage<{
      why: string;
      fromStep: number;
      checkpoints: number[];
      steps: number;
      engine: string;
      losses: number[];
    }>(
      s,
      initWeights(s, 3),
      `const checkpoints = [];
       const losses = [];
       let why = null, fromStep = -1;
       await e.sync();
       const start = { weights: e.getWeights(), optimizer: null };
       const out = await nib.trainWithFallback(
         e,
         (w, o) => nib.cpuEngine(spec, w),
         (reason, step) => { why = reason; fromStep = step; },
         { train: I(arg.train), val: I(arg.val) }, arg.config, nib.initialTrainerState(arg.config),
         {
           onProgress(p) {
             losses.push(p.trainLoss);
             // The device goes away under the run, as a driver reset or an unplugged GPU would.
             if (p.step === 12 && !why) device.destroy();
           },
           onEval() {},
           async onCheckpoint(st) { checkpoints.push(st.step); },
           shouldStop: () => null,
         },
         start,
       );
       return { why, fromStep, checkpoints, steps: out.state.step, engine: out.engine.name, losses };`,
      {
        train: Array.from(tok.encode(text.slice(0, 5000))),
        val: Array.from(tok.encode(text.slice(5000))),
        config,
      },
    );
    assert.match(r.why, /GPU device was lost|GPU failed/);
    // It went on from the last checkpoint written before the loss (one per step here: step 12 or 13).
    assert.ok(r.fromStep >= 11 && r.fromStep <= 13, `resumed from step ${r.fromStep}`);
    assert.equal(r.engine, 'tfjs');
    assert.equal(r.steps, 30);
    assert.ok(r.losses.every((l) => Number.isFinite(l)));
  });

  test('weights read before sync() after a step are refused, not stale', async () => {
    const s = spec(6, 3, [4]);
    const msg = await inPage<string>(
      s,
      initWeights(s, 2),
      `await e.trainStep(I([1,2,3,4]), I([2,3,4,5]), 1, 4, { lr: 0.01, clipNorm: 5, dropout: 0, seed: 0 });
       try { e.getWeights(); return 'returned'; } catch (err) { return err.message; }`,
    );
    assert.match(msg, /await sync\(\) after training steps/);
  });
});
