/**
 * An experiment (session 19), not yet in the app: would the base n-gram's weight in the pair
 * (ml/ngram-pair.ts) pay for following the text as the LSTM's does (ml/mix-weight.ts)? After
 * `npm run bench:base-fit -- --corpora speeches,technical,fiction,email --work W` has fitted the
 * base in W/data-NAME, this reads each corpus's drafts (W/corpus/drafts/NAME, 20,000 characters)
 * once with the base LSTM, the corpus n-gram and the base n-gram, and prints the bits/char of: the
 * app's mixture today (λ following the text, the pair's μ fixed), both weights following the text,
 * and one three-way weight following it (the same online EM, floors 0.01). Results: bench/README.md.
 *   node --import tsx bench/mixture-three-way.ts [--work /tmp/nib-base-fit] [--corpora a,b]
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDb } from '../src-main/store/db.ts';
import { getBaseModel } from '../src-main/store/models.ts';
import { getCorpus } from '../src-main/store/corpora.ts';
import { loadWeightsFor } from '../src-main/services/model-weights.ts';
import { loadStoredNgram } from '../src-main/services/ngram.ts';
import { shippedNgram } from '../src-main/services/base-model.ts';
import { LstmRunner } from '../src-main/ml/lstm-runner.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { initBackend } from '../src-main/ml/backend.ts';
import { opt } from './common.ts';
await initBackend();
const work = path.resolve(opt('work', '/tmp/nib-base-fit'));
const names = opt('corpora', 'speeches,technical,fiction,email').split(',');
for (const name of names) {
  const db = openDb(path.join(work, `data-${name}`));
  const base = getBaseModel(db)!;
  const choice = JSON.parse(base.suggest_source ?? 'null');
  const { spec, weights } = loadWeightsFor(db, base);
  const runner = new LstmRunner(spec, weights);
  const tok = CharTokenizer.fromSpec(spec);
  const cng = loadStoredNgram(db, getCorpus(db, name)!.id)!.model;
  const bng = shippedNgram()!;
  const dir = path.join(work, 'corpus', 'drafts', name);
  let text = '';
  for (const f of fs.readdirSync(dir).sort()) text += fs.readFileSync(path.join(dir, f), 'utf8') + '\n\n';
  text = text.slice(0, 20000);
  const ids = tok.encode(text);
  const pl: number[] = [],
    pc: number[] = [],
    pb: number[] = [];
  const st = runner.zeroState();
  const cc: number[] = [];
  const bc: number[] = [];
  for (const id of ids) {
    pl.push(runner.probs(st)[id]);
    pc.push(cng.probs(cc)[id]);
    pb.push(bng.probs(bc)[id]);
    runner.step(st, id);
    cng.step(cc, id);
    bng.step(bc, id);
  }
  const N = ids.length;
  const bits = (f: (i: number) => number) => {
    let s = 0;
    for (let i = 0; i < N; i++) s -= Math.log2(f(i));
    return s / N;
  };
  // (a) as the app: λ adaptive, μ fixed
  const adapt = (l0: number, f = 0.98, prior = 10) => {
    let num = prior * l0,
      den = prior,
      l = l0;
    return {
      get: () => l,
      upd(pa: number, pb: number) {
        const m = l * pa + (1 - l) * pb;
        const r = m > 1e-30 ? (l * pa) / m : l;
        num = f * num + r;
        den = f * den + 1;
        l = Math.min(0.98, Math.max(0.02, num / den));
      },
    };
  };
  const lam0 = choice?.lambda ?? 0.5;
  const w = choice?.baseNgramWeight ?? 0;
  const res: Record<string, number> = {};
  for (const mu0 of [1 - w, ...(w ? [] : [0.5])]) {
    const A = adapt(lam0);
    res[`fixed mu ${mu0.toFixed(2)}`] = bits((i) => {
      const png = mu0 * pc[i] + (1 - mu0) * pb[i];
      const p = A.get() * pl[i] + (1 - A.get()) * png;
      A.upd(pl[i], png);
      return p;
    });
    for (const f of [0.98, 0.995]) {
      const A2 = adapt(lam0),
        M = adapt(mu0, f);
      res[`both adaptive mu0 ${mu0.toFixed(2)} f ${f}`] = bits((i) => {
        const png = M.get() * pc[i] + (1 - M.get()) * pb[i];
        const p = A2.get() * pl[i] + (1 - A2.get()) * png;
        A2.upd(pl[i], png);
        M.upd(pc[i], pb[i]);
        return p;
      });
    }
    // 3-way EM
    for (const f of [0.98, 0.995]) {
      const w0 = [lam0, (1 - lam0) * mu0, (1 - lam0) * (1 - mu0)];
      const num = w0.map((x) => 10 * x);
      let den = 10;
      let cur = w0.slice();
      res[`3-way f ${f} mu0 ${mu0.toFixed(2)}`] = bits((i) => {
        const ps = [pl[i], pc[i], pb[i]];
        const m = cur.reduce((s, x, k) => s + x * ps[k], 0);
        for (let k = 0; k < 3; k++) num[k] = f * num[k] + (m > 1e-30 ? (cur[k] * ps[k]) / m : cur[k]);
        den = f * den + 1;
        cur = num.map((x) => Math.max(0.01, x / den));
        const z = cur.reduce((a, b) => a + b);
        cur = cur.map((x) => x / z);
        return m;
      });
    }
  }
  res['lstm'] = bits((i) => pl[i]);
  res['corpus ng'] = bits((i) => pc[i]);
  res['base ng'] = bits((i) => pb[i]);
  console.log(name, N, 'lambda', lam0, 'w', w, choice?.source);
  for (const [k, v] of Object.entries(res)) console.log('  ', k.padEnd(36), v.toFixed(4));
  db.close();
}
