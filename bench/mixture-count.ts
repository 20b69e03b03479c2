/**
 * The LSTM + n-gram mixture with the n-gram's weight set by how often it saw its context
 * (w = a·c / (c + β), c the count of the longest context it knows) against one fixed weight, by
 * keystroke savings as `nib eval` measures them (the document cache on, the same bar), for a
 * personal model `npm run bench:personal` left behind:
 *   node --import tsx bench/mixture-count.ts --data-dir DIR --corpus NAME [--model personal] --a 0.95 --beta 0.25 --bars 0.35
 * With --beta 0 the weight is `a` everywhere (the shipped mixture, λ = 1 − a). Results and the
 * decision (not kept): bench/README.md, "Mixture weights by context".
 */
import { initBackend } from '../src-main/ml/backend.ts';
import { openDb } from '../src-main/store/db.ts';
import { getModel } from '../src-main/store/models.ts';
import { loadWeightsFor } from '../src-main/services/model-weights.ts';
import { LstmRunner, type LstmState } from '../src-main/ml/lstm-runner.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { splitTexts } from '../src-main/ml/train-data.ts';
import { corpusTexts, getCorpus } from '../src-main/store/corpora.ts';
import { buildNgramFor } from '../src-main/services/ngram.ts';
import { evaluateWith, pickSegments } from '../src-main/services/evaluate.ts';
import { MixtureModel } from '../src-main/ml/mixture.ts';
import { DEFAULT_SUGGEST } from '../src-main/ml/suggest.ts';
import { opt } from './common.ts';

await initBackend();
const db = openDb(opt('data-dir'), { readonly: true });
const { spec, weights } = loadWeightsFor(db, getModel(db, opt('model', 'personal'))!);
const texts = corpusTexts(db, getCorpus(db, opt('corpus'))!.id);
const { segments } = pickSegments(splitTexts(texts, 0.1).val, 20000);
const tok = CharTokenizer.fromSpec(spec);
const runner = new LstmRunner(spec, weights);
const { model: ng } = buildNgramFor(texts, 0.1, spec.vocab);
const a = Number(opt('a'));
const beta = Number(opt('beta'));

/** The mixture with the n-gram's weight by its context's count. */
class CountMixture extends MixtureModel<LstmState, number[]> {
  constructor() {
    super(runner, ng, 1 - a, null); // its own weight, not one that follows the text
  }
  override probs(s: { a: LstmState; b: number[] }): Float32Array {
    const pa = runner.probs(s.a);
    const pb = ng.probs(s.b);
    const c = ng.contextStats(s.b).total;
    const w = beta > 0 ? (a * c) / (c + beta) : a;
    const out = new Float32Array(pa.length);
    for (let i = 0; i < pa.length; i++) out[i] = (1 - w) * pa[i] + w * pb[i];
    return out;
  }
}
const model = new CountMixture();
for (const threshold of opt('bars').split(',').map(Number)) {
  const r = evaluateWith('mix', model, tok, () => ({ a: runner.zeroState(), b: [] }), segments, {
    ...DEFAULT_SUGGEST,
    threshold,
  });
  console.log(
    `w = ${a}·c/(c+${beta}) at bar ${threshold}: KSR ${(100 * r.ksr).toFixed(1)}%, precision ${(100 * r.precision).toFixed(1)}%, ${r.bitsPerChar.toFixed(3)} bits/char`,
  );
}
db.close();
