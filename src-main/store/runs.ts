import type { Db } from './db.ts';

export interface RunRow {
  id: number;
  model_id: number;
  started_at: string;
  ended_at: string | null;
  status: string;
  end_reason: string | null;
  backend: string | null;
  config: string;
  start_step: number;
  pid: number | null;
}

export interface MetricPoint {
  step: number;
  trainLoss: number | null;
  valLoss: number | null;
  lr: number | null;
  charsPerSec: number | null;
  elapsedSec: number | null;
}

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ','now')`;

export function startRun(
  db: Db,
  modelId: number,
  config: unknown,
  backend: string,
  startStep: number,
  pid: number,
): number {
  const info = db
    .prepare('INSERT INTO training_runs (model_id, config, backend, start_step, pid) VALUES (?, ?, ?, ?, ?)')
    .run(modelId, JSON.stringify(config), backend, startStep, pid);
  return Number(info.lastInsertRowid);
}

/** The engine a run trains on, once chosen (or fallen back to): what its pace was measured on. */
export function setRunEngine(db: Db, runId: number, engine: string): void {
  db.prepare('UPDATE training_runs SET backend = ? WHERE id = ?').run(engine, runId);
}

export function endRun(db: Db, runId: number, status: string, reason: string): void {
  db.prepare(`UPDATE training_runs SET status = ?, end_reason = ?, ended_at = ${NOW} WHERE id = ?`).run(
    status,
    reason,
    runId,
  );
}

/** The run still marked 'running' for a model, if its process is alive. */
export function liveRun(db: Db, modelId: number): RunRow | undefined {
  const rows = db
    .prepare(`SELECT * FROM training_runs WHERE model_id = ? AND status = 'running'`)
    .all(modelId) as RunRow[];
  return rows.find((r) => r.pid !== null && processAlive(r.pid));
}

/**
 * Runs left 'running' by a process that died (killed, crashed, power cut) are marked
 * 'interrupted', and their model too, so the UI and CLI offer a resume. Returns how many.
 */
export function markAbandonedRuns(db: Db): number {
  const rows = db.prepare(`SELECT id, model_id, pid FROM training_runs WHERE status = 'running'`).all() as RunRow[];
  const dead = rows.filter((r) => r.pid === null || !processAlive(r.pid));
  db.transaction(() => {
    for (const r of dead) {
      db.prepare(
        `UPDATE training_runs SET status = 'interrupted', end_reason = 'the training process stopped without finishing', ended_at = ${NOW} WHERE id = ?`,
      ).run(r.id);
      db.prepare(`UPDATE models SET status = 'interrupted' WHERE id = ? AND status = 'training'`).run(r.model_id);
    }
  })();
  return dead.length;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function addMetrics(db: Db, runId: number, points: MetricPoint[]): void {
  const ins = db.prepare(
    'INSERT INTO metrics (run_id, step, train_loss, val_loss, lr, chars_per_s, elapsed_s) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const p of points) ins.run(runId, p.step, p.trainLoss, p.valLoss, p.lr, p.charsPerSec, p.elapsedSec);
  })();
}

/** Forgets a run's points past `step`: training went back to that checkpoint (a GPU fallback) and redoes them. */
export function dropMetricsAfter(db: Db, runId: number, step: number): void {
  db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step);
}

export function listRuns(db: Db, modelId: number): RunRow[] {
  return db.prepare('SELECT * FROM training_runs WHERE model_id = ? ORDER BY id').all(modelId) as RunRow[];
}

export function runMetrics(db: Db, runId: number): MetricPoint[] {
  return (
    db
      .prepare(
        'SELECT step, train_loss, val_loss, lr, chars_per_s, elapsed_s FROM metrics WHERE run_id = ? ORDER BY step, rowid',
      )
      .all(runId) as {
      step: number;
      train_loss: number | null;
      val_loss: number | null;
      lr: number | null;
      chars_per_s: number | null;
      elapsed_s: number | null;
    }[]
  ).map((r) => ({
    step: r.step,
    trainLoss: r.train_loss,
    valLoss: r.val_loss,
    lr: r.lr,
    charsPerSec: r.chars_per_s,
    elapsedSec: r.elapsed_s,
  }));
}

/**
 * How fast training of one shape really went here: seconds per step over the most recent finished
 * run (completed or stopped, ≥ 100 steps and ≥ 20 s between its first and last metric points) of a
 * model with the same layer sizes, batch and sequence length, on the same engine. A few steps timed
 * alone run faster than a real run, which also evaluates, checkpoints and reads random windows of
 * the corpus (a 2-minute personalisation ran 1,100 steps where the timed steps promised 1,370), so
 * the Train view's estimate prefers this pace once there is one. Null when none.
 */
export function recentPace(
  db: Db,
  shape: { units: number[]; embedding: number; vocab: number; batch: number; seqLen: number; engine: string },
): number | null {
  const runs = db
    .prepare(
      `SELECT r.id, r.config, r.backend, m.spec FROM training_runs r JOIN models m ON m.id = r.model_id
       WHERE r.status IN ('completed', 'stopped') ORDER BY r.id DESC LIMIT 50`,
    )
    .all() as { id: number; config: string; backend: string | null; spec: string }[];
  // By engine, not its details: 'nib-kernel (avx512, 2 threads)' is the kernel, whatever its threads.
  const engineId = (name: string | null) => (name ?? '').split(' ')[0];
  for (const r of runs) {
    const spec = JSON.parse(r.spec) as { units?: number[]; embedding?: number; vocab?: unknown[] };
    const config = JSON.parse(r.config) as { batch?: number; seqLen?: number };
    if (
      engineId(r.backend) !== engineId(shape.engine) ||
      JSON.stringify(spec.units) !== JSON.stringify(shape.units) ||
      spec.embedding !== shape.embedding ||
      spec.vocab?.length !== shape.vocab ||
      config.batch !== shape.batch ||
      config.seqLen !== shape.seqLen
    )
      continue;
    const span = db
      .prepare(
        'SELECT MIN(step) s0, MAX(step) s1, MIN(elapsed_s) t0, MAX(elapsed_s) t1 FROM metrics WHERE run_id = ? AND elapsed_s IS NOT NULL',
      )
      .get(r.id) as { s0: number | null; s1: number | null; t0: number | null; t1: number | null };
    if (span.s0 === null || span.s1 === null || span.t0 === null || span.t1 === null) continue;
    if (span.s1 - span.s0 >= 100 && span.t1 - span.t0 >= 20) return (span.t1 - span.t0) / (span.s1 - span.s0);
  }
  return null;
}
