import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { before, describe, test } from 'node:test';
import { initBackend } from '../src-main/ml/backend.ts';
import { NativeEngine } from '../src-main/ml/native-engine.ts';
import { loadNativeKernel, type NativeKernel } from '../src-main/ml/native-kernel.ts';
import { Rng } from '../src-main/ml/rng.ts';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import { TfjsEngine } from '../src-main/ml/tfjs-engine.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import { ROOT, referenceLogits, referenceLossAndGrads, relError, SHAKESPEARE } from './helpers.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { windows } from '../src-main/ml/train-data.ts';

const { kernel, why } = loadNativeKernel();
// The kernel is compiled by `npm ci` (postinstall); .ci/run fails when it is missing, so these
// tests only skip on a machine without a C compiler, and say so.
const skip = kernel ? false : `native kernel unavailable: ${why}`;

const spec = (V: number, E: number, units: number[]): ModelSpec => ({
  kind: 'char-lstm',
  vocab: Array.from({ length: V }, (_, i) => String.fromCharCode(97 + i)),
  unk: null,
  embedding: E,
  units,
  recurrentActivation: 'sigmoid',
});

function batch(V: number, B: number, T: number, seed: number) {
  const rng = new Rng(seed);
  const x = Int32Array.from({ length: B * T }, () => rng.int(V));
  const y = Int32Array.from({ length: B * T }, () => rng.int(V));
  return { x, y };
}

before(async () => {
  await initBackend();
});

describe('fused LSTM kernel against a float64 reference', { skip }, () => {
  const cases: [number[], number, number][] = [
    [[1], 1, 1],
    [[3], 7, 50],
    [[17], 1, 50],
    [[17, 3], 7, 50],
    [[256], 1, 50],
    [[256], 7, 1],
  ];
  for (const [units, B, T] of cases) {
    test(`units ${units.join('→')}, batch ${B}, seq ${T}: loss and every gradient within 1e-4`, () => {
      const s = spec(13, 5, units);
      const w = initWeights(s, units.length * 100 + B + T);
      const { x, y } = batch(13, B, T, B * 31 + T);
      const engine = new NativeEngine(kernel as NativeKernel, s, w);
      const got = engine.gradients(x, y, B, T);
      const ref = referenceLossAndGrads(w, units, x, y, B, T);
      assert.ok(Math.abs(got.loss - ref.loss) / ref.loss < 1e-5, `loss ${got.loss} vs ${ref.loss}`);
      got.grads.forEach((g, i) => {
        const e = relError(g.data, ref.grads[i]);
        assert.ok(e < 1e-4, `${g.name}: relative error ${e.toExponential(2)}`);
      });
    });
  }

  test('gradients pass a finite-difference check', () => {
    const s = spec(6, 3, [4, 3]);
    const w = initWeights(s, 77);
    const B = 2;
    const T = 5;
    const { x, y } = batch(6, B, T, 5);
    const engine = new NativeEngine(kernel as NativeKernel, s, w);
    const { grads } = engine.gradients(x, y, B, T);
    const lossAt = (ti: number, k: number, delta: number) => {
      const copy = w.map((a) => ({ ...a, data: new Float32Array(a.data) }));
      // float64 perturbation, evaluated by the float64 reference
      const data64 = Float64Array.from(copy[ti].data);
      data64[k] += delta;
      return referenceLossAndGrads(
        copy.map((a, i) => (i === ti ? { ...a, data: data64 as unknown as Float32Array } : a)),
        s.units,
        x,
        y,
        B,
        T,
      ).loss;
    };
    const h = 1e-5;
    let checked = 0;
    grads.forEach((g, ti) => {
      for (let k = 0; k < g.data.length; k += Math.max(1, Math.floor(g.data.length / 7))) {
        const fd = (lossAt(ti, k, h) - lossAt(ti, k, -h)) / (2 * h);
        assert.ok(
          Math.abs(fd - g.data[k]) < 2e-4 * Math.max(1, Math.abs(fd)),
          `${g.name}[${k}]: analytic ${g.data[k]}, finite difference ${fd}`,
        );
        checked++;
      }
    });
    assert.ok(checked > 40);
  });

  for (const act of ['sigmoid', 'hardSigmoid'] as const) {
    test(`batched logits match the float64 equations (${act})`, async () => {
      const s = { ...spec(9, 4, [17, 256]), recurrentActivation: act };
      // Weights large enough that hard-sigmoid clips.
      const w = initWeights(s, 3).map((a) => ({ ...a, data: a.data.map((v) => v * 3) }));
      const eng = new NativeEngine(kernel as NativeKernel, s, w);
      const tokens = [1, 8, 0, 3, 3, 7, 2];
      const ref = referenceLogits(w, s.units, tokens, act === 'hardSigmoid');
      const l = await eng.logits(Int32Array.from(tokens), 1, tokens.length);
      tokens.forEach((_, t) => assert.ok(relError(l.subarray(t * 9, (t + 1) * 9), ref[t]) < 1e-5, `t${t}`));
    });
  }
});

