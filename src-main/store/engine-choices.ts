import type { Db } from './db.ts';

export interface EngineChoiceRow {
  key: string;
  engine: string;
  timings: string;
  measured_at: string;
}

export function getEngineChoice(db: Db, key: string): EngineChoiceRow | undefined {
  return db.prepare('SELECT * FROM engine_choices WHERE key = ?').get(key) as EngineChoiceRow | undefined;
}

export function putEngineChoice(db: Db, key: string, engine: string, timings: unknown): void {
  db.prepare(
    `INSERT INTO engine_choices (key, engine, timings) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET engine = excluded.engine, timings = excluded.timings,
       measured_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
  ).run(key, engine, JSON.stringify(timings));
}

export function listEngineChoices(db: Db): EngineChoiceRow[] {
  return db.prepare('SELECT * FROM engine_choices ORDER BY measured_at DESC').all() as EngineChoiceRow[];
}
