/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Never edit a shipped migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE corpora (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    corpus_id    INTEGER NOT NULL REFERENCES corpora(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    source_path  TEXT,
    format       TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    chars        INTEGER NOT NULL,
    text         TEXT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (corpus_id, sha256)
  );
  CREATE INDEX documents_corpus ON documents(corpus_id);
  CREATE TABLE drafts (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    corpus_id   INTEGER REFERENCES corpora(id) ON DELETE SET NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  CREATE TABLE models (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    corpus_id           INTEGER REFERENCES corpora(id) ON DELETE SET NULL,
    corpus_name         TEXT,
    spec                TEXT NOT NULL,            -- JSON: architecture + tokenizer vocabulary
    train_config        TEXT,                     -- JSON: hyper-parameters of the last run
    status              TEXT NOT NULL DEFAULT 'new', -- new | training | interrupted | ready | failed
    steps               INTEGER NOT NULL DEFAULT 0,
    train_seconds       REAL NOT NULL DEFAULT 0,
    best_val_loss       REAL,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  -- One 'latest' (to resume from) and one 'best' (to use) checkpoint per model, replaced in place.
  CREATE TABLE checkpoints (
    id          INTEGER PRIMARY KEY,
    model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('latest','best')),
    step        INTEGER NOT NULL,
    val_loss    REAL,
    weights     BLOB NOT NULL,
    optimizer   BLOB,
    trainer     TEXT,                             -- JSON: RNG, data position, schedule, early-stop state
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    UNIQUE (model_id, kind)
  );
  CREATE TABLE training_runs (
    id          INTEGER PRIMARY KEY,
    model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    ended_at    TEXT,
    status      TEXT NOT NULL DEFAULT 'running',  -- running | completed | stopped | cancelled | failed
    end_reason  TEXT,
    backend     TEXT,
    config      TEXT NOT NULL,
    start_step  INTEGER NOT NULL DEFAULT 0,
    pid         INTEGER                           -- the training process, to detect one that died
  );
  CREATE TABLE metrics (
    run_id       INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
    step         INTEGER NOT NULL,
    train_loss   REAL,
    val_loss     REAL,
    lr           REAL,
    chars_per_s  REAL,
    elapsed_s    REAL
  );
  CREATE INDEX metrics_run ON metrics(run_id, step);
  CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
  );
  `,
  `
  -- The character n-gram model of a corpus: suggestions before any LSTM exists, and the baseline.
  CREATE TABLE ngram_models (
    corpus_id    INTEGER PRIMARY KEY REFERENCES corpora(id) ON DELETE CASCADE,
    ngram_order  INTEGER NOT NULL,
    val_loss     REAL,
    corpus_sha   TEXT NOT NULL,                   -- which documents it was built from
    data         BLOB NOT NULL,                   -- gzip'd ml/ngram-bytes.ts (older rows: gzip'd JSON)
    built_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  `,
  `
  -- Where a model came from: 'trained' here, 'imported' from a folder, or 'base' (shipped with Nib),
  -- and the model it was fine-tuned from. suggest_source: JSON of the measured suggestion source
  -- (LSTM, n-gram or mixture; see ml/source-choice.ts).
  ALTER TABLE models ADD COLUMN origin TEXT NOT NULL DEFAULT 'trained';
  ALTER TABLE models ADD COLUMN parent TEXT;
  ALTER TABLE models ADD COLUMN suggest_source TEXT;
  `,
  `
  -- Learning from drafts: every attempt to fine-tune a model on what the writer wrote, adopted
  -- only when held-out bits/char improved.
  CREATE TABLE learning_attempts (
    id            INTEGER PRIMARY KEY,
    model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    started_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    seconds       REAL NOT NULL,
    steps         INTEGER NOT NULL,
    draft_chars   INTEGER NOT NULL,
    replay_chars  INTEGER NOT NULL,
    val_before    REAL,
    val_after     REAL,
    adopted       INTEGER NOT NULL,
    reason        TEXT NOT NULL
  );
  `,
  `
  -- An imported model's bits/char is measured here, on a corpus's held-out tails (it was trained
  -- elsewhere): the corpus it was measured on, so the figure is never shown without it.
  ALTER TABLE models ADD COLUMN measured_on TEXT;
  `,
  `
  -- Which training engine is fastest here for a model size and batch shape, as measured by the
  -- first run of that size (ml/engine-choice.ts); the key names the size and the engines timed.
  CREATE TABLE engine_choices (
    key          TEXT PRIMARY KEY,
    engine       TEXT NOT NULL,
    timings      TEXT NOT NULL,
    measured_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  `,
  `
  -- A draft's revision, one more on every save: a save made from an older revision (another window
  -- or tab saved since) keeps its text as a copy instead of overwriting the other's (store/drafts.ts).
  ALTER TABLE drafts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
  `,
];
