import { JOB_COLUMNS } from './postgres-job-row.js';
import { readableJson } from './postgres-schema.js';

const FINISHED = `('succeeded', 'failed', 'canceled')`;
const ACTIVE = `('queued', 'waiting', 'running')`;
const COLUMNS = JOB_COLUMNS.join(', ');
/** A job with its report row (what the outbox owns). */
const JOB = `SELECT j.*, r.status_comment_id, r.pull_request, r.superseded_by FROM jobs j LEFT JOIN job_reports r ON r.job_id = j.id`;

/**
 * Class of the transaction-level advisory locks that serialise admissions of one issue
 * (`pg_advisory_xact_lock(ISSUE_LOCK_CLASS, hashtext(issue_key))`): "ku" as a 16-bit integer. Two
 * int4 keys live in a key space of their own, apart from the bigint migration lock (PostgreSQL 15
 * docs, §9.27.10). A hash collision only makes two issues wait for each other.
 */
export const ISSUE_LOCK_CLASS = 27509;

/**
 * Every SQL statement the PostgreSQL store runs, as text with `$n` parameters: values are always
 * bound, never spliced in. The store's connections run each of these (and `ENGINE_SQL`'s) as a
 * named prepared statement (`preparingClient`): parsed once per connection, not at every run.
 */
