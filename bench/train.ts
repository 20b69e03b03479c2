/**
 * Training speed on the medium preset, all in one run on the same machine: Nib's default engine
 * (the fused kernel where it loads), Nib on tfjs-wasm, and PyTorch.
 *   npm run bench:train -- [--steps 60] [--tfjs-steps 10] [--torch-steps 60]
 */
import fs from 'node:fs';
import { initBackend } from '../src-main/ml/backend.ts';
import { createEngine } from '../src-main/ml/engines.ts';
import type { TrainEngine } from '../src-main/ml/engine.ts';
import { TfjsEngine } from '../src-main/ml/tfjs-engine.ts';
import { NativeEngine } from '../src-main/ml/native-engine.ts';
import { Rng } from '../src-main/ml/rng.ts';
import { PRESETS, macsPerChar, paramCount, type ModelSpec } from '../src-main/ml/spec.ts';
import { buildVocab, CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { windows } from '../src-main/ml/train-data.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import { arg, DATA, torchReference } from './common.ts';

const steps = arg('steps', 60);
const tfjsSteps = arg('tfjs-steps', 10);
const torchSteps = arg('torch-steps', 60);
const p = PRESETS.medium;
const backend = await initBackend();
const text = fs.readFileSync(DATA, 'utf8');
const spec: ModelSpec = {
  kind: 'char-lstm',
  vocab: buildVocab([text]),
  unk: null,
  embedding: p.embedding,
  units: Array(p.layers).fill(p.units),
  recurrentActivation: 'sigmoid',
};
const data = CharTokenizer.fromSpec(spec).encode(text.slice(0, Math.floor(text.length * 0.9)));
const { seqLen: T, batch: B } = p;

async function measure(engine: TrainEngine, n: number): Promise<{ rate: number; sec: number; loss: number }> {
  const rng = new Rng(1);
  const step = () => {
    const { x, y } = windows(
      data,
      Array.from({ length: B }, () => rng.int(data.length - T - 1)),
      T,
    );
    return engine.trainStep(x, y, B, T, { lr: 2e-3, clipNorm: 5, dropout: 0, seed: 1 });
  };
  for (let i = 0; i < 3; i++) await step();
  const t0 = performance.now();
  let loss = 0;
  for (let i = 0; i < n; i++) loss = await step();
  const sec = (performance.now() - t0) / 1000;
  return { rate: (n * B * T) / sec, sec, loss };
}

const flopsPerChar = macsPerChar(spec) * 2 * 3;
console.log(
  `model: medium preset (${p.layers}×${p.units}, embedding ${p.embedding}, vocab ${spec.vocab.length}, ${paramCount(spec).toLocaleString('en-US')} params), seq ${T}, batch ${B}; ≈${(flopsPerChar / 1e6).toFixed(1)} MFLOP per character (forward + backward)`,
);
const main = createEngine(spec, initWeights(spec, 1), backend);
const nibRun = await measure(main, steps);
const nib = nibRun.rate;
console.log(
  `nib     ${main.name} [${backend.label}]: ${Math.round(nib).toLocaleString('en-US')} chars/s (${steps} steps in ${nibRun.sec.toFixed(1)} s; ≈${((nib * flopsPerChar) / 1e9).toFixed(1)} GFLOP/s)`,
);
main.dispose();
if (main instanceof NativeEngine) {
  // A second, profiled run: where a training step's time goes, phase by phase.
  process.env.NIB_KERNEL_PROFILE = '1';
  const prof = createEngine(spec, initWeights(spec, 1), backend) as NativeEngine;
  await measure(prof, 3);
  prof.profile();
  const n = 20;
  const t0 = performance.now();
  await measure(prof, n);
  const total = (performance.now() - t0) / 1000;
  const phases = prof.profile();
  const inKernel = phases.reduce((s, p) => s + p.seconds, 0);
  console.log(
    `profile (${n + 3} steps, ms per step): ${phases.map((p) => `${p.phase} ${((1000 * p.seconds) / (n + 3)).toFixed(1)}`).join('; ')}; Adam and JS ${((1000 * (total - inKernel)) / (n + 3)).toFixed(1)}`,
  );
}
if (tfjsSteps > 0 && main.name !== 'tfjs') {
  const tfjsEngine = new TfjsEngine(spec, initWeights(spec, 1));
  const r = await measure(tfjsEngine, tfjsSteps);
  tfjsEngine.dispose();
  console.log(
    `nib     tfjs ops [tfjs ${(await import('@tensorflow/tfjs')).getBackend()}]: ${Math.round(r.rate).toLocaleString('en-US')} chars/s (${tfjsSteps} steps in ${r.sec.toFixed(1)} s)`,
  );
}
const t = torchReference(['--steps', String(torchSteps)]);
if (t.result) {
  const ref = Number(t.result.chars_per_s);
  console.log(
    `pytorch ${t.result.engine}: ${Math.round(ref).toLocaleString('en-US')} chars/s (${t.result.steps} steps in ${Number(t.result.seconds).toFixed(1)} s)`,
  );
  console.log(`ratio nib/pytorch: ${(nib / ref).toFixed(3)}`);
} else console.log(`pytorch: not run (${t.why})`);
