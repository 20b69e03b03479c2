import v8 from 'node:v8';
import zlib from 'node:zlib';
import { defaultMemoryLimit } from '../ml/memory.ts';
import { NgramModel, ngramBuildBytes, ngramOrderWithin, type NgramData } from '../ml/ngram.ts';
import { isNgramBytes } from '../ml/ngram-bytes.ts';
import { buildVocab, CharTokenizer } from '../ml/tokenizer.ts';
import { DEFAULT_TRAIN } from '../ml/train-config.ts';
import { isSharedVocab, MAX_UNKNOWN_SHARE, SHARED_UNK, SHARED_VOCAB, unknownShare } from '../ml/vocab.ts';
import { splitTexts } from '../ml/train-data.ts';
import { corpusTexts, getCorpus } from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import { corpusDigest, deleteNgram, loadNgram, saveNgram } from '../store/ngrams.ts';
import { NibError, noCorpus } from '../api/errors.ts';

export interface NgramSummary {
  corpus: string;
  order: number;
  valLoss: number;
  bitsPerChar: number;
  seconds: number;
  tried: { order: number; valLoss: number }[];
  /** Set when memory capped the orders tried: the highest order that fitted, and the limit. */
  limited?: {
    maxOrder: number;
    limitBytes: number;
    /** The JS heap's room, not the memory allowed, was the limit (V8's own, below --max-memory). */
    heap?: boolean;
  };
}

/**
 * Builds a character n-gram model on texts split as training splits them (held-out tails for
 * choosing the order). Shared by the stored per-corpus model and by `nib eval`'s baseline.
 */
export function buildNgramFor(
  texts: string[],
  valFraction = DEFAULT_TRAIN.valFraction,
  vocab?: string[],
  limitBytes = defaultMemoryLimit(),
) {
  const { train, val } = splitTexts(texts, valFraction);
  const tok = tokenizerFor(vocab ?? corpusVocab(texts));
  // The orders counted are capped so the build fits in memory: a corpus of tens of megabytes gets
  // a lower order rather than exhausting the computer.
  const maxOrder = ngramOrderWithin(train.length, limitBytes);
  if (maxOrder === null) {
    const gb = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;
    throw new NibError(
      'invalid',
      `the corpus is too large for an n-gram model in ${gb(limitBytes)} of memory (it would need ${gb(ngramBuildBytes(train.length, 2))})`,
      {
        cli: 'raise the limit with --max-memory, or split the corpus',
        app: 'split it into smaller corpora',
      },
    );
  }
  // The estimate above is prose's; text far more varied (encoded data, hashes) needs several times
  // more, so the build also counts within the limit as it goes, and within the JS heap's room,
  // where its maps live (V8's own limit, ~4 GB, is below half of a large computer's memory).
  const heap = v8.getHeapStatistics();
  const budget = Math.min(limitBytes, heap.heap_size_limit - heap.used_heap_size);
  const { model, tried, counted } = NgramModel.build(tok.vocab, tok.encode(train), tok.encode(val), maxOrder, budget);
  return {
    model,
    tok,
    tried,
    valLoss: tried.find((t) => t.order === model.order)!.valLoss,
    limited:
      counted < 8 ? { maxOrder: counted, limitBytes: budget, ...(budget < limitBytes && { heap: true }) } : undefined,
  };
}

/**
 * The vocabulary of a corpus's n-gram: the shared one (so it can be mixed with the base model and
 * every model fine-tuned from it), unless the corpus is mostly outside it.
 */
export function corpusVocab(texts: string[]): string[] {
  return unknownShare(texts).share <= MAX_UNKNOWN_SHARE ? [...SHARED_VOCAB] : buildVocab(texts);
}

export function tokenizerFor(vocab: string[]): CharTokenizer {
  return new CharTokenizer(vocab, isSharedVocab(vocab) ? SHARED_UNK : null);
}

/** (Re)builds and stores the n-gram model of a corpus; run after every import. */
export function refreshNgram(db: Db, corpusName: string, limitBytes = defaultMemoryLimit()): NgramSummary | null {
  const corpus = getCorpus(db, corpusName);
  if (!corpus) throw noCorpus(corpusName);
  const texts = corpusTexts(db, corpus.id);
  if (!texts.length) {
    deleteNgram(db, corpus.id); // an emptied corpus suggests nothing it no longer holds
    return null;
  }
  const t0 = performance.now();
  const { model, tried, valLoss, limited } = buildNgramFor(texts, DEFAULT_TRAIN.valFraction, undefined, limitBytes);
  const data = zlib.gzipSync(model.toBytes());
  saveNgram(db, {
    corpus_id: corpus.id,
    ngram_order: model.order,
    val_loss: Number.isFinite(valLoss) ? valLoss : null,
    corpus_sha: corpusDigest(db, corpus.id),
    data,
  });
  return {
    corpus: corpusName,
    order: model.order,
    valLoss,
    bitsPerChar: valLoss / Math.LN2,
    seconds: (performance.now() - t0) / 1000,
    tried,
    ...(limited && { limited }),
  };
}

/**
 * The stored n-gram of a corpus as it is, without rebuilding, and a cheap stamp that changes when
 * it is rebuilt: for the keystroke path, which must never wait seconds for a build.
 */
export function storedNgramStamp(db: Db, corpusId: number): string | null {
  const row = db.prepare('SELECT built_at FROM ngram_models WHERE corpus_id = ?').get(corpusId) as
    { built_at: string } | undefined;
  return row ? `${corpusId}:${row.built_at}` : null;
}

export function loadStoredNgram(db: Db, corpusId: number): { model: NgramModel; tok: CharTokenizer } | null {
  const row = loadNgram(db, corpusId);
  if (!row) return null;
  const model = ngramFromStored(row.data);
  return { model, tok: tokenizerFor(model.vocab) };
}

/**
 * An n-gram from its stored bytes: gzip'd binary (ml/ngram-bytes.ts), or the gzip'd JSON that
 * data folders from before it hold (read as it is; the next import stores the binary form).
 */
export function ngramFromStored(data: Uint8Array): NgramModel {
  const bytes = zlib.gunzipSync(data);
  return isNgramBytes(bytes)
    ? NgramModel.fromBytes(bytes)
    : NgramModel.fromData(JSON.parse(bytes.toString('utf8')) as NgramData);
}
