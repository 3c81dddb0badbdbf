import type Database from 'better-sqlite3';
import type { JobColumns, JobRow } from './job-row.js';

/** A `sessions` row. */
export interface SessionRow {
  issue_key: string;
  agent: string;
  session_id: string | null;
  worktree_path: string;
  branch: string;
  updated_at: string;
}

/** An `outbox` row; `op` is JSON, times are ms since the epoch. */
export interface OutboxRow {
  id: number;
  key: string;
  group_key: string;
  op: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
}

/** A `deferred_events` row; `event` is JSON, `next_attempt_at` ms since the epoch. */
export interface DeferredRow {
  event_key: string;
  delivery_id: string;
  event_type: string;
  received_at: string;
  event: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

/** A `job_events` row. */
export interface JobEventRow {
  at: string;
  state: string;
  detail: string | null;
}

/** Bound as the named parameters of `outboxInsert`. */
export interface OutboxInsert {
  key: string;
  group_key: string;
  op: string;
  now: number;
}

const FINISHED = `('succeeded', 'failed', 'canceled')`;

/**
 * Prepares, once per connection, every statement the SQLite store runs (values are always bound
 * parameters, never spliced into SQL). `db` must already be migrated to the current schema.
 */
export function prepareStatements(db: Database.Database) {
  return {
    jobInsert: db.prepare<[JobColumns]>(
      `INSERT INTO jobs (issue_key, state, delivery_id, attempt, created_at, started_at, finished_at, data)
       VALUES (@issue_key, @state, @delivery_id, @attempt, @created_at, @started_at, @finished_at, @data)`,
    ),
    jobUpdate: db.prepare<[JobColumns & { id: number }]>(
      `UPDATE jobs SET issue_key = @issue_key, state = @state, delivery_id = @delivery_id, attempt = @attempt,
         created_at = @created_at, started_at = @started_at, finished_at = @finished_at, data = @data
       WHERE id = @id`,
    ),
    jobGet: db.prepare<[number], JobRow>(`SELECT * FROM jobs WHERE id = ?`),
    jobsByIssue: db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE issue_key = ? ORDER BY id`),
    issueActive: db.prepare<[string], { one: number }>(
      `SELECT 1 AS one FROM jobs WHERE issue_key = ? AND state IN ('queued', 'running') LIMIT 1`,
    ),
    queuedCount: db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM jobs WHERE issue_key = ? AND state = 'queued'`),
    jobsUnfinished: db.prepare<[], JobRow>(`SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY id`),
    jobsRecent: db.prepare<[number], JobRow>(`SELECT * FROM jobs ORDER BY id DESC LIMIT ?`),
    jobCounts: db.prepare<[], { state: string; n: number }>(`SELECT state, count(*) AS n FROM jobs GROUP BY state`),

    eventInsert: db.prepare<[number, string, string, string | null]>(
      `INSERT INTO job_events (job_id, at, state, detail) VALUES (?, ?, ?, ?)`,
    ),
    eventsOfJob: db.prepare<[number], JobEventRow>(`SELECT at, state, detail FROM job_events WHERE job_id = ? ORDER BY id`),

    deliveryInsert: db.prepare<[string, string, string, string, number]>(
      `INSERT INTO deliveries (id, event_key, event_type, received_at, job_id) VALUES (?, ?, ?, ?, ?)`,
    ),
    deliveryById: db.prepare<[string], { job_id: number }>(`SELECT job_id FROM deliveries WHERE id = ?`),
    deliveryByEventKey: db.prepare<[string], { job_id: number }>(`SELECT job_id FROM deliveries WHERE event_key = ?`),
    eventKnown: db.prepare<[string, string], { one: number }>(
      `SELECT 1 AS one FROM deliveries WHERE id = ? OR event_key = ? LIMIT 1`,
    ),

    sessionGet: db.prepare<[string], SessionRow>(`SELECT * FROM sessions WHERE issue_key = ?`),
    sessionPut: db.prepare<[SessionRow]>(
      `INSERT INTO sessions (issue_key, agent, session_id, worktree_path, branch, updated_at)
       VALUES (@issue_key, @agent, @session_id, @worktree_path, @branch, @updated_at)
       ON CONFLICT (issue_key) DO UPDATE SET agent = excluded.agent, session_id = excluded.session_id,
         worktree_path = excluded.worktree_path, branch = excluded.branch, updated_at = excluded.updated_at`,
    ),
    sessionDelete: db.prepare<[string]>(`DELETE FROM sessions WHERE issue_key = ?`),
    sessionsAll: db.prepare<[], SessionRow>(`SELECT * FROM sessions ORDER BY issue_key`),

    // Coalescing: the partial unique index allows one pending row per key.
    outboxInsert: db.prepare<[OutboxInsert]>(
      `INSERT INTO outbox (key, group_key, op, state, attempts, next_attempt_at, created_at)
       VALUES (@key, @group_key, @op, 'pending', 0, @now, @now)
       ON CONFLICT (key) WHERE state = 'pending' DO NOTHING`,
    ),
    outboxDue: db.prepare<[number, number], OutboxRow>(
      `SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
    ),
    outboxNextDue: db.prepare<[], { at: number | null }>(
      `SELECT min(next_attempt_at) AS at FROM outbox WHERE state = 'pending'`,
    ),
    outboxDone: db.prepare<[number]>(`UPDATE outbox SET state = 'done' WHERE id = ?`),
    outboxRetry: db.prepare<[number, string, number]>(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'`,
    ),
    outboxFailed: db.prepare<[string, number]>(
      `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'`,
    ),
    outboxOpen: db.prepare<[string], { one: number }>(
      `SELECT 1 AS one FROM outbox WHERE key = ? AND state IN ('pending', 'failed') LIMIT 1`,
    ),
    outboxCounts: db.prepare<[], { state: string; n: number }>(
      `SELECT state, count(*) AS n FROM outbox WHERE state IN ('pending', 'failed') GROUP BY state`,
    ),

    repoPut: db.prepare<[string, string, string, string]>(
      `INSERT INTO repos (full_name, data, first_seen, last_seen) VALUES (?, ?, ?, ?)
       ON CONFLICT (full_name) DO UPDATE SET data = excluded.data, last_seen = excluded.last_seen`,
    ),
    reposAll: db.prepare<[], { data: string }>(`SELECT data FROM repos ORDER BY full_name`),

    cursorGet: db.prepare<[string], { value: string }>(`SELECT value FROM cursors WHERE name = ?`),
    cursorPut: db.prepare<[string, string]>(
      `INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    ),

    deferInsert: db.prepare<[string, string, string, string, string, number, string]>(
      `INSERT INTO deferred_events (event_key, delivery_id, event_type, received_at, event, next_attempt_at, last_error)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING`,
    ),
    deferredDue: db.prepare<[number, number], DeferredRow>(
      `SELECT * FROM deferred_events WHERE next_attempt_at <= ? ORDER BY received_at, event_key LIMIT ?`,
    ),
    deferredRetry: db.prepare<[number, string, string]>(
      `UPDATE deferred_events SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE event_key = ?`,
    ),
    deferredDelete: db.prepare<[string]>(`DELETE FROM deferred_events WHERE event_key = ?`),
    deferredCount: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM deferred_events`),

    pruneJobIds: db.prepare<[string], { id: number }>(
      `SELECT id FROM jobs WHERE state IN ${FINISHED} AND finished_at < ? ORDER BY id`,
    ),
    pruneJobEvents: db.prepare<[string]>(
      `DELETE FROM job_events WHERE job_id IN (SELECT id FROM jobs WHERE state IN ${FINISHED} AND finished_at < ?)`,
    ),
    pruneJobs: db.prepare<[string]>(`DELETE FROM jobs WHERE state IN ${FINISHED} AND finished_at < ?`),
    pruneDeliveries: db.prepare<[string]>(
      `DELETE FROM deliveries WHERE received_at < ?
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = deliveries.job_id AND j.state IN ('queued', 'running'))`,
    ),
    pruneOutbox: db.prepare<[number]>(`DELETE FROM outbox WHERE state IN ('done', 'failed') AND created_at < ?`),
  };
}

/** The prepared statements of one connection. */
export type Statements = ReturnType<typeof prepareStatements>;
