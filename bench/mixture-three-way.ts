/**
 * An experiment (session 19), in the app since session 20: would the base n-gram's weight in the
 * pair (ml/ngram-pair.ts) pay for following the text as the LSTM's does (ml/mix-weight.ts)? After
 * `npm run bench:base-fit -- --corpora speeches,technical,fiction,email --work W` has fitted the
 * base in W/data-NAME, this reads each corpus's drafts (W/corpus/drafts/NAME, 20,000 characters)
 * once with the base LSTM, the corpus n-gram and the base n-gram, and prints the bits/char of: the
 * app's mixture until session 20 (λ following the text, the pair's μ fixed), both weights following
 * the text, and one three-way weight following it (the app's since: ml/mix-weight.ts, with other
 * floors and forgetting beside it). A corpus fitted without the pair is read with μ 0.5. Results:
 * bench/README.md.
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
import { MIX_ADAPT, startWeight, updateWeight, type MixAdapt } from '../src-main/ml/mix-weight.ts';
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
  const lam0 = choice?.lambda ?? 0.5;
  const w = choice?.baseNgramWeight ?? 0;
  const mu0 = 1 - (w || 0.5);
  const res: Record<string, number> = {};
  // The app's update (ml/mix-weight.ts) on the parts' probabilities of each character.
  const following = (w0: number[], ps: (i: number) => number[], a: MixAdapt = MIX_ADAPT) => {
    const mw = startWeight(w0, a);
    return bits((i) => {
      const p = ps(i);
      const m = mw.w.reduce((s, x, k) => s + x * p[k], 0);
      updateWeight(mw, p, a);
      return m;
    });
  };
  // (a) as the app was until session 20: λ follows the text, the pair's μ fixed.
  res[`λ follows, fixed μ ${mu0.toFixed(2)}`] = following([lam0, 1 - lam0], (i) => [
    pl[i],
    mu0 * pc[i] + (1 - mu0) * pb[i],
  ]);
  // (b) both λ and μ follow the text, each as a two-part weight.
  {
    const A = startWeight([lam0, 1 - lam0]);
    const M = startWeight([mu0, 1 - mu0]);
    res['λ and μ follow, each its own'] = bits((i) => {
      const png = M.w[0] * pc[i] + (1 - M.w[0]) * pb[i];
      const p = A.w[0] * pl[i] + A.w[1] * png;
      updateWeight(A, [pl[i], png]);
      updateWeight(M, [pc[i], pb[i]]);
      return p;
    });
  }
  // (c) one weight over the three parts: the app since session 20, and other floors and forgetting.
  const w3 = [lam0, (1 - lam0) * mu0, (1 - lam0) * (1 - mu0)];
  const three = (i: number) => [pl[i], pc[i], pb[i]];
  res['three parts (the app, floors 0.02)'] = following(w3, three);
  res['three parts, floors 0.01'] = following(w3, three, { ...MIX_ADAPT, min: 0.01 });
  res['three parts, floors 0.05'] = following(w3, three, { ...MIX_ADAPT, min: 0.05 });
  res['three parts, forgetting 0.995'] = following(w3, three, { ...MIX_ADAPT, forget: 0.995 });
  res['lstm'] = bits((i) => pl[i]);
  res['corpus ng'] = bits((i) => pc[i]);
  res['base ng'] = bits((i) => pb[i]);
  console.log(name, N, 'lambda', lam0, 'w', w, choice?.source);
  for (const [k, v] of Object.entries(res)) console.log('  ', k.padEnd(36), v.toFixed(4));
  db.close();
}
