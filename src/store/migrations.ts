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
  // 3: the engine. Jobs get the state 'waiting', the columns claims and limits query on (repository,
  // sender, worker and lease, cancel request, not-before time), at most one running job per issue;
  // report-owned data moves to job_reports; outbox items get claims; sessions can carry the agent's
  // session export; workers are listed. (jobs is rebuilt for its CHECK constraint; ids are kept and
  // the id sequence too, so a pruned job's id is never handed out again.)
  `
  CREATE TEMP TABLE migration_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'jobs';
  CREATE TABLE jobs_v3 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_key        TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('queued', 'waiting', 'running', 'succeeded', 'failed', 'canceled')),
    delivery_id      TEXT    NOT NULL,
    attempt          INTEGER NOT NULL,
    created_at       TEXT    NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    repo_key         TEXT    NOT NULL DEFAULT '', -- owner/name, lowercase
    sender_id        INTEGER NOT NULL DEFAULT 0,
    worker_id        TEXT,
    lease_until      INTEGER, -- ms since the epoch
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    not_before       INTEGER, -- ms since the epoch: a waiting job is claimable from then on
    data             TEXT    NOT NULL
  );
  INSERT INTO jobs_v3 (id, issue_key, state, delivery_id, attempt, created_at, started_at, finished_at, repo_key, sender_id, data)
    SELECT id, issue_key, state, delivery_id, attempt, created_at, started_at, finished_at,
           lower(coalesce(json_extract(data, '$.repo.owner'), '') || '/' || coalesce(json_extract(data, '$.repo.name'), '')),
           coalesce(json_extract(data, '$.sender.id'), 0), data
    FROM jobs;
  CREATE TABLE job_reports (
    job_id            INTEGER PRIMARY KEY,
    status_comment_id INTEGER,
    pull_request      TEXT, -- JSON {number, url}
    superseded_by     TEXT
  );
  INSERT INTO job_reports (job_id, status_comment_id, pull_request, superseded_by)
    SELECT id, json_extract(data, '$.statusCommentId'), json_extract(data, '$.pullRequest'), json_extract(data, '$.supersededBy')
    FROM jobs
    WHERE json_extract(data, '$.statusCommentId') IS NOT NULL OR json_extract(data, '$.pullRequest') IS NOT NULL OR json_extract(data, '$.supersededBy') IS NOT NULL;
  DROP TABLE jobs;
  ALTER TABLE jobs_v3 RENAME TO jobs;
  UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM migration_seq), 0)) WHERE name = 'jobs';
  DROP TABLE migration_seq;
  CREATE INDEX jobs_issue_state ON jobs (issue_key, state);
  CREATE INDEX jobs_state ON jobs (state);
  CREATE INDEX jobs_finished_at ON jobs (finished_at);
  CREATE INDEX jobs_sender_started ON jobs (sender_id, started_at);
  CREATE INDEX jobs_repo_started ON jobs (repo_key, started_at);
  CREATE UNIQUE INDEX jobs_one_running_per_issue ON jobs (issue_key) WHERE state = 'running';

  ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
  ALTER TABLE outbox ADD COLUMN claim_until INTEGER; -- ms since the epoch
  CREATE INDEX outbox_group_pending ON outbox (group_key, id) WHERE state = 'pending';
  ALTER TABLE sessions ADD COLUMN export BLOB; -- the agent's session, so another worker can continue it

  CREATE TABLE workers (
    id         TEXT    PRIMARY KEY,
    host       TEXT    NOT NULL,
    pid        INTEGER NOT NULL,
    slots      INTEGER NOT NULL,
    started_at TEXT    NOT NULL,
    seen_at    INTEGER NOT NULL -- ms since the epoch
  );
  `,
  // 4: watching the engine (issue #13). job_events ids become the change feed's ids, so they must
  // never be handed out again (AUTOINCREMENT; the table is rebuilt with its ids); jobs get the
  // columns search filters on (sender login and issue number, and a lowercase text to search in);
  // a job's output is kept in chunks; outbox rows name the job they were made for, their op's kind
  // and when they were written. Existing rows are backfilled from their JSON.
  `
  CREATE TABLE job_events_v4 (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    at     TEXT    NOT NULL,
    state  TEXT    NOT NULL,
    detail TEXT
  );
  INSERT INTO job_events_v4 (id, job_id, at, state, detail) SELECT id, job_id, at, state, detail FROM job_events ORDER BY id;
  DROP TABLE job_events;
  ALTER TABLE job_events_v4 RENAME TO job_events;
  CREATE INDEX job_events_job ON job_events (job_id, id);

  ALTER TABLE jobs ADD COLUMN sender_login TEXT    NOT NULL DEFAULT ''; -- lowercase
  ALTER TABLE jobs ADD COLUMN issue_number INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN search_text  TEXT    NOT NULL DEFAULT ''; -- lowercase: message, title, branch, sender, owner/name
  UPDATE jobs SET
    sender_login = lower(coalesce(json_extract(data, '$.sender.login'), '')),
    issue_number = coalesce(json_extract(data, '$.issueNumber'), 0),
    search_text = lower(
      coalesce(json_extract(data, '$.message'), '') || char(10) || coalesce(json_extract(data, '$.issueSnapshot.title'), '') || char(10) ||
      coalesce(json_extract(data, '$.branch'), '') || char(10) || coalesce(json_extract(data, '$.sender.login'), '') || char(10) ||
      coalesce(json_extract(data, '$.repo.owner'), '') || '/' || coalesce(json_extract(data, '$.repo.name'), ''));
  CREATE INDEX jobs_repo_issue ON jobs (repo_key, issue_number, id);
  CREATE INDEX jobs_sender_login ON jobs (sender_login, id);
  CREATE INDEX jobs_created_at ON jobs (created_at);

  CREATE TABLE job_output (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    start  INTEGER NOT NULL, -- byte offset of data in the job's whole output
    data   BLOB    NOT NULL, -- UTF-8, whole characters
    PRIMARY KEY (job_id, start)
  ) WITHOUT ROWID;

  ALTER TABLE outbox ADD COLUMN job_id INTEGER; -- the job whose change made the item, if any
  ALTER TABLE outbox ADD COLUMN done_at INTEGER; -- ms since the epoch
  ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT ''; -- the op's kind, for health counts
  UPDATE outbox SET kind = coalesce(json_extract(op, '$.kind'), '');
  UPDATE outbox SET job_id = CAST(json_extract(op, '$.jobId') AS INTEGER)
    WHERE json_type(op, '$.jobId') IN ('text', 'integer') AND CAST(json_extract(op, '$.jobId') AS INTEGER) > 0;
  UPDATE outbox SET job_id = CAST(substr(key, 8) AS INTEGER) WHERE job_id IS NULL AND key GLOB 'status:[1-9]*';
  UPDATE outbox SET job_id = CAST(substr(key, 14) AS INTEGER) WHERE job_id IS NULL AND key GLOB 'pull-request:[1-9]*';
  UPDATE outbox SET job_id = CAST(substr(key, 15) AS INTEGER) WHERE job_id IS NULL AND key GLOB 'commit-status:[1-9]*';
  CREATE INDEX outbox_job ON outbox (job_id) WHERE job_id IS NOT NULL;
  `,
  // 5: budgets (issue #14). The cost in USD of each job's turn as a column, so that a repository's
  // spending since 00:00 UTC is one indexed sum; backfilled from the JSON results.
  `
  ALTER TABLE jobs ADD COLUMN cost_usd REAL; -- US dollars of the job's turn (result.usage.costUsd), NULL when unknown
  UPDATE jobs SET cost_usd = json_extract(data, '$.result.usage.costUsd')
    WHERE json_valid(data) AND json_type(data, '$.result.usage.costUsd') IN ('real', 'integer');
  CREATE INDEX jobs_repo_finished ON jobs (repo_key, finished_at);
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
  // A step may rebuild a table other tables refer to: foreign keys are checked after, not during
  // (PRAGMA foreign_keys cannot change inside a transaction; SQLite "ALTER TABLE" docs, 7.).
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  const step = db.transaction((): boolean => {
    const version = schemaVersionOf(db, file);
    if (version >= SCHEMA_VERSION) return false;
    db.exec(MIGRATIONS[version]!);
    // PRAGMA takes no bound parameters; the value is an integer computed here.
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  try {
    while (step.immediate());
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
  const broken = db.pragma('foreign_key_check') as unknown[];
  if (broken.length > 0) throw new Error(`${file}: ${broken.length} rows break a foreign key after migrating; restore a backup`);
  return found;
}
