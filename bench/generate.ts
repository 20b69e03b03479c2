/**
 * Inference latency with the medium preset: ms per generated character, and `suggest` p50/p95 as
 * the editor would call it (incremental: one new character per keystroke, then the suggestion).
 *   npm run bench:generate -- [--chars 500] [--keystrokes 200]
 * PyTorch's per-character generation time on the same model is printed alongside.
 */
import fs from 'node:fs';
import { DocumentState } from '../src-main/ml/document-state.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { generate } from '../src-main/ml/sample.ts';
import { PRESETS, type ModelSpec } from '../src-main/ml/spec.ts';
import { suggest } from '../src-main/ml/suggest.ts';
import { buildVocab, CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { initWeights } from '../src-main/ml/weights.ts';
import { arg, DATA, percentile, torchReference } from './common.ts';

const p = PRESETS.medium;
const text = fs.readFileSync(DATA, 'utf8');
const spec: ModelSpec = {
  kind: 'char-lstm',
  vocab: buildVocab([text]),
  unk: null,
  embedding: p.embedding,
  units: Array(p.layers).fill(p.units),
  recurrentActivation: 'sigmoid',
};
const runner = new LstmRunner(spec, initWeights(spec, 1));
const tok = CharTokenizer.fromSpec(spec);
const chars = arg('chars', 500);
generate(runner, tok, 'warm up', 50, { temperature: 1, topK: 0, topP: 1, seed: 1 });
const g = generate(runner, tok, 'ROMEO:', chars, { temperature: 1, topK: 0, topP: 1, seed: 1 });
console.log(
  `generate: nib (${runner.engine} step) ${g.msPerChar.toFixed(3)} ms per character (${chars} chars, medium preset, random weights)`,
);
const t = torchReference(['--generate', String(chars)]);
if (t.result)
  console.log(
    `generate: ${t.result.engine} ${Number(t.result.ms_per_char).toFixed(3)} ms per character; ratio pytorch/nib time ${(Number(t.result.ms_per_char) / g.msPerChar).toFixed(2)}`,
  );
else console.log(`pytorch: not run (${t.why})`);

// Suggest latency: a writer typing through held-out text, one keystroke at a time.
const held = text.slice(Math.floor(text.length * 0.9));
const doc = new DocumentState(runner, tok);
const n = arg('keystrokes', 200);
const lat: number[] = [];
for (let i = 200; i < 200 + n; i++) {
  const t0 = performance.now();
  doc.update(held.slice(0, i));
  suggest(runner, tok, doc.current, { maxChars: 48, maxWords: 4, threshold: 0 });
  lat.push(performance.now() - t0);
}
console.log(
  `suggest (threshold 0, so every call decodes to its boundary or 48 chars): p50 ${percentile(lat, 50).toFixed(2)} ms, p95 ${percentile(lat, 95).toFixed(2)} ms over ${n} keystrokes`,
);
