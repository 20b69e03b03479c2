import path from 'node:path';
import {
  deleteCorpus,
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
import { collectFiles, DEFAULT_MAX_SIZE, readDocumentFile, type SkipCode } from '../text/read-document.ts';
import { invalid, notFound } from './errors.ts';

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
}

export interface ImportResult {
  corpus: string;
  files: FileOutcome[];
  imported: number;
  skipped: Record<string, number>;
  chars: number;
}

/** Validates a corpus or model name: printable, not empty, not absurdly long. */
export function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw invalid(`${kind} name is missing`);
  if (name.length > 200) throw invalid(`${kind} name is too long (at most 200 characters)`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid(`${kind} name contains control characters`);
  return name.trim();
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
  const { files, missing } = collectFiles(p.paths);
  if (missing.length === p.paths.length) throw notFound(`no such file or folder: ${missing.join(', ')}`);
  const corpus = ensureCorpus(db, corpusName);
  const result: ImportResult = { corpus: corpusName, files: [], imported: 0, skipped: {}, chars: 0 };
  const add = (o: FileOutcome) => {
    result.files.push(o);
    if (o.status === 'imported') {
      result.imported++;
      result.chars += o.chars ?? 0;
    } else result.skipped[o.code!] = (result.skipped[o.code!] ?? 0) + 1;
    onFile?.(o);
  };
  for (const m of missing) add({ path: m, status: 'skipped', code: 'unreadable', reason: 'no such file or folder' });
  for (const file of files) {
    const r = readDocumentFile(file, maxSize);
    if (!r.ok) {
      add({ path: file, status: 'skipped', code: r.code, reason: r.reason });
      continue;
    }
    const id = insertDocument(db, corpus.id, { ...r.doc, name: path.basename(file) });
    if (id === null) add({ path: file, status: 'skipped', code: 'duplicate', reason: `the same text is already in corpus "${corpusName}"` });
    else add({ path: file, status: 'imported', documentId: id, chars: Array.from(r.doc.text).length });
  }
  return result;
}

export function corpora(db: Db): CorpusRow[] {
  return listCorpora(db);
}

export function documents(db: Db, corpus: string): DocumentRow[] {
  const c = getCorpus(db, checkName('corpus', corpus));
  if (!c) throw notFound(`no corpus named "${corpus}" (nib corpora lists them)`);
  return listDocuments(db, c.id);
}

export function removeCorpus(db: Db, corpus: string): void {
  if (!deleteCorpus(db, checkName('corpus', corpus))) throw notFound(`no corpus named "${corpus}" (nib corpora lists them)`);
}

export function removeDocument(db: Db, id: unknown): void {
  const n = Number(id);
  if (!Number.isInteger(n) || n <= 0) throw invalid(`document id must be a positive whole number, got "${String(id)}"`);
  if (!getDocument(db, n)) throw notFound(`no document with id ${n} (nib docs --corpus NAME lists them)`);
  deleteDocument(db, n);
}
