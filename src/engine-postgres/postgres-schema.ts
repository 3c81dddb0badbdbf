/**
 * `jobs.data` as `json` for a migration to read a few fields from. PostgreSQL's `->` refuses a
 * document holding the escape of NUL or of a lone UTF-16 surrogate ("unsupported Unicode escape
 * sequence"), which `JSON.stringify` writes for such characters in an agent's output or a message;
 * so those escapes are replaced by U+FFFD first. Escaped backslashes are rewritten as `\u005c`
 * before (left to right, pairs never overlap), so a literal backslash followed by `u0000` is not
 * taken for an escape. The fields read (repository, sender, report ids) never hold such characters.
 */
const READABLE_DATA = String.raw`regexp_replace(replace(data, '\\', '\u005c'), '\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})', '\\ufffd', 'g')::json`;

/** Like READABLE_DATA, for the JSON text in `column` (e.g. `j.data`): a `json` value PostgreSQL accepts. */
export function readableJson(column: string): string {
  return READABLE_DATA.replace('replace(data,', `replace(${column},`);
}

/**
 * The PostgreSQL schema, as an ordered list of steps (the twin of the SQLite store's
 * `MIGRATIONS`, src/store/migrations.ts). Step `i` (0-based) takes a database from schema version
 * `i` to `i + 1`; {@link migratePostgres} records each applied step as a row of
 * `schema_migrations`. Steps are only ever appended: a released step is never edited.
 *
 * Types, and why:
 * - Ids are `bigint` identity columns: never reused, even after a prune (a rolled-back or coalesced
 *   insert may leave a gap, so ids give the order, not a count).
 * - Job times, `received_at` and cursor values are the ISO 8601 strings callers give, kept as
 *   `text` so they come back exactly as written; `COLLATE "C"` makes `<` and `ORDER BY` compare them
 *   byte by byte as SQLite does (a linguistic collation may skip punctuation). Outbox and deferred
 *   times are ms since the epoch (`bigint`).
 * - JSON payloads (`jobs.data`, `outbox.op`, `repos.data`, `deferred_events.event`) are `text`, not
 *   `jsonb`: `jsonb` rejects `\u0000`, which an agent's output tail may contain, and nothing
 *   queries inside them.
 */