describe('fused LSTM kernel: threads and instruction sets', { skip }, () => {
  test('multi-threaded results equal single-threaded ones up to floating-point reassociation', () => {
    const k = kernel as NativeKernel;
    const s = spec(30, 16, [64, 48]);
    const w = initWeights(s, 8);
    const { x, y } = batch(30, 9, 21, 4);
    const before = k.info().threads;
    try {
      k.setThreads(1);
      const one = new NativeEngine(k, s, w).gradients(x, y, 9, 21, 0.3, 99);
      k.setThreads(Math.max(2, before));
      const many = new NativeEngine(k, s, w).gradients(x, y, 9, 21, 0.3, 99);
      assert.ok(Math.abs(one.loss - many.loss) < 1e-9 * one.loss);
      one.grads.forEach((g, i) => assert.ok(relError(many.grads[i].data, g.data) < 1e-6, g.name));
    } finally {
      k.setThreads(before);
    }
  });

  test('every instruction-set build this CPU runs gives the same logits', () => {
    const script = `
      import { loadNativeKernel } from './src-main/ml/native-kernel.ts';
      import { NativeEngine } from './src-main/ml/native-engine.ts';
      import { initWeights } from './src-main/ml/weights.ts';
      const s = { kind: 'char-lstm', vocab: [...'abcdefghijklm'], unk: null, embedding: 7, units: [19, 33], recurrentActivation: 'sigmoid' };
      const e = new NativeEngine(loadNativeKernel().kernel, s, initWeights(s, 5));
      const x = Int32Array.from({ length: 3 * 11 }, (_, i) => (i * 7) % 13);
      console.log(JSON.stringify({ isa: e.name, logits: Array.from(await e.logits(x, 3, 11)) }));`;
    const run = (isa: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NIB_KERNEL_ISA: isa },
      });
      return r.status === 0 ? (JSON.parse(r.stdout) as { isa: string; logits: number[] }) : null;
    };
    const base = run('base');
    assert.ok(base, 'the baseline build runs everywhere');
    assert.match(base.isa, /base/);
    const others = ['avx2', 'avx512'].map(run).filter((r) => r !== null);
    if (os.arch() === 'x64') assert.ok(others.length >= 1, 'an x86-64 CI machine has AVX2');
    for (const o of others) assert.ok(relError(o!.logits, base.logits) < 1e-5, o!.isa);
  });
});

test(
  'kernel and tfjs training track the same loss curve over 100 steps on tiny-shakespeare (same seed and data)',
  { skip },
  async () => {
    const text = fs.readFileSync(SHAKESPEARE, 'utf8').slice(0, 200_000);
    const vocab = [...new Set(text)].sort();
    const s: ModelSpec = {
      kind: 'char-lstm',
      vocab,
      unk: null,
      embedding: 16,
      units: [48],
      recurrentActivation: 'sigmoid',
    };
    const tok = new CharTokenizer(vocab, null);
    const stream = tok.encode(text);
    const w = initWeights(s, 21);
    const native = new NativeEngine(kernel as NativeKernel, s, w);
    const tfjs = new TfjsEngine(s, w);
    const B = 8;
    const T = 32;
    const pick = new Rng(5);
    const diffs: number[] = [];
    let first = 0;
    let last = [0, 0];
    for (let step = 0; step < 100; step++) {
      const { x, y } = windows(
        stream,
        Array.from({ length: B }, () => pick.int(stream.length - T - 1)),
        T,
      );
      const o = { lr: 5e-3, clipNorm: 5, dropout: 0, seed: step };
      const a = await native.trainStep(x, y, B, T, o);
      const b = await tfjs.trainStep(x, y, B, T, o);
      if (step === 0) first = a;
      diffs.push(Math.abs(a - b));
      last = [a, b];
    }
    tfjs.dispose();
    assert.ok(last[0] < first * 0.8, `the loss fell: ${first} → ${last[0]}`);
    assert.ok(Math.max(...diffs) < 0.02, `largest per-step loss difference ${Math.max(...diffs)}`);
  },
);
