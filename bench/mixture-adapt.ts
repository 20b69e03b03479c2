/**
 * The LSTM + n-gram mixture with one fixed weight against a weight that follows the text
 * (ml/mix-weight.ts), by what the writer gets: keystroke savings at ≥ 50% precision as `nib eval`
 * measures them (the document cache on), each setting at its own calibrated bar
 * (ml/calibrate.ts), and KSR interpolated to exactly 50% precision between the two bars around it
 * (so settings are compared at the same precision, not at the grid's), for a personal model
 * `npm run bench:personal` left behind:
 *   node --import tsx bench/mixture-adapt.ts --data-dir DIR --corpus NAME [--model personal]
 *     [--fixed 0,0.1,…,1] [--adaptive LAMBDA0/FORGET/PRIOR;…]
 * `--fixed` weights of the LSTM (0: the n-gram alone, 1: the LSTM alone); `--adaptive` starting
 * weight, forgetting and prior strength, e.g. "0.3/0.98/10" (the shipped settings with λ₀ 0.3).
 * Results and the decision: bench/README.md, "A mixture weight that follows the text".
 */
import { initBackend } from '../src-main/ml/backend.ts';
import { PRECISION_TARGET, type Measured } from '../src-main/ml/calibrate.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { MIX_ADAPT } from '../src-main/ml/mix-weight.ts';
import { MixtureModel } from '../src-main/ml/mixture.ts';
import type { StepModel } from '../src-main/ml/suggest.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { splitTexts } from '../src-main/ml/train-data.ts';
import { calibrateOn, pickSegments } from '../src-main/services/evaluate.ts';
import { loadWeightsFor } from '../src-main/services/model-weights.ts';
import { buildNgramFor } from '../src-main/services/ngram.ts';
import { corpusTexts, getCorpus } from '../src-main/store/corpora.ts';
import { openDb } from '../src-main/store/db.ts';
import { getModel } from '../src-main/store/models.ts';
import { opt } from './common.ts';

await initBackend();
const db = openDb(opt('data-dir'), { readonly: true });
const { spec, weights } = loadWeightsFor(db, getModel(db, opt('model', 'personal'))!);
const texts = corpusTexts(db, getCorpus(db, opt('corpus'))!.id);
// As chooseSource and `nib eval` measure: 20,000 held-out characters in chunks of 10,000.
const { segments } = pickSegments(splitTexts(texts, 0.1).val, 20_000, 10_000);
const tok = CharTokenizer.fromSpec(spec);
const runner = new LstmRunner(spec, weights);
const { model: ng } = buildNgramFor(texts, 0.1, spec.vocab);

/** KSR at exactly the target precision, interpolated between the tried bars around it. */
function atTarget(tried: Measured[]): number {
  const s = [...tried].sort((a, b) => a.threshold - b.threshold);
  for (let i = 0; i + 1 < s.length; i++)
    if (s[i].precision < PRECISION_TARGET && s[i + 1].precision >= PRECISION_TARGET) {
      const f = (PRECISION_TARGET - s[i].precision) / (s[i + 1].precision - s[i].precision);
      return s[i].ksr + f * (s[i + 1].ksr - s[i].ksr);
    }
  return NaN;
}

function measure<S>(label: string, model: StepModel<S>, zero: () => S): void {
  const { chosen, tried, bitsPerChar: bits } = calibrateOn(label, model, tok, zero, segments);
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  console.log(
    `${label}: ${bits.toFixed(4)} bits/char; bar ${chosen.threshold}: KSR ${pct(chosen.ksr)} at ${pct(chosen.precision)} precision; at exactly 50%: ${pct(atTarget(tried))}`,
  );
}

const list = (name: string) => opt(name, '').split(/[;,]/).filter(Boolean);
const zeroMix = () => ({ a: runner.zeroState(), b: [] as number[] });
for (const l of list('fixed').map(Number)) {
  if (l === 1) measure('LSTM alone', runner, () => runner.zeroState());
  else if (l === 0) measure('n-gram alone', ng, () => [] as number[]);
  else measure(`fixed λ ${l}`, new MixtureModel(runner, ng, l, null), zeroMix);
}
for (const a of opt('adaptive', '').split(';').filter(Boolean)) {
  const [l0, forget, prior] = a.split('/').map(Number);
  const adapt = { ...MIX_ADAPT, forget, prior };
  measure(`adaptive λ₀ ${l0}, forgetting ${forget}, prior ${prior}`, new MixtureModel(runner, ng, l0, adapt), zeroMix);
}
db.close();
