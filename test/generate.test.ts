import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { generate } from '../src-main/ml/sample.ts';
import type { ModelSpec } from '../src-main/ml/spec.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { UNKNOWN } from '../src-main/ml/vocab.ts';
import { initWeights } from '../src-main/ml/weights.ts';

test('generated text never contains the unknown symbol, even where the model favours it', () => {
  const vocab = [...' abc', UNKNOWN];
  const spec: ModelSpec = {
    kind: 'char-lstm',
    vocab,
    unk: vocab.length - 1,
    embedding: 4,
    units: [8],
    recurrentActivation: 'sigmoid',
  };
  const weights = initWeights(spec, 1);
  // The output layer's bias: the last array. The unknown symbol gets e^4 ≈ 55 times any other's odds.
  const bias = weights.at(-1)!;
  assert.equal(bias.data.length, vocab.length);
  bias.data[spec.unk!] = 4;
  const runner = new LstmRunner(spec, weights);
  const tok = CharTokenizer.fromSpec(spec);
  const probs = runner.probs(runner.zeroState());
  assert.ok(probs[spec.unk!] > 0.8, `the model favours the unknown symbol (${probs[spec.unk!]})`);
  for (const seed of [1, 2, 3]) {
    const out = generate(runner, tok, 'ab', 200, { temperature: 1, topK: 0, topP: 1, seed });
    assert.equal(Array.from(out.text).length, 200);
    assert.ok(!out.text.includes(UNKNOWN), out.text);
    assert.match(out.text, /^[ abc]+$/);
  }
});
