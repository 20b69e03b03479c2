import zlib from 'node:zlib';
import { NgramModel, type NgramData } from '../ml/ngram.ts';
import { buildVocab, CharTokenizer } from '../ml/tokenizer.ts';
import { DEFAULT_TRAIN } from '../ml/train-config.ts';
import { isSharedVocab, MAX_UNKNOWN_SHARE, SHARED_UNK, SHARED_VOCAB, unknownShare } from '../ml/vocab.ts';
import { splitTexts } from '../ml/train-data.ts';
import { corpusTexts, getCorpus } from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import { corpusDigest, deleteNgram, loadNgram, saveNgram } from '../store/ngrams.ts';
import { noCorpus } from '../api/errors.ts';

export interface NgramSummary {
  corpus: string;
  order: number;
  valLoss: number;
  bitsPerChar: number;
  seconds: number;
  tried: { order: number; valLoss: number }[];
}

/**
 * Builds a character n-gram model on texts split as training splits them (held-out tails for
 * choosing the order). Shared by the stored per-corpus model and by `nib eval`'s baseline.
 */
export function buildNgramFor(texts: string[], valFraction = DEFAULT_TRAIN.valFraction, vocab?: string[]) {
  const { train, val } = splitTexts(texts, valFraction);
  const tok = tokenizerFor(vocab ?? corpusVocab(texts));
  const { model, tried } = NgramModel.build(tok.vocab, tok.encode(train), tok.encode(val));
  return { model, tok, tried, valLoss: tried.find((t) => t.order === model.order)!.valLoss };
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
export function refreshNgram(db: Db, corpusName: string): NgramSummary | null {
  const corpus = getCorpus(db, corpusName);
  if (!corpus) throw noCorpus(corpusName);
  const texts = corpusTexts(db, corpus.id);
  if (!texts.length) {
    deleteNgram(db, corpus.id); // an emptied corpus suggests nothing it no longer holds
    return null;
  }
  const t0 = performance.now();
  const { model, tried, valLoss } = buildNgramFor(texts);
  const data = zlib.gzipSync(JSON.stringify(model.toData()));
  saveNgram(db, { corpus_id: corpus.id, ngram_order: model.order, val_loss: Number.isFinite(valLoss) ? valLoss : null, corpus_sha: corpusDigest(db, corpus.id), data });
  return { corpus: corpusName, order: model.order, valLoss, bitsPerChar: valLoss / Math.LN2, seconds: (performance.now() - t0) / 1000, tried };
}

/**
 * The stored n-gram of a corpus as it is, without rebuilding, and a cheap stamp that changes when
 * it is rebuilt: for the keystroke path, which must never wait seconds for a build.
 */
export function storedNgramStamp(db: Db, corpusId: number): string | null {
  const row = db.prepare('SELECT built_at FROM ngram_models WHERE corpus_id = ?').get(corpusId) as { built_at: string } | undefined;
  return row ? `${corpusId}:${row.built_at}` : null;
}

export function loadStoredNgram(db: Db, corpusId: number): { model: NgramModel; tok: CharTokenizer } | null {
  const row = loadNgram(db, corpusId);
  if (!row) return null;
  const model = NgramModel.fromData(JSON.parse(zlib.gunzipSync(row.data).toString('utf8')) as NgramData);
  return { model, tok: tokenizerFor(model.vocab) };
}
