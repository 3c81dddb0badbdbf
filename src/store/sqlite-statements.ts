import type Database from 'better-sqlite3';
import type { JobColumns, JobRow } from './job-row.js';
import type { JobWriteRow, OutboxRow } from './outbox-row.js';

/** A `sessions` row. */
export interface SessionRow {
  issue_key: string;
  agent: string;
  session_id: string | null;
  worktree_path: string;
  branch: string;
  updated_at: string;
  /** `IssueSession.export`; absent from the rows of `sessionsAll`. */
  export?: Buffer | null;
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
  /** The op's kind. */
  kind: string;
  /** The job the item was made for, if any. */
  job_id: number | null;
}

/** A `job_events` row as the change feed reads it. */
export interface ChangeRow {
  id: number;
  job_id: number;
  at: string;
  state: string;
  detail: string | null;
}

/** A `workers` row with the running jobs it holds. */
export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  slots: number;
  started_at: string;
  seen_at: number;
  running: number;
}

const FINISHED = `('succeeded', 'failed', 'canceled')`;
const ACTIVE = `('queued', 'waiting', 'running')`;
/** A job with its report row (what the outbox owns). */
const JOB = `SELECT j.*, r.status_comment_id, r.pull_request, r.superseded_by FROM jobs j LEFT JOIN job_reports r ON r.job_id = j.id`;
const JOB_COLUMNS = `issue_key, state, delivery_id, attempt, created_at, started_at, finished_at, repo_key, sender_id, worker_id, lease_until, cancel_requested, not_before, sender_login, issue_number, search_text, cost_usd, data`;

/** A `job_reports` patch: `undefined` keeps a field, `null` clears it. */
export interface ReportPatch {
  status_comment_id?: number | null;
  pull_request?: string | null;
  superseded_by?: string | null;
}

/** A claimable job: the oldest unfinished job of its issue, queued or waiting with its time come. */
export interface CandidateRow extends JobRow {
  status_comment_id: number | null;
  pull_request: string | null;
  superseded_by: string | null;
}

/**
 * Prepares, once per connection, every statement the SQLite store runs (values are always bound
 * parameters, never spliced into SQL). `db` must already be migrated to the current schema.
 */
