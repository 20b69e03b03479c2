import crypto from 'node:crypto';
import { ensureCorpus } from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import { getDraft, listDrafts } from '../store/drafts.ts';
import { mirrorDocuments } from '../store/learning.ts';
import { corpusDigest } from '../store/ngrams.ts';

/**
 * The drafts corpus that learning from drafts (services/learning.ts, in the ML host) trains on, kept in
 * step with the app's drafts by the core. Apart from learning.ts so that the core, which syncs it
 * on every idle tick, does not import the training code and TensorFlow.js with it.
 */
export const DRAFTS_CORPUS = 'My drafts';
/** Drafts shorter than this are notes, not writing to learn from. */
const MIN_DRAFT_CHARS = 200;

/** Mirrors the drafts into the drafts corpus; returns its digest (what the last attempt learned from). */
export function syncDraftsCorpus(db: Db): { corpus: string; chars: number; digest: string } {
  const corpus = ensureCorpus(db, DRAFTS_CORPUS);
  const docs = listDrafts(db)
    .map((d) => getDraft(db, d.id)!)
    .filter((d) => [...d.text.trim()].length >= MIN_DRAFT_CHARS)
    .map((d) => ({
      name: `${d.title || 'Untitled'} (draft ${d.id})`,
      text: d.text,
      sha256: crypto.createHash('sha256').update(d.text).digest('hex'),
    }));
  mirrorDocuments(db, corpus.id, docs);
  return {
    corpus: DRAFTS_CORPUS,
    chars: docs.reduce((n, d) => n + [...d.text].length, 0),
    digest: corpusDigest(db, corpus.id),
  };
}
