/**
 * Context-dependent mixture weights against one λ: the LSTM + n-gram mixture with λ chosen per
 * bucket of the n-gram's confidence in its context (how often it saw the longest context it knows,
 * or how far below its top order that context is), fitted on the first FIT_CHARS held-out
 * characters and measured on the next EVAL_CHARS, for a model `npm run bench:personal` left behind:
 *   node --import tsx bench/mixture-buckets.ts CORPUS [MODEL] [FIT_CHARS] [EVAL_CHARS]
 * Results and the decision (not kept): bench/README.md, "Mixture weights by context".
 */
import { initBackend } from '../src-main/ml/backend.ts';
import { openDb } from '../src-main/store/db.ts';
import { getModel } from '../src-main/store/models.ts';
import { loadWeightsFor } from '../src-main/services/model-weights.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { splitTexts } from '../src-main/ml/train-data.ts';
import { corpusTexts, getCorpus } from '../src-main/store/corpora.ts';
import { buildNgramFor } from '../src-main/services/ngram.ts';
await initBackend();
const [corpusName, modelName = 'personal', fitChars = '6000', evalChars = '20000'] = process.argv.slice(2);
const db = openDb(`/tmp/nib-personal/data-${corpusName}`);
const { spec, weights } = loadWeightsFor(db, getModel(db, modelName)!);
const c = getCorpus(db, corpusName)!;
const texts = corpusTexts(db, c.id);
const heldOut = Array.from(splitTexts(texts, 0.1).val);
const tok = CharTokenizer.fromSpec(spec);
const runner = new LstmRunner(spec, weights);
const { model: ng } = buildNgramFor(texts, 0.1, spec.vocab);
// Stream the held-out text once through both models, recording p_lstm, p_ngram and the n-gram's context stats.
const ids = tok.encode(heldOut.slice(0, Number(fitChars) + Number(evalChars)).join(''));
const s = runner.zeroState();
const ctx: number[] = [];
const rows: { pa: number; pb: number; order: number; total: number }[] = [];
for (let i = 0; i < ids.length; i++) {
  const pa = runner.probs(s)[ids[i]];
  const pb = ng.probs(ctx)[ids[i]];
  const st = ng.contextStats(ctx);
  rows.push({ pa, pb, ...st });
  runner.step(s, ids[i]);
  ng.step(ctx, ids[i]);
}
const fit = rows.slice(0, Number(fitChars));
const test = rows.slice(Number(fitChars));
const grid = Array.from({ length: 19 }, (_, k) => 0.05 + 0.05 * k);
const best = (rs: typeof rows) =>
  grid.reduce(
    (b, l) => {
      const loss = rs.reduce((t, r) => t - Math.log(l * r.pa + (1 - l) * r.pb), 0);
      return loss < b.loss ? { l, loss } : b;
    },
    { l: 0.5, loss: Infinity },
  ).l;
const bits = (rs: typeof rows, lam: (r: (typeof rows)[number]) => number) =>
  rs.reduce((t, r) => t - Math.log2(lam(r) * r.pa + (1 - lam(r)) * r.pb), 0) / rs.length;
const g = best(fit);
console.log(
  `${corpusName}: lstm ${bits(test, () => 1).toFixed(4)}, ngram ${bits(test, () => 0).toFixed(4)}, mix λ=${g.toFixed(2)} ${bits(test, () => g).toFixed(4)} bits/char`,
);
for (const scheme of ['count', 'order', 'both'] as const) {
  const bucket = (r: (typeof rows)[number]) => {
    const cnt = Math.min(5, Math.floor(Math.log2(1 + r.total)));
    const gap = Math.min(3, ng.order - r.order);
    return scheme === 'count' ? cnt : scheme === 'order' ? gap : gap * 6 + cnt;
  };
  const lam = new Map<number, number>();
  const groups = new Map<number, typeof rows>();
  for (const r of fit) groups.set(bucket(r), [...(groups.get(bucket(r)) ?? []), r]);
  for (const [b, rs] of groups) lam.set(b, rs.length >= 40 ? best(rs) : g);
  console.log(
    `  bucketed by ${scheme} (${groups.size} buckets): ${bits(test, (r) => lam.get(bucket(r)) ?? g).toFixed(4)} bits/char  ${[
      ...lam,
    ]
      .sort((a, b) => a[0] - b[0])
      .map(([b, l]) => `${b}:${l.toFixed(2)}`)
      .join(' ')}`,
  );
}
