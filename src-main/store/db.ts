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
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DB_FILE), { readonly: opts.readonly ?? false });
  // A second process may hold the write lock for a checkpoint transaction; wait rather than fail.
  db.pragma('busy_timeout = 10000');
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  if (!opts.readonly) migrate(db);
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
