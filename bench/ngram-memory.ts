/**
 * The n-gram build's peak memory: builds an n-gram up to ORDER on the first CHARS characters of a
 * folder of text files (for example the base corpus that `node --import tsx scripts/base-corpus.ts
 * DIR` assembles in DIR/base) and prints the peak resident set. The constants in src-main/ml/ngram.ts
 * (BYTES_PER_CHAR) come from these runs; see bench/README.md, "The n-gram's memory".
 *   node --expose-gc --import tsx bench/ngram-memory.ts CHARS ORDER TEXT_DIR
 * One build per process, so each peak is its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NgramModel } from '../src-main/ml/ngram.ts';
import { CharTokenizer } from '../src-main/ml/tokenizer.ts';
import { SHARED_UNK, SHARED_VOCAB } from '../src-main/ml/vocab.ts';
const chars = Number(process.argv[2]);
const order = Number(process.argv[3]);
const dir = process.argv[4];
let text = '';
for (const f of fs.readdirSync(dir).sort()) {
  text += fs.readFileSync(path.join(dir, f), 'utf8');
  if (text.length > chars + 50_000) break;
}
const tok = new CharTokenizer([...SHARED_VOCAB], SHARED_UNK);
const ids = tok.encode(text.slice(0, chars));
const val = tok.encode(text.slice(chars, chars + 30_000));
(globalThis as { gc?: () => void }).gc?.();
const before = process.memoryUsage();
const t0 = performance.now();
const { model } = NgramModel.build(tok.vocab, ids, val, order);
(globalThis as { gc?: () => void }).gc?.();
const after = process.memoryUsage();
console.log(
  JSON.stringify({
    chars,
    order,
    chosen: model.order,
    heapMB: (after.heapUsed - before.heapUsed) / 1e6,
    rssMB: after.rss / 1e6,
    maxRssMB: process.resourceUsage().maxRSS / 1e3,
    sec: (performance.now() - t0) / 1000,
  }),
);
