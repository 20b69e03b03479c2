/**
 * How long a stored n-gram takes to read back: the binary form (ml/ngram-bytes.ts) against the
 * gzip'd JSON stored before it, for the same model built on TEXT (README.md, "Which model
 * suggests"). Each form is read twice; the second read is the warm one.
 *
 *   node --import tsx bench/ngram-load.ts [TEXT]    (default: the test fixture, 300 KB)
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { NgramData } from '../src-main/ml/ngram.ts';
import { buildNgramFor, ngramFromStored } from '../src-main/services/ngram.ts';

const file = process.argv[2] ?? new URL('../test/fixtures/tinyshakespeare-300k.txt', import.meta.url).pathname;
const text = fs.readFileSync(file, 'utf8');
const t0 = performance.now();
const { model } = buildNgramFor([text]);
console.log(
  `${file}: ${text.length.toLocaleString('en-US')} characters, order ${model.order}, ${model.entries.toLocaleString('en-US')} counts, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
// The JSON form, as refreshNgram stored it before the binary one.
const legacy: NgramData = {
  kind: 'char-ngram-kn',
  vocab: model.vocab,
  order: model.order,
  discounts: model.discounts,
  tables: model.tables.map((t) =>
    Array.from({ length: t.size }, (_, c) => {
      const pairs: [number, number][] = [];
      for (let e = t.start[c]; e < t.start[c + 1]; e++) pairs.push([t.next[e], t.counts[e]]);
      return [String.fromCharCode(...t.keys.subarray(c * t.width, (c + 1) * t.width)), pairs];
    }),
  ),
};
const forms = { json: zlib.gzipSync(JSON.stringify(legacy)), binary: zlib.gzipSync(model.toBytes()) };
for (const [name, bytes] of Object.entries(forms)) {
  const ms: number[] = [];
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    ngramFromStored(bytes);
    ms.push(performance.now() - t);
  }
  console.log(
    `${name}: ${(bytes.length / 1e6).toFixed(2)} MB stored, read in ${ms.map((x) => x.toFixed(0)).join(' then ')} ms`,
  );
}
