/**
 * Training speed: Nib's engine on the medium preset against PyTorch on the same machine, same run.
 *   npm run bench:train -- [--steps 20] [--torch-steps 60]
 */
import fs from 'node:fs';
import { initBackend } from '../src-main/ml/backend.ts';
import { createEngine } from '../src-main/ml/engines.ts';
import { Rng } from '../src-main/ml/rng.ts';
import { PRESETS, macsPerChar, paramCount, type ModelSpec } from '../src-main/ml/spec.ts';
import { buildVocab, CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { windows } from '../src-main/ml/train-data.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import { arg, DATA, torchReference } from './common.ts';

const steps = arg('steps', 20);
const torchSteps = arg('torch-steps', 60);
const p = PRESETS.medium;
const backend = await initBackend();
const text = fs.readFileSync(DATA, 'utf8');
const spec: ModelSpec = { kind: 'char-lstm', vocab: buildVocab([text]), unk: null, embedding: p.embedding, units: Array(p.layers).fill(p.units), recurrentActivation: 'sigmoid' };
const data = CharTokenizer.fromSpec(spec).encode(text.slice(0, Math.floor(text.length * 0.9)));
const engine = createEngine(spec, initWeights(spec, 1), backend);
const rng = new Rng(1);
const { seqLen: T, batch: B } = p;
const step = () => {
  const { x, y } = windows(data, Array.from({ length: B }, () => rng.int(data.length - T - 1)), T);
  return engine.trainStep(x, y, B, T, { lr: 2e-3, clipNorm: 5, dropout: 0, seed: 1 });
};
for (let i = 0; i < 3; i++) await step();
const t0 = performance.now();
let loss = 0;
for (let i = 0; i < steps; i++) loss = await step();
const sec = (performance.now() - t0) / 1000;
const nib = (steps * B * T) / sec;
const gflops = (nib * macsPerChar(spec) * 2 * 3) / 1e9;
console.log(`model: medium preset (${p.layers}×${p.units}, embedding ${p.embedding}, vocab ${spec.vocab.length}, ${paramCount(spec).toLocaleString('en-US')} params), seq ${T}, batch ${B}`);
console.log(`nib     ${engine.name} on ${backend.label}: ${Math.round(nib).toLocaleString('en-US')} chars/s (${steps} steps in ${sec.toFixed(1)} s, loss ${loss.toFixed(3)}; ≈${gflops.toFixed(1)} GFLOP/s effective)`);
const t = torchReference(['--steps', String(torchSteps)]);
if (t.result) {
  const ref = Number(t.result.chars_per_s);
  console.log(`pytorch ${t.result.engine}: ${Math.round(ref).toLocaleString('en-US')} chars/s (${t.result.steps} steps in ${Number(t.result.seconds).toFixed(1)} s)`);
  console.log(`ratio nib/pytorch: ${(nib / ref).toFixed(3)}`);
} else console.log(`pytorch: not run (${t.why})`);
