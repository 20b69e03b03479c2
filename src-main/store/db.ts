import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from './schema.ts';
import { FolderError, makeFolder } from './folders.ts';

export type Db = Database.Database;

/** The file name of Nib's database inside a data folder. */
export const DB_FILE = 'nib.db';

/**
 * Opens (creating if needed) the database in `dataDir` and brings its schema up to date.
 * WAL lets the training process write checkpoints while the app or CLI reads.
 */
/** A data folder Nib cannot use (unwritable, not a folder, not a database, from a newer Nib). */
export class DataFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFolderError';
  }
}

/**
 * Opens (creating if needed) the database in `dataDir`; every way that can fail becomes a
 * DataFolderError saying what is wrong with the folder and what to do.
 */
export function openDb(dataDir: string, opts: { readonly?: boolean } = {}): Db {
  try {
    return openDbUnchecked(dataDir, opts);
  } catch (e) {
    if (e instanceof DataFolderError) throw e;
    const err = e as NodeJS.ErrnoException & { code?: string };
    const code = String(err.code ?? '');
    const why =
      e instanceof FolderError
        ? e.why
        : code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN'
          ? 'it cannot be written (check its permissions)'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'it is a file, not a folder'
            : code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
              ? `its ${DB_FILE} is not a readable Nib database (damaged or another kind of file)`
              : `it cannot be opened (${err.message})`;
    throw new DataFolderError(
      `cannot use the data folder ${dataDir}: ${why}. Choose another with --data-dir (or NIB_DATA_DIR), or move the damaged file away.`,
    );
  }
}

function openDbUnchecked(dataDir: string, opts: { readonly?: boolean }): Db {
  // A writer's documents are private: the folder is the owner's alone (0700), the files 0600.
  makeFolder(dataDir, 0o700);
  const file = path.join(dataDir, DB_FILE);
  const created = !fs.existsSync(file);
  const db = new Database(file, { readonly: opts.readonly ?? false });
  if (created && process.platform !== 'win32') {
    fs.chmodSync(dataDir, 0o700);
    fs.chmodSync(file, 0o600);
  }
  // A second process may hold the write lock for a checkpoint transaction; wait rather than fail.
  db.pragma('busy_timeout = 10000');
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  if (!opts.readonly) migrate(db);
  if (!opts.readonly && process.platform !== 'win32') {
    // The WAL and shared-memory files SQLite made beside it (SQLite gives them the database's mode),
    // and a database file loosened since (a copy, a restore from backup): private again on opening.
    for (const f of [file, `${file}-wal`, `${file}-shm`])
      if (fs.existsSync(f) && (fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
  }
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new DataFolderError(
      `this data folder was written by a newer Nib (schema ${current}, this build knows ${MIGRATIONS.length}): update Nib, or choose another data folder (--data-dir or NIB_DATA_DIR)`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export function integrityCheck(db: Db): string {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join('; ');
}