export const POSTGRES_MIGRATIONS: ReadonlyArray<{ description: string; sql: string }> = [
  {
    description: 'deliveries, jobs and their history, sessions, outbox, repositories, cursors, deferred deliveries',
    sql: `
    CREATE TABLE jobs (
      id          bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      issue_key   text    COLLATE "C" NOT NULL,
      state       text    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
      delivery_id text    NOT NULL,
      attempt     integer NOT NULL,
      created_at  text    COLLATE "C" NOT NULL,
      started_at  text    COLLATE "C",
      finished_at text    COLLATE "C",
      data        text    NOT NULL -- JSON: every other Job field (repo, sender, message, result, …)
    );
    CREATE INDEX jobs_issue_state ON jobs (issue_key, state);
    CREATE INDEX jobs_state ON jobs (state);
    CREATE INDEX jobs_finished_at ON jobs (finished_at);

    CREATE TABLE job_events (
      id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      at     text   COLLATE "C" NOT NULL,
      state  text   NOT NULL,
      detail text
    );
    CREATE INDEX job_events_job ON job_events (job_id, id);

    -- The two unique keys make admission exactly once across processes: a second insert of the
    -- same delivery id or event key conflicts (INSERT … ON CONFLICT DO NOTHING waits for the first
    -- inserter's transaction and then does nothing).
    CREATE TABLE deliveries (
      id          text   COLLATE "C" PRIMARY KEY,
      event_key   text   COLLATE "C" NOT NULL UNIQUE,
      event_type  text   NOT NULL,
      received_at text   COLLATE "C" NOT NULL,
      job_id      bigint NOT NULL -- 0: acted on without a job; no foreign key: a pruned job's delivery may outlive it
    );
    CREATE INDEX deliveries_received_at ON deliveries (received_at);

    CREATE TABLE sessions (
      issue_key     text COLLATE "C" PRIMARY KEY,
      agent         text NOT NULL,
      session_id    text,
      worktree_path text NOT NULL,
      branch        text NOT NULL,
      updated_at    text NOT NULL
    );

    CREATE TABLE outbox (
      id              bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      key             text    COLLATE "C" NOT NULL,
      group_key       text    NOT NULL,
      op              text    NOT NULL, -- JSON OutboxOp
      state           text    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
      attempts        integer NOT NULL DEFAULT 0,
      next_attempt_at bigint  NOT NULL, -- ms since the epoch
      last_error      text,
      created_at      bigint  NOT NULL  -- ms since the epoch
    );
    -- Coalescing: at most one pending row per key (INSERT … ON CONFLICT (key) WHERE state = 'pending' DO NOTHING).
    CREATE UNIQUE INDEX outbox_pending_key ON outbox (key) WHERE state = 'pending';
    CREATE INDEX outbox_state_due ON outbox (state, next_attempt_at);
    CREATE INDEX outbox_key_state ON outbox (key, state);

    CREATE TABLE repos (
      full_name  text COLLATE "C" PRIMARY KEY,
      data       text NOT NULL, -- JSON RepoRef
      first_seen text NOT NULL,
      last_seen  text NOT NULL
    );

    CREATE TABLE cursors (
      name  text COLLATE "C" PRIMARY KEY,
      value text NOT NULL
    );

    CREATE TABLE deferred_events (
      event_key       text    COLLATE "C" PRIMARY KEY,
      delivery_id     text    NOT NULL,
      event_type      text    NOT NULL,
      received_at     text    COLLATE "C" NOT NULL,
      event           text    NOT NULL, -- JSON: the event as the delivery claimed it
      attempts        integer NOT NULL DEFAULT 0,
      next_attempt_at bigint  NOT NULL, -- ms since the epoch
      last_error      text
    );
    CREATE INDEX deferred_events_due ON deferred_events (next_attempt_at);
    `,
  },
  {
    // The twin of SQLite's step 3 (src/store/migrations.ts). No table is rebuilt: PostgreSQL alters
    // in place, so ids and the identity sequences are untouched (a pruned id is never handed out again).
    description: 'the engine: waiting state, claims and leases, one running job per issue, job reports, outbox claims, session exports, workers',
    sql: `
    -- A column CHECK gets the name <table>_<column>_check (PostgreSQL 15 docs, CREATE TABLE).
    ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
    ALTER TABLE jobs ADD CONSTRAINT jobs_state_check CHECK (state IN ('queued', 'waiting', 'running', 'succeeded', 'failed', 'canceled'));
    ALTER TABLE jobs
      ADD COLUMN repo_key         text    COLLATE "C" NOT NULL DEFAULT '', -- owner/name, lowercase
      ADD COLUMN sender_id        bigint  NOT NULL DEFAULT 0,
      ADD COLUMN worker_id        text,
      ADD COLUMN lease_until      bigint,  -- ms since the epoch
      ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false,
      ADD COLUMN not_before       bigint;  -- ms since the epoch: a waiting job is claimable from then on
    UPDATE jobs SET
      repo_key = lower(coalesce(${READABLE_DATA} -> 'repo' ->> 'owner', '') || '/' || coalesce(${READABLE_DATA} -> 'repo' ->> 'name', '')),
      sender_id = coalesce((${READABLE_DATA} -> 'sender' ->> 'id')::bigint, 0);
    -- A job running when the schema was older has no worker holding a lease: its lease counts as
    -- expired, so a worker interrupts it (it continues as its next attempt) instead of it running forever.
    UPDATE jobs SET lease_until = 0 WHERE state = 'running';
    CREATE INDEX jobs_sender_started ON jobs (sender_id, started_at);
    CREATE INDEX jobs_repo_started ON jobs (repo_key, started_at);
    -- The last line of defence of per-issue order: two running jobs of one issue cannot commit.
    CREATE UNIQUE INDEX jobs_one_running_per_issue ON jobs (issue_key) WHERE state = 'running';

    -- What the outbox owns of a job (written by report code only); read joined to the job.
    CREATE TABLE job_reports (
      job_id            bigint PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
      status_comment_id bigint,
      pull_request      text, -- JSON {number, url}
      superseded_by     text
    );
    INSERT INTO job_reports (job_id, status_comment_id, pull_request, superseded_by)
      SELECT id, (d ->> 'statusCommentId')::bigint, (d -> 'pullRequest')::text, d ->> 'supersededBy'
      FROM (SELECT id, ${READABLE_DATA} AS d FROM jobs) AS j
      WHERE d ->> 'statusCommentId' IS NOT NULL OR d -> 'pullRequest' IS NOT NULL OR d ->> 'supersededBy' IS NOT NULL;

    ALTER TABLE outbox ADD COLUMN claimed_by text, ADD COLUMN claim_until bigint; -- ms since the epoch
    CREATE INDEX outbox_group_pending ON outbox (group_key, id) WHERE state = 'pending';
    ALTER TABLE sessions ADD COLUMN export bytea; -- the agent's session, so another worker can continue it

    CREATE TABLE workers (
      id         text    PRIMARY KEY,
      host       text    NOT NULL,
      pid        integer NOT NULL,
      slots      integer NOT NULL,
      started_at text    NOT NULL,
      seen_at    bigint  NOT NULL -- ms since the epoch
    );
    `,
  },
  {
    // The twin of SQLite's step 4 (PostgreSQL has one step less: its first had deferred events).
    // Identity ids are never reused already, so job_events stays as it is; its ids become the
    // change feed's (their order is made safe by the store, see \`PendingHistory\`).
    description: 'watching the engine: search columns, job output, the job and kind of outbox items',
    sql: `
    ALTER TABLE jobs
      ADD COLUMN sender_login text    COLLATE "C" NOT NULL DEFAULT '', -- lowercase
      ADD COLUMN issue_number integer NOT NULL DEFAULT 0,
      ADD COLUMN search_text  text    NOT NULL DEFAULT ''; -- lowercase: message, title, branch, sender, owner/name
    UPDATE jobs SET
      sender_login = lower(coalesce(d -> 'sender' ->> 'login', '')),
      issue_number = coalesce((d ->> 'issueNumber')::integer, 0),
      search_text = lower(
        coalesce(d ->> 'message', '') || E'\n' || coalesce(d -> 'issueSnapshot' ->> 'title', '') || E'\n' ||
        coalesce(d ->> 'branch', '') || E'\n' || coalesce(d -> 'sender' ->> 'login', '') || E'\n' ||
        coalesce(d -> 'repo' ->> 'owner', '') || '/' || coalesce(d -> 'repo' ->> 'name', ''))
      FROM (SELECT id AS job_id, ${READABLE_DATA} AS d FROM jobs) AS x
      WHERE x.job_id = jobs.id;
    CREATE INDEX jobs_repo_issue ON jobs (repo_key, issue_number, id);
    CREATE INDEX jobs_sender_login ON jobs (sender_login, id);
    CREATE INDEX jobs_created_at ON jobs (created_at);

    CREATE TABLE job_output (
      job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      start  bigint NOT NULL, -- byte offset of data in the job's whole output
      data   bytea  NOT NULL, -- UTF-8, whole characters
      PRIMARY KEY (job_id, start)
    );

    ALTER TABLE outbox
      ADD COLUMN job_id  bigint, -- the job whose change made the item, if any
      ADD COLUMN done_at bigint, -- ms since the epoch
      ADD COLUMN kind    text NOT NULL DEFAULT ''; -- the op's kind, for health counts
    -- The op's own keys come first in its JSON and are plain words (no JSON parse: an op may hold
    -- escapes PostgreSQL's json refuses).
    UPDATE outbox SET
      kind = coalesce(substring(op from '^[{]"kind":"([a-z_]+)"'), ''),
      job_id = substring(op from '"jobId":"([1-9][0-9]{0,17})"')::bigint;
    UPDATE outbox SET job_id = substring(key from '^(?:status|pull-request|commit-status):([1-9][0-9]{0,17})')::bigint
      WHERE job_id IS NULL;
    CREATE INDEX outbox_job ON outbox (job_id) WHERE job_id IS NOT NULL;
    `,
  },
  {
    // The twin of SQLite's step 5.
    description: "budgets: the cost in USD of each job's turn as a column, summed per repository and day",
    sql: `
    ALTER TABLE jobs ADD COLUMN cost_usd double precision; -- US dollars of the job's turn (result.usage.costUsd), NULL when unknown
    UPDATE jobs SET cost_usd = (d -> 'result' -> 'usage' ->> 'costUsd')::double precision
      FROM (SELECT id AS job_id, ${READABLE_DATA} AS d FROM jobs WHERE data LIKE '%"costUsd":%') AS x
      WHERE x.job_id = jobs.id AND json_typeof(d -> 'result' -> 'usage' -> 'costUsd') = 'number';
    CREATE INDEX jobs_repo_finished ON jobs (repo_key, finished_at);
    `,
  },
];

/** The schema version this build of kugetsu writes: the number of {@link POSTGRES_MIGRATIONS}. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;
