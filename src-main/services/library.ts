import path from 'node:path';
import { isShared, unknownShare } from '../ml/vocab.ts';
import {
  corpusTexts,
  deleteCorpus,
  getCorpusById,
  deleteDocument,
  ensureCorpus,
  getCorpus,
  getDocument,
  insertDocument,
  listCorpora,
  listDocuments,
  type CorpusRow,
  type DocumentRow,
} from '../store/corpora.ts';
import type { Db } from '../store/db.ts';
import {
  collectFiles,
  DEFAULT_MAX_SIZE,
  documentFromBytes,
  readDocumentFile,
  formatOf,
  unsupportedReason,
  type ReadOutcome,
  type SkipCode,
} from '../text/read-document.ts';
import { invalid, NibError, noCorpus, notFound } from '../api/errors.ts';
import { NAME_CONTROL, NAME_INVISIBLE, NAME_MAX } from '../api/core-api.ts';

export interface ImportParams {
  paths: string[];
  corpus: string;
  maxSize?: number;
}

export interface FileOutcome {
  path: string;
  status: 'imported' | 'skipped';
  /** Why it was skipped: a SkipCode or 'duplicate'. */
  code?: SkipCode | 'duplicate';
  reason?: string;
  documentId?: number;
  chars?: number;
  /** A mail file's messages, and how many had text of the sender's own. */
  messages?: { total: number; withText: number };
}

export interface ImportResult {
  corpus: string;
  files: FileOutcome[];
  imported: number;
  skipped: Record<string, number>;
  chars: number;
  /** The whole corpus's characters outside the shared vocabulary (read as unknown, never suggested). */
  unknown: UnknownReport;
}

export interface UnknownReport {
  share: number;
  chars: number;
  /** The most frequent of them, with counts. */
  top: [string, number][];
}

/** How much of a corpus falls outside the shared vocabulary, and which characters most. */
export function unknownReport(texts: string[]): UnknownReport {
  const { unknown, share } = unknownShare(texts);
  const counts = new Map<string, number>();
  if (unknown > 0)
    for (const t of texts) for (const ch of t) if (!isShared(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return { share, chars: unknown, top: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8) };
}

/** Validates a corpus or model name: printable, not empty, not absurdly long. */
export function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw invalid(`${kind} name is missing`);
  if (name.length > NAME_MAX) throw invalid(`${kind} name is too long (at most ${NAME_MAX} characters)`);
  if (NAME_CONTROL.test(name)) throw invalid(`${kind} name contains control characters (a line break or a tab)`);
  if (NAME_INVISIBLE.test(name)) throw invalid(`${kind} name contains invisible direction or line-break characters`);
  return name.trim();
}

/** An import's result before any file: what the per-file outcomes are tallied into. */
function emptyImport(corpus: string): ImportResult {
  return { corpus, files: [], imported: 0, skipped: {}, chars: 0, unknown: { share: 0, chars: 0, top: [] } };
}

/**
 * Imports files and folders into a corpus, each file in its own transaction: one bad file is
 * reported and skipped, and an interrupted import never leaves half a document.
 */
export function importPaths(db: Db, p: ImportParams, onFile?: (o: FileOutcome) => void): ImportResult {
  const corpusName = checkName('corpus', p.corpus);
  if (!p.paths.length) throw invalid('nothing to import: give one or more files or folders');
  const maxSize = p.maxSize ?? DEFAULT_MAX_SIZE;
  if (!Number.isFinite(maxSize) || maxSize <= 0) throw invalid('--max-size must be a positive size');
  const { files, missing, passedOver } = collectFiles(p.paths);
  if (missing.length === p.paths.length) throw notFound(`no such file or folder: ${missing.join(', ')}`);
  if (files.length === 0 && passedOver.length) {
    throw new NibError('data', `nothing to import: ${passedOver.map((o) => `${o.path}: ${o.reason}`).join('; ')}`);
  }
  const corpusId = lazyCorpus(db, corpusName);
  const result = emptyImport(corpusName);
  const add = (o: FileOutcome) => {
    tally(result, o);
    onFile?.(o);
  };
  for (const m of missing) add({ path: m, status: 'skipped', code: 'unreadable', reason: 'no such file or folder' });
  for (const o of passedOver) add({ path: o.path, status: 'skipped', code: 'unreadable', reason: o.reason });
  for (const file of files) addOutcome(db, corpusId, corpusName, readDocumentFile(file, maxSize), file, add);
  const corpus = getCorpus(db, corpusName);
  if (corpus) result.unknown = unknownReport(corpusTexts(db, corpus.id));
  return result;
}

