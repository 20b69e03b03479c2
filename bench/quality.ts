/**
 * Quality per wall-clock: the medium preset trained for the same number of seconds by Nib and by
 * PyTorch on the first 90% of tiny-shakespeare, then validation loss on the last 10% (the same 256
 * evenly spaced windows of 64 characters for both).
 *   npm run bench:quality -- [--seconds 300]
 */
import fs from 'node:fs';
import { initBackend } from '../src-main/ml/backend.ts';
import { createEngine } from '../src-main/ml/engines.ts';
import { Rng } from '../src-main/ml/rng.ts';
import { PRESETS, type ModelSpec } from '../src-main/ml/spec.ts';
import { buildVocab, CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { DEFAULT_TRAIN } from '../src-main/ml/train-config.ts';
import { windows } from '../src-main/ml/train-data.ts';
import { evaluate } from '../src-main/ml/train-loop.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import { arg, DATA, torchReference } from './common.ts';

const seconds = arg('seconds', 300);
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
const tok = CharTokenizer.fromSpec(spec);
const cut = Math.floor(text.length * 0.9);
const train = tok.encode(text.slice(0, cut));
const val = tok.encode(text.slice(cut));
const engine = createEngine(spec, initWeights(spec, 1), backend);
const rng = new Rng(1);
const { seqLen: T, batch: B } = p;
const t0 = performance.now();
let steps = 0;
let loss = 0;
while ((performance.now() - t0) / 1000 < seconds) {
  const { x, y } = windows(
    train,
    Array.from({ length: B }, () => rng.int(train.length - T - 1)),
    T,
  );
  loss = await engine.trainStep(x, y, B, T, { lr: 2e-3, clipNorm: 5, dropout: 0, seed: steps });
  steps++;
}
const sec = (performance.now() - t0) / 1000;
const valLoss = await evaluate(engine, val, { ...DEFAULT_TRAIN, seqLen: T, batch: B, evalWindows: 256 });
console.log(
  `nib     ${engine.name}: ${steps} steps in ${sec.toFixed(0)} s, train loss ${loss.toFixed(3)}, validation ${valLoss.toFixed(4)} nats/char (${(valLoss / Math.LN2).toFixed(3)} bits)`,
);
const t = torchReference(['--seconds', String(seconds), '--eval', '--warmup', '0']);
if (t.result) {
  const v = Number(t.result.val_loss);
  console.log(
    `pytorch ${t.result.engine}: ${t.result.steps} steps in ${Number(t.result.seconds).toFixed(0)} s, train loss ${Number(t.result.train_loss).toFixed(3)}, validation ${v.toFixed(4)} nats/char (${(v / Math.LN2).toFixed(3)} bits)`,
  );
  console.log(`validation loss nib − pytorch: ${(valLoss - v).toFixed(4)} nats/char (negative is better for nib)`);
} else console.log(`pytorch: not run (${t.why})`);