export const SQL = {
  lockIssue: `SELECT pg_advisory_xact_lock(${ISSUE_LOCK_CLASS}, hashtext($1))`,

  jobInsert: `INSERT INTO jobs (${COLUMNS}) VALUES (${JOB_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
  jobUpdate: `UPDATE jobs SET ${JOB_COLUMNS.map((name, i) => `${name} = $${i + 1}`).join(', ')} WHERE id = $${JOB_COLUMNS.length + 1}`,
  jobGet: `${JOB} WHERE j.id = $1`,
  /** The row lock makes concurrent changes of one job take turns (no lost update). */
  jobGetForUpdate: `${JOB} WHERE j.id = $1 FOR UPDATE OF j`,
  jobsByIssue: `${JOB} WHERE j.issue_key = $1 ORDER BY j.id`,
  issueActive: `SELECT 1 AS one FROM jobs WHERE issue_key = $1 AND state IN ${ACTIVE} LIMIT 1`,
  queuedCount: `SELECT count(*)::integer AS n FROM jobs WHERE issue_key = $1 AND state IN ('queued', 'waiting')`,
  jobsUnfinished: `${JOB} WHERE j.state IN ${ACTIVE} ORDER BY j.id`,
  jobsRecent: `${JOB} ORDER BY j.id DESC LIMIT $1`,
  jobCounts: `SELECT state, count(*)::integer AS n FROM jobs GROUP BY state`,
  /** A `job_reports` row replaced as a whole (the caller merges the patch into the current values). */
  reportUpsert: `INSERT INTO job_reports (job_id, status_comment_id, pull_request, superseded_by) VALUES ($1, $2, $3, $4)
    ON CONFLICT (job_id) DO UPDATE SET status_comment_id = excluded.status_comment_id, pull_request = excluded.pull_request,
      superseded_by = excluded.superseded_by`,

  eventInsert: `INSERT INTO job_events (job_id, at, state, detail) VALUES ($1, $2, $3, $4)`,
  eventsOfJob: `SELECT at, state, detail FROM job_events WHERE job_id = $1 ORDER BY id`,

  /** Claims a delivery id and an event key at once; no row back means one of them is taken. */
  deliveryInsert: `INSERT INTO deliveries (id, event_key, event_type, received_at, job_id) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT DO NOTHING RETURNING 1 AS one`,
  deliverySetJob: `UPDATE deliveries SET job_id = $2 WHERE id = $1`,
  /** How a delivery was handled: by its id first, else by its event key. */
  deliveryHandled: `SELECT job_id, (id = $1) AS by_delivery FROM deliveries WHERE id = $1 OR event_key = $2
    ORDER BY (id = $1) DESC LIMIT 1`,
  eventKnown: `SELECT 1 AS one FROM deliveries WHERE id = $1 OR event_key = $2 LIMIT 1`,

  sessionGet: `SELECT * FROM sessions WHERE issue_key = $1`,
  sessionPut: `INSERT INTO sessions (issue_key, agent, session_id, worktree_path, branch, updated_at, export) VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (issue_key) DO UPDATE SET agent = excluded.agent, session_id = excluded.session_id,
      worktree_path = excluded.worktree_path, branch = excluded.branch, updated_at = excluded.updated_at, export = excluded.export`,
  sessionDelete: `DELETE FROM sessions WHERE issue_key = $1`,
  /** Without the exports (they may be large; the listing is for worktree clean-up). */
  sessionsAll: `SELECT issue_key, agent, session_id, worktree_path, branch, updated_at FROM sessions ORDER BY issue_key`,

  /**
   * Coalescing: the partial unique index `outbox_pending_key` allows one pending row per key. An
   * item that coalesces into a pending row does not add a row but locks that one (a no-op `DO
   * UPDATE`, not `DO NOTHING`) until its transaction ends — see `insertOutbox` for why.
   */
  outboxInsert: `INSERT INTO outbox (key, group_key, op, state, attempts, next_attempt_at, created_at, kind, job_id)
    VALUES ($1, $2, $3, 'pending', 0, $4, $4, $5, $6)
    ON CONFLICT (key) WHERE state = 'pending' DO UPDATE SET key = outbox.key`,
  outboxDue: `SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2`,
  outboxNextDue: `SELECT min(next_attempt_at) AS at FROM outbox WHERE state = 'pending'`,
  // Outcomes: only by the claim's holder (or, unclaimed, by anyone), only while pending; each frees the claim.
  outboxDone: `UPDATE outbox SET state = 'done', done_at = $3, claimed_by = NULL, claim_until = NULL
    WHERE id = $1 AND state = 'pending' AND (claimed_by IS NULL OR claimed_by = $2)`,
  outboxRetry: `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, claimed_by = NULL, claim_until = NULL
    WHERE id = $1 AND state = 'pending' AND (claimed_by IS NULL OR claimed_by = $4)`,
  outboxFailed: `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = $2, claimed_by = NULL, claim_until = NULL
    WHERE id = $1 AND state = 'pending' AND (claimed_by IS NULL OR claimed_by = $3)`,
  outboxOpen: `SELECT 1 AS one FROM outbox WHERE key = $1 AND state IN ('pending', 'failed') LIMIT 1`,
  outboxCounts: `SELECT state, count(*)::integer AS n FROM outbox WHERE state IN ('pending', 'failed') GROUP BY state`,

  repoPut: `INSERT INTO repos (full_name, data, first_seen, last_seen) VALUES ($1, $2, $3, $3)
    ON CONFLICT (full_name) DO UPDATE SET data = excluded.data, last_seen = excluded.last_seen`,
  reposAll: `SELECT data FROM repos ORDER BY full_name`,

  cursorGet: `SELECT value FROM cursors WHERE name = $1`,
  cursorPut: `INSERT INTO cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,

  /** A copy of an event already deferred is merged into it (one row per event key). */
  deferInsert: `INSERT INTO deferred_events (event_key, delivery_id, event_type, received_at, event, next_attempt_at, last_error)
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_key) DO NOTHING`,
  deferredDue: `SELECT * FROM deferred_events WHERE next_attempt_at <= $1 ORDER BY received_at, event_key LIMIT $2`,
  deferredRetry: `UPDATE deferred_events SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE event_key = $1`,
  deferredDelete: `DELETE FROM deferred_events WHERE event_key = $1`,
  deferredCount: `SELECT count(*)::integer AS n FROM deferred_events`,

  /** Their history and report rows go with them (`… REFERENCES jobs (id) ON DELETE CASCADE`). */
  pruneJobs: `DELETE FROM jobs WHERE state IN ${FINISHED} AND finished_at < $1 RETURNING id`,
  pruneDeliveries: `DELETE FROM deliveries d WHERE d.received_at < $1
    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = d.job_id AND j.state IN ${ACTIVE})`,
  pruneOutbox: `DELETE FROM outbox WHERE state IN ('done', 'failed') AND created_at < $1`,
  pruneWorkers: `DELETE FROM workers WHERE seen_at < $1`,

  /** The change feed: history rows by id (in commit order, see `PendingHistory`). */
  changesAfter: `SELECT id, job_id, at, state, detail FROM job_events WHERE id > $1 ORDER BY id LIMIT $2`,
  lastChangeId: `SELECT coalesce(max(id), 0) AS id FROM job_events`,

  workerPut: `INSERT INTO workers (id, host, pid, slots, started_at, seen_at) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, slots = excluded.slots, started_at = excluded.started_at, seen_at = excluded.seen_at`,
  workerDelete: `DELETE FROM workers WHERE id = $1`,
  workersAll: `SELECT w.*, (SELECT count(*)::integer FROM jobs j WHERE j.state = 'running' AND j.worker_id = w.id) AS running
    FROM workers w ORDER BY w.seen_at DESC, w.id`,
  outboxHealth: `SELECT kind, count(*) FILTER (WHERE state = 'pending')::integer AS pending,
      count(*) FILTER (WHERE state = 'pending' AND attempts > 0)::integer AS retrying,
      count(*) FILTER (WHERE state = 'failed')::integer AS failed
    FROM outbox WHERE state IN ('pending', 'failed') GROUP BY kind ORDER BY kind`,
  outboxOfJob: `SELECT id, kind, state, attempts, last_error, created_at, done_at FROM outbox WHERE job_id = $1 ORDER BY id`,
  /**
   * Queued and waiting jobs by repository and reason. A waiting job's reason is read from its JSON
   * (made readable first: an escape PostgreSQL's json refuses is replaced, see `readableJson`); only waiting rows are parsed.
   */
  waitingCounts: `SELECT j.repo_key AS repo,
      CASE WHEN j.state = 'waiting'
             THEN coalesce(${readableJson('j.data')} -> 'waiting' ->> 'reason', 'gitea')
           WHEN EXISTS (SELECT 1 FROM jobs o WHERE o.issue_key = j.issue_key AND o.id < j.id AND o.state IN ${ACTIVE}) THEN 'issue'
           ELSE 'slot' END AS reason,
      count(*)::integer AS n
    FROM jobs j WHERE j.state IN ('queued', 'waiting') GROUP BY 1, 2 ORDER BY 1, 2`,
  jobState: `SELECT state FROM jobs WHERE id = $1`,

  outputFirst: `SELECT start FROM job_output WHERE job_id = $1 ORDER BY start LIMIT 1`,
  outputLast: `SELECT start, octet_length(data) AS size FROM job_output WHERE job_id = $1 ORDER BY start DESC LIMIT 1`,
  outputInsert: `INSERT INTO job_output (job_id, start, data) VALUES ($1, $2, $3)`,
  outputDropBefore: `DELETE FROM job_output WHERE job_id = $1 AND start < $2 AND start + octet_length(data) <= $2`,
  outputStraddling: `SELECT start, data FROM job_output WHERE job_id = $1 AND start < $2`,
  outputDelete: `DELETE FROM job_output WHERE job_id = $1 AND start = $2`,
  /** The chunk holding byte $2, and those after it that start before $3. */
  outputRange: `SELECT start, data FROM job_output
    WHERE job_id = $1 AND start < $3
      AND start >= coalesce((SELECT max(start) FROM job_output WHERE job_id = $1 AND start <= $2), 0)
    ORDER BY start`,
} as const;
