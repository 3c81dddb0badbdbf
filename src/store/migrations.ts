import type Database from 'better-sqlite3';

/**
 * The schema, as an ordered list of steps. Step `i` (0-based) takes a database from
 * `PRAGMA user_version = i` to `i + 1`. Steps are only ever appended: a released step is never
 * edited, so every database reaches the same schema whatever version it started from.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: deliveries, jobs and their history, sessions, outbox, repositories, cursors.
  `
  CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_key   TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
    delivery_id TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    data        TEXT    NOT NULL -- JSON: every other Job field (repo, sender, message, result, …)
  );
  CREATE INDEX jobs_issue_state ON jobs (issue_key, state);
  CREATE INDEX jobs_state ON jobs (state);
  CREATE INDEX jobs_finished_at ON jobs (finished_at);

  CREATE TABLE job_events (
    id     INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    at     TEXT    NOT NULL,
    state  TEXT    NOT NULL,
    detail TEXT
  );
  CREATE INDEX job_events_job ON job_events (job_id, id);

  CREATE TABLE deliveries (
    id          TEXT    PRIMARY KEY,
    event_key   TEXT    NOT NULL UNIQUE,
    event_type  TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    job_id      INTEGER NOT NULL -- no foreign key: a pruned job's delivery may outlive it
  );
  CREATE INDEX deliveries_received_at ON deliveries (received_at);

  CREATE TABLE sessions (
    issue_key     TEXT PRIMARY KEY,
    agent         TEXT NOT NULL,
    session_id    TEXT,
    worktree_path TEXT NOT NULL,
    branch        TEXT NOT NULL,
    updated_at    TEXT NOT NULL
  );

  CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT    NOT NULL,
    group_key       TEXT    NOT NULL,
    op              TEXT    NOT NULL, -- JSON OutboxOp
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL, -- ms since the epoch
    last_error      TEXT,
    created_at      INTEGER NOT NULL  -- ms since the epoch
  );
  CREATE UNIQUE INDEX outbox_pending_key ON outbox (key) WHERE state = 'pending';
  CREATE INDEX outbox_state_due ON outbox (state, next_attempt_at);
  CREATE INDEX outbox_key_state ON outbox (key, state);

  CREATE TABLE repos (
    full_name  TEXT PRIMARY KEY,
    data       TEXT NOT NULL, -- JSON RepoRef
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL
  );

  CREATE TABLE cursors (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: deliveries whose facts Gitea could not confirm yet (it was unreachable); retried until it answers.
  `
  CREATE TABLE deferred_events (
    event_key       TEXT    PRIMARY KEY,
    delivery_id     TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    received_at     TEXT    NOT NULL,
    event           TEXT    NOT NULL, -- JSON: the event as the delivery claimed it
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL, -- ms since the epoch
    last_error      TEXT
  );
  CREATE INDEX deferred_events_due ON deferred_events (next_attempt_at);
  `,
];

/** The schema version this build of kugetsu writes: the number of {@link MIGRATIONS}. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The database's schema version (`PRAGMA user_version`, 0 for a new file). Throws when it is
 * higher than {@link SCHEMA_VERSION}: the file was written by a newer kugetsu, and this one must
 * not touch it. `file` names the database in the message.
 */
export function schemaVersionOf(db: Database.Database, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `${file} has schema version ${version}, but this kugetsu knows versions up to ${SCHEMA_VERSION}: ` +
        'it was written by a newer kugetsu. Upgrade kugetsu, or point KUGETSU_STATE_DIR elsewhere.',
    );
  }
  return version;
}

/**
 * Brings `db` to {@link SCHEMA_VERSION}, one `BEGIN IMMEDIATE` transaction per step (the version
 * is re-read inside each, so two processes opening the same file do not apply a step twice).
 * Returns the version it found. Throws like {@link schemaVersionOf} for a newer database, and
 * rethrows a failing step's error with that step rolled back.
 */
export function migrate(db: Database.Database, file: string): number {
  const found = schemaVersionOf(db, file);
  const step = db.transaction((): boolean => {
    const version = schemaVersionOf(db, file);
    if (version >= SCHEMA_VERSION) return false;
    db.exec(MIGRATIONS[version]!);
    // PRAGMA takes no bound parameters; the value is an integer computed here.
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (step.immediate());
  return found;
}
