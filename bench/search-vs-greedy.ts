/**
 * Greedy decoding against best-first search over word boundaries (src-main/ml/suggest.ts, option
 * `search`), at several confidence bars, on a model that `npm run bench:personal` left behind:
 *   node --import tsx bench/search-vs-greedy.ts CORPUS [MODEL] [MAX_CHARS] [SOURCES] [BARS] [WORK]
 *   e.g. node --import tsx bench/search-vs-greedy.ts speeches personal 8000 lstm 0.15,0.2,0.3
 * NIB_RANK=first ranks the search's candidates by their first word's probability instead of the
 * keystrokes they save on average. Results and the decision: bench/README.md.
 */
import { initBackend } from '../src-main/ml/backend.ts';
import { openDb } from '../src-main/store/db.ts';
import { getModel } from '../src-main/store/models.ts';
import { loadWeightsFor } from '../src-main/api/model-weights.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { splitTexts } from '../src-main/ml/train-data.ts';
import { corpusTexts, getCorpus } from '../src-main/store/corpora.ts';
import { evaluateWith, pickSegments } from '../src-main/api/evaluate.ts';
import { buildNgramFor } from '../src-main/api/ngram.ts';
import { fitLambda, MixtureModel } from '../src-main/ml/mixture.ts';
import { DEFAULT_SUGGEST, type StepModel } from '../src-main/ml/suggest.ts';
await initBackend();
const [corpusName, modelName = 'personal', maxChars = '8000', sources = 'lstm,ngram,mix', ths = '0.15,0.2,0.3,0.4', root = '/tmp/nib-personal'] = process.argv.slice(2);
const db = openDb(`${root}/data-${corpusName}`);
const row = getModel(db, modelName)!;
const { spec, weights } = loadWeightsFor(db, row);
const c = getCorpus(db, corpusName)!;
const texts = corpusTexts(db, c.id);
const heldOut = splitTexts(texts, 0.1).val;
const { segments } = pickSegments(heldOut, Number(maxChars), 4000);
const tok = CharTokenizer.fromSpec(spec);
const runner = new LstmRunner(spec, weights);
const { model: ngram } = buildNgramFor(texts, 0.1, spec.vocab);
const lambda = fitLambda(runner, runner.zeroState(), ngram, [] as number[], tok.encode(Array.from(segments[0].text).slice(0, 3000).join('')));
const mix = new MixtureModel(runner, ngram, lambda);
const models = { lstm: [runner, () => runner.zeroState()], ngram: [ngram, () => [] as number[]], mix: [mix, () => ({ a: runner.zeroState(), b: [] as number[] })] } as const;
console.log(`${corpusName} ${modelName} λ=${lambda}`);
for (const src of sources.split(',')) for (const search of ['greedy', 'best'] as const) for (const t of ths.split(',').map(Number)) {
  const t0 = performance.now();
  const [m, zero] = models[src as keyof typeof models] as unknown as [StepModel<unknown>, () => unknown];
  const r = evaluateWith(src, m, tok, zero, segments, { ...DEFAULT_SUGGEST, threshold: t, search });
  console.log(`${src.padEnd(6)} ${search.padEnd(7)} t=${t}  KSR ${(100*r.ksr).toFixed(1)}%  prec ${(100*r.precision).toFixed(1)}%  shown/100 ${r.shownPer100.toFixed(1)}  p95 ${r.latencyP95.toFixed(2)}ms  ${((performance.now()-t0)/1000).toFixed(1)}s`);
}
