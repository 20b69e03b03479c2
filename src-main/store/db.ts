import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from './schema.ts';

export type Db = Database.Database;

/** The file name of Nib's database inside a data folder. */
export const DB_FILE = 'nib.db';

/**
 * Opens (creating if needed) the database in `dataDir` and brings its schema up to date.
 * WAL lets the training process write checkpoints while the app or CLI reads.
 */
export function openDb(dataDir: string, opts: { readonly?: boolean } = {}): Db {
  // A writer's documents are private: the folder is the owner's alone (0700), the files 0600.
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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
  if (created && process.platform !== 'win32') {
    // The WAL and shared-memory files SQLite made beside it (SQLite gives them the database's mode).
    for (const f of [`${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
  }
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `This data folder was written by a newer Nib (schema ${current}, this build knows ${MIGRATIONS.length}). Update Nib or use another --data-dir.`,
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