export function prepareStatements(db: Database.Database) {
  return {
    jobInsert: db.prepare<[JobColumns]>(
      `INSERT INTO jobs (${JOB_COLUMNS})
       VALUES (@issue_key, @state, @delivery_id, @attempt, @created_at, @started_at, @finished_at, @repo_key, @sender_id, @worker_id, @lease_until, @cancel_requested, @not_before, @sender_login, @issue_number, @search_text, @cost_usd, @data)`,
    ),
    jobUpdate: db.prepare<[JobColumns & { id: number }]>(
      `UPDATE jobs SET issue_key = @issue_key, state = @state, delivery_id = @delivery_id, attempt = @attempt,
         created_at = @created_at, started_at = @started_at, finished_at = @finished_at, repo_key = @repo_key,
         sender_id = @sender_id, worker_id = @worker_id, lease_until = @lease_until, cancel_requested = @cancel_requested,
         not_before = @not_before, sender_login = @sender_login, issue_number = @issue_number, search_text = @search_text, cost_usd = @cost_usd, data = @data
       WHERE id = @id`,
    ),
    jobGet: db.prepare<[number], CandidateRow>(`${JOB} WHERE j.id = ?`),
    jobsByIssue: db.prepare<[string], CandidateRow>(`${JOB} WHERE j.issue_key = ? ORDER BY j.id`),
    issueActive: db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM jobs WHERE issue_key = ? AND state IN ${ACTIVE} LIMIT 1`),
    queuedCount: db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM jobs WHERE issue_key = ? AND state IN ('queued', 'waiting')`),
    jobsUnfinished: db.prepare<[], CandidateRow>(`${JOB} WHERE j.state IN ${ACTIVE} ORDER BY j.id`),
    jobsRecent: db.prepare<[number], CandidateRow>(`${JOB} ORDER BY j.id DESC LIMIT ?`),
    // Claims: the oldest unfinished job of each issue, when it is queued, or waiting and due.
    candidates: db.prepare<[number, number], CandidateRow>(
      `${JOB} WHERE j.state IN ('queued', 'waiting') AND (j.state = 'queued' OR j.not_before <= ?)
         AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.issue_key = j.issue_key AND o.id < j.id AND o.state IN ${ACTIVE})
       ORDER BY j.id LIMIT ?`,
    ),
    runningCount: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM jobs WHERE state = 'running'`),
    runningOfRepo: db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM jobs WHERE state = 'running' AND repo_key = ?`),
    startsOfSender: db.prepare<[number, string], { n: number; oldest: string | null }>(
      `SELECT count(*) AS n, min(started_at) AS oldest FROM jobs WHERE sender_id = ? AND started_at >= ?`,
    ),
    /** The summed cost in USD of the repository's jobs finished at or after the given ISO time (a daily budget). */
    spentOfRepo: db.prepare<[string, string], { usd: number }>(
      `SELECT coalesce(sum(cost_usd), 0) AS usd FROM jobs WHERE repo_key = ? AND finished_at >= ? AND cost_usd IS NOT NULL`,
    ),
    startsOfRepo: db.prepare<[string, string], { n: number; oldest: string | null }>(
      `SELECT count(*) AS n, min(started_at) AS oldest FROM jobs WHERE repo_key = ? AND started_at >= ?`,
    ),
    heartbeat: db.prepare<[number, number, string]>(`UPDATE jobs SET lease_until = ? WHERE id = ? AND state = 'running' AND worker_id = ?`),
    cancelRequest: db.prepare<[number]>(`UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state = 'running'`),
    expiredLeases: db.prepare<[number], CandidateRow>(`${JOB} WHERE j.state = 'running' AND j.lease_until < ? ORDER BY j.id`),
    // Queue positions: jobs waiting for a slot (the oldest of their issue, queued) older than one.
    // Counted up to a limit (the second parameter): see QUEUE_AHEAD_LIMIT.
    slotQueueAhead: db.prepare<[number, number], { n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM jobs j WHERE j.state = 'queued' AND j.id < ?
         AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.issue_key = j.issue_key AND o.id < j.id AND o.state IN ${ACTIVE}) LIMIT ?)`,
    ),
    olderActiveOfIssue: db.prepare<[string, number], { one: number }>(`SELECT 1 AS one FROM jobs WHERE issue_key = ? AND id < ? AND state IN ${ACTIVE} LIMIT 1`),
    queuedTotal: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'waiting')`),
    reportUpsert: db.prepare<[{ job_id: number; status_comment_id: number | null; pull_request: string | null; superseded_by: string | null }]>(
      `INSERT INTO job_reports (job_id, status_comment_id, pull_request, superseded_by) VALUES (@job_id, @status_comment_id, @pull_request, @superseded_by)
       ON CONFLICT (job_id) DO UPDATE SET status_comment_id = excluded.status_comment_id, pull_request = excluded.pull_request, superseded_by = excluded.superseded_by`,
    ),
    reportGet: db.prepare<[number], ReportPatch & { job_id: number }>(`SELECT * FROM job_reports WHERE job_id = ?`),
    jobCounts: db.prepare<[], { state: string; n: number }>(`SELECT state, count(*) AS n FROM jobs GROUP BY state`),

    eventInsert: db.prepare<[number, string, string, string | null]>(`INSERT INTO job_events (job_id, at, state, detail) VALUES (?, ?, ?, ?)`),
    eventsOfJob: db.prepare<[number], JobEventRow>(`SELECT at, state, detail FROM job_events WHERE job_id = ? ORDER BY id`),

    deliveryInsert: db.prepare<[string, string, string, string, number]>(`INSERT INTO deliveries (id, event_key, event_type, received_at, job_id) VALUES (?, ?, ?, ?, ?)`),
    deliveryById: db.prepare<[string], { job_id: number }>(`SELECT job_id FROM deliveries WHERE id = ?`),
    deliveryByEventKey: db.prepare<[string], { job_id: number }>(`SELECT job_id FROM deliveries WHERE event_key = ?`),
    eventKnown: db.prepare<[string, string], { one: number }>(`SELECT 1 AS one FROM deliveries WHERE id = ? OR event_key = ? LIMIT 1`),

    sessionGet: db.prepare<[string], SessionRow>(`SELECT * FROM sessions WHERE issue_key = ?`),
    sessionPut: db.prepare<[SessionRow]>(
      `INSERT INTO sessions (issue_key, agent, session_id, worktree_path, branch, updated_at, export)
       VALUES (@issue_key, @agent, @session_id, @worktree_path, @branch, @updated_at, @export)
       ON CONFLICT (issue_key) DO UPDATE SET agent = excluded.agent, session_id = excluded.session_id,
         worktree_path = excluded.worktree_path, branch = excluded.branch, updated_at = excluded.updated_at,
         export = excluded.export`,
    ),
    sessionDelete: db.prepare<[string]>(`DELETE FROM sessions WHERE issue_key = ?`),
    sessionsAll: db.prepare<[], SessionRow>(`SELECT issue_key, agent, session_id, worktree_path, branch, updated_at FROM sessions ORDER BY issue_key`),

    // Coalescing: the partial unique index allows one pending row per key.
    outboxInsert: db.prepare<[OutboxInsert]>(
      `INSERT INTO outbox (key, group_key, op, state, attempts, next_attempt_at, created_at, kind, job_id)
       VALUES (@key, @group_key, @op, 'pending', 0, @now, @now, @kind, @job_id)
       ON CONFLICT (key) WHERE state = 'pending' DO NOTHING`,
    ),
    outboxDue: db.prepare<[number, number], OutboxRow>(`SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?`),
    outboxNextDue: db.prepare<[], { at: number | null }>(`SELECT min(next_attempt_at) AS at FROM outbox WHERE state = 'pending'`),
    // Claims: the head (oldest pending item) of each group, due, not held by a live claim.
    outboxClaimable: db.prepare<[number, number, number], OutboxRow>(
      `SELECT * FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND (o.claimed_by IS NULL OR o.claim_until < ?)
         AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.group_key = o.group_key AND p.state = 'pending' AND p.id < o.id)
       ORDER BY o.id LIMIT ?`,
    ),
    outboxClaim: db.prepare<[string, number, number]>(`UPDATE outbox SET claimed_by = ?, claim_until = ? WHERE id = ?`),
    // claimed_by stays: the item was claimed before (see outboxFromRow).
    outboxReleaseClaims: db.prepare(`UPDATE outbox SET claim_until = 0 WHERE state = 'pending' AND claimed_by IS NOT NULL AND claim_until > 0`),
    // Outcomes: only by the claim's holder (or, unclaimed, by anyone), only while pending.
    outboxDone: db.prepare<[number, number, string | null]>(
      `UPDATE outbox SET state = 'done', done_at = ?, claimed_by = NULL, claim_until = NULL WHERE id = ? AND state = 'pending' AND (claimed_by IS NULL OR claimed_by = ?)`,
    ),
    outboxRetry: db.prepare<[number, string, number, string | null]>(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claimed_by = NULL, claim_until = NULL
       WHERE id = ? AND state = 'pending' AND (claimed_by IS NULL OR claimed_by = ?)`,
    ),
    outboxFailed: db.prepare<[string, number, string | null]>(
      `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, claimed_by = NULL, claim_until = NULL
       WHERE id = ? AND state = 'pending' AND (claimed_by IS NULL OR claimed_by = ?)`,
    ),
    outboxOpen: db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM outbox WHERE key = ? AND state IN ('pending', 'failed') LIMIT 1`),
    outboxCounts: db.prepare<[], { state: string; n: number }>(`SELECT state, count(*) AS n FROM outbox WHERE state IN ('pending', 'failed') GROUP BY state`),

    repoPut: db.prepare<[string, string, string, string]>(
      `INSERT INTO repos (full_name, data, first_seen, last_seen) VALUES (?, ?, ?, ?)
       ON CONFLICT (full_name) DO UPDATE SET data = excluded.data, last_seen = excluded.last_seen`,
    ),
    reposAll: db.prepare<[], { data: string }>(`SELECT data FROM repos ORDER BY full_name`),

    cursorGet: db.prepare<[string], { value: string }>(`SELECT value FROM cursors WHERE name = ?`),
    cursorPut: db.prepare<[string, string]>(`INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`),

    deferInsert: db.prepare<[string, string, string, string, string, number, string]>(
      `INSERT INTO deferred_events (event_key, delivery_id, event_type, received_at, event, next_attempt_at, last_error)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING`,
    ),
    deferredDue: db.prepare<[number, number], DeferredRow>(`SELECT * FROM deferred_events WHERE next_attempt_at <= ? ORDER BY received_at, event_key LIMIT ?`),
    deferredRetry: db.prepare<[number, string, string]>(`UPDATE deferred_events SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE event_key = ?`),
    deferredDelete: db.prepare<[string]>(`DELETE FROM deferred_events WHERE event_key = ?`),
    deferredCount: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM deferred_events`),

    pruneJobIds: db.prepare<[string], { id: number }>(`SELECT id FROM jobs WHERE state IN ${FINISHED} AND finished_at < ? ORDER BY id`),
    pruneJobEvents: db.prepare<[string]>(`DELETE FROM job_events WHERE job_id IN (SELECT id FROM jobs WHERE state IN ${FINISHED} AND finished_at < ?)`),
    pruneJobReports: db.prepare<[string]>(`DELETE FROM job_reports WHERE job_id IN (SELECT id FROM jobs WHERE state IN ${FINISHED} AND finished_at < ?)`),
    pruneJobs: db.prepare<[string]>(`DELETE FROM jobs WHERE state IN ${FINISHED} AND finished_at < ?`),
    pruneDeliveries: db.prepare<[string]>(
      `DELETE FROM deliveries WHERE received_at < ?
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = deliveries.job_id AND j.state IN ${ACTIVE})`,
    ),
    pruneOutbox: db.prepare<[number]>(`DELETE FROM outbox WHERE state IN ('done', 'failed') AND created_at < ?`),
    pruneJobOutput: db.prepare<[string]>(`DELETE FROM job_output WHERE job_id IN (SELECT id FROM jobs WHERE state IN ${FINISHED} AND finished_at < ?)`),
    pruneWorkers: db.prepare<[number]>(`DELETE FROM workers WHERE seen_at < ?`),

    // The change feed: history rows by id (AUTOINCREMENT, never reused).
    changesAfter: db.prepare<[number, number], ChangeRow>(`SELECT id, job_id, at, state, detail FROM job_events WHERE id > ? ORDER BY id LIMIT ?`),
    lastChangeId: db.prepare<[], { id: number | null }>(`SELECT max(id) AS id FROM job_events`),

    workerPut: db.prepare<[{ id: string; host: string; pid: number; slots: number; started_at: string; seen_at: number }]>(
      `INSERT INTO workers (id, host, pid, slots, started_at, seen_at) VALUES (@id, @host, @pid, @slots, @started_at, @seen_at)
       ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, slots = excluded.slots, started_at = excluded.started_at, seen_at = excluded.seen_at`,
    ),
    workerDelete: db.prepare<[string]>(`DELETE FROM workers WHERE id = ?`),
    workersAll: db.prepare<[], WorkerRow>(
      `SELECT w.*, (SELECT count(*) FROM jobs j WHERE j.state = 'running' AND j.worker_id = w.id) AS running
       FROM workers w ORDER BY w.seen_at DESC, w.id`,
    ),
    outboxHealth: db.prepare<[], { kind: string; pending: number; retrying: number; failed: number }>(
      `SELECT kind, sum(state = 'pending') AS pending, sum(state = 'pending' AND attempts > 0) AS retrying, sum(state = 'failed') AS failed
       FROM outbox WHERE state IN ('pending', 'failed') GROUP BY kind ORDER BY kind`,
    ),
    outboxOfJob: db.prepare<[number], JobWriteRow>(`SELECT id, kind, state, attempts, last_error, created_at, done_at FROM outbox WHERE job_id = ? ORDER BY id`),
    waitingCounts: db.prepare<[], { repo: string; reason: string; n: number }>(
      `SELECT j.repo_key AS repo,
         CASE WHEN j.state = 'waiting' THEN coalesce(json_extract(j.data, '$.waiting.reason'), 'gitea')
              WHEN EXISTS (SELECT 1 FROM jobs o WHERE o.issue_key = j.issue_key AND o.id < j.id AND o.state IN ${ACTIVE}) THEN 'issue'
              ELSE 'slot' END AS reason,
         count(*) AS n
       FROM jobs j WHERE j.state IN ('queued', 'waiting') GROUP BY 1, 2 ORDER BY 1, 2`,
    ),
    jobState: db.prepare<[number], { state: string }>(`SELECT state FROM jobs WHERE id = ?`),

    // Output chunks (see output-chunks.ts).
    outputFirst: db.prepare<[number], { start: number }>(`SELECT start FROM job_output WHERE job_id = ? ORDER BY start LIMIT 1`),
    outputLast: db.prepare<[number], { start: number; size: number }>(`SELECT start, length(data) AS size FROM job_output WHERE job_id = ? ORDER BY start DESC LIMIT 1`),
    outputInsert: db.prepare<[number, number, Buffer]>(`INSERT INTO job_output (job_id, start, data) VALUES (?, ?, ?)`),
    outputDropBefore: db.prepare<[number, number, number]>(`DELETE FROM job_output WHERE job_id = ? AND start < ? AND start + length(data) <= ?`),
    outputStraddling: db.prepare<[number, number], { start: number; data: Buffer }>(`SELECT start, data FROM job_output WHERE job_id = ? AND start < ?`),
    outputDelete: db.prepare<[number, number]>(`DELETE FROM job_output WHERE job_id = ? AND start = ?`),
    // The chunk holding byte $from, and those after it that start before $to.
    outputRange: db.prepare<[{ job: number; from: number; to: number }], { start: number; data: Buffer }>(
      `SELECT start, data FROM job_output
       WHERE job_id = @job AND start < @to
         AND start >= coalesce((SELECT max(start) FROM job_output WHERE job_id = @job AND start <= @from), 0)
       ORDER BY start`,
    ),
  };
}

/** The prepared statements of one connection. */
export type Statements = ReturnType<typeof prepareStatements>;