/** The corpus's id, creating it at the first document: an import that adds nothing leaves no empty corpus behind. */
function lazyCorpus(db: Db, name: string): () => number {
  let id: number | null = null;
  return () => (id ??= ensureCorpus(db, name).id);
}

/** Stores one read file (or reports why not), in its own transaction. */
function addOutcome(
  db: Db,
  corpusId: () => number,
  corpusName: string,
  r: ReadOutcome,
  label: string,
  add: (o: FileOutcome) => void,
): void {
  if (!r.ok) return add({ path: label, status: 'skipped', code: r.code, reason: r.reason });
  const id = insertDocument(db, corpusId(), { ...r.doc, name: path.basename(label) });
  if (id === null)
    add({
      path: label,
      status: 'skipped',
      code: 'duplicate',
      reason: `the same text is already in corpus "${corpusName}"`,
    });
  else
    add({
      path: label,
      status: 'imported',
      documentId: id,
      chars: Array.from(r.doc.text).length,
      ...(r.doc.messages && { messages: r.doc.messages }),
    });
}

/** The same import for files that arrive as bytes (the app's file picker and drag-and-drop). */
export function importBuffers(
  db: Db,
  corpus: string,
  files: { name: string; data: Buffer }[],
  maxSize = DEFAULT_MAX_SIZE,
): ImportResult {
  const corpusName = checkName('corpus', corpus);
  if (!files.length) throw invalid('nothing to import: choose one or more files');
  const corpusId = lazyCorpus(db, corpusName);
  const result = emptyImport(corpusName);
  for (const f of files) {
    const format = formatOf(f.name, f.data);
    const outcome: ReadOutcome = !format
      ? { ok: false, path: f.name, code: 'unsupported', reason: unsupportedReason(f.name) }
      : f.data.length > maxSize
        ? { ok: false, path: f.name, code: 'too-large', reason: `too large (${f.data.length} bytes > ${maxSize})` }
        : documentFromBytes(f.name, f.name, format, f.data);
    addOutcome(db, corpusId, corpusName, outcome, f.name, (o) => tally(result, o));
  }
  const c = getCorpus(db, corpusName);
  if (c) result.unknown = unknownReport(corpusTexts(db, c.id));
  return result;
}

function tally(result: ImportResult, o: FileOutcome): void {
  result.files.push(o);
  if (o.status === 'imported') {
    result.imported++;
    result.chars += o.chars ?? 0;
  } else result.skipped[o.code!] = (result.skipped[o.code!] ?? 0) + 1;
}

export function corpora(db: Db): CorpusRow[] {
  return listCorpora(db);
}

export function documents(db: Db, corpus: string): DocumentRow[] {
  const c = getCorpus(db, checkName('corpus', corpus));
  if (!c) throw noCorpus(corpus);
  return listDocuments(db, c.id);
}

export function removeCorpus(db: Db, corpus: string): void {
  if (!deleteCorpus(db, checkName('corpus', corpus))) throw noCorpus(corpus);
}

/** Deletes one document; returns the name of its corpus (whose n-gram must then be rebuilt). */
export function removeDocument(db: Db, id: unknown): string {
  const n = Number(id);
  if (!Number.isInteger(n) || n <= 0) throw invalid(`document id must be a positive whole number, got "${String(id)}"`);
  const doc = getDocument(db, n);
  if (!doc)
    throw new NibError('not-found', `no document with id ${n}`, {
      cli: 'nib docs --corpus NAME lists them',
      app: 'the Library lists them',
    });
  deleteDocument(db, n);
  return getCorpusById(db, doc.corpus_id)!.name;
}
