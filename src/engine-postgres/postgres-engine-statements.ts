import { ISSUE_LOCK_CLASS, SQL } from './postgres-statements.js';

const ACTIVE = `('queued', 'waiting', 'running')`;
/** A job with its report row (what the outbox owns). */
const JOB = `SELECT j.*, r.status_comment_id, r.pull_request, r.superseded_by FROM jobs j LEFT JOIN job_reports r ON r.job_id = j.id`;
/** `j` is the oldest unfinished job of its issue (an older queued, waiting or running one holds the issue). */
const FIRST_OF_ISSUE = (j: string) => `NOT EXISTS (SELECT 1 FROM jobs o WHERE o.issue_key = ${j}.issue_key AND o.id < ${j}.id AND o.state IN ${ACTIVE})`;

/**
 * Class of the transaction-level advisory lock every claim takes first
 * (`pg_advisory_xact_lock(CLAIM_LOCK_CLASS, 0)`): claims of all workers take turns, each seeing the
 * previous one's commit. The two-int4 key space, apart from the migration lock's bigint key
 * (PostgreSQL 15 docs, §9.27.10 "Advisory Lock Functions"). Advisory locks are per database, so
 * stores in other schemas of the same database share it (they only wait for each other).
 */
export const CLAIM_LOCK_CLASS = ISSUE_LOCK_CLASS + 1;

/**
 * Class of the transaction-level advisory locks that serialise outbox inserts of one group
 * (`pg_advisory_xact_lock(OUTBOX_GROUP_LOCK_CLASS, hashtext(group_key))`; see `insertOutbox`). A
 * hash collision only makes two groups' inserts take turns.
 */
export const OUTBOX_GROUP_LOCK_CLASS = ISSUE_LOCK_CLASS + 2;

/**
 * Class of the transaction-level advisory lock every transaction that writes job history takes
 * before it does (`pg_advisory_xact_lock(CHANGE_LOCK_CLASS, 0)`), so history ids are handed out
 * in commit order (see `PendingHistory`).
 */
export const CHANGE_LOCK_CLASS = ISSUE_LOCK_CLASS + 3;

/**
 * Class of the transaction-level advisory locks that serialise output appends of one job
 * (`pg_advisory_xact_lock(OUTPUT_LOCK_CLASS, hashtext(job id))`).
 */
export const OUTPUT_LOCK_CLASS = ISSUE_LOCK_CLASS + 4;

/** The `LISTEN`/`NOTIFY` channel of engine events; the payload is the event (see `eventPayload`). */
export const ENGINE_CHANNEL = 'kugetsu_engine';

/**
 * The SQL of the engine's queue (claims, leases, compare-and-set, queue positions, outbox claims,
 * events), as text with `$n` parameters: values are always bound, never spliced in. Times are ms
 * since the epoch, except `started_at` (ISO 8601 text, `COLLATE "C"`, compared as SQLite does).
 */
export const ENGINE_SQL = {
  lockClaims: `SELECT pg_advisory_xact_lock(${CLAIM_LOCK_CLASS}, 0)`,
  lockChanges: `SELECT pg_advisory_xact_lock(${CHANGE_LOCK_CLASS}, 0)`,
  lockOutput: `SELECT pg_advisory_xact_lock(${OUTPUT_LOCK_CLASS}, hashtext($1::text))`,
  /**
   * $1: the groups, sorted and distinct; locked one after the other in that order (an `unnest` is
   * scanned in array order), so two transactions with the same groups cannot deadlock on them.
   */
  lockOutboxGroups: `SELECT pg_advisory_xact_lock(${OUTBOX_GROUP_LOCK_CLASS}, hashtext(g)) FROM unnest($1::text[]) AS g`,

  runningCount: `SELECT count(*)::integer AS n FROM jobs WHERE state = 'running'`,
  runningOfRepo: `SELECT count(*)::integer AS n FROM jobs WHERE state = 'running' AND repo_key = $1`,
  startsOfSender: `SELECT count(*)::integer AS n, min(started_at) AS oldest FROM jobs WHERE sender_id = $1 AND started_at >= $2`,
  /** The summed cost in USD of the repository's ($1) jobs finished at or after $2 (ISO 8601): a daily budget. */
  spentOfRepo: `SELECT coalesce(sum(cost_usd), 0)::double precision AS usd FROM jobs WHERE repo_key = $1 AND finished_at >= $2 AND cost_usd IS NOT NULL`,
  startsOfRepo: `SELECT count(*)::integer AS n, min(started_at) AS oldest FROM jobs WHERE repo_key = $1 AND started_at >= $2`,
  /**
   * Claimable ($1 now, $2 how many): the oldest unfinished job of each issue, queued, or waiting
   * with its time come; oldest first. An issue with a running job is never a candidate (the unique
   * index `jobs_one_running_per_issue` would refuse it anyway).
   */
  candidates: `${JOB} WHERE j.state IN ('queued', 'waiting') AND (j.state = 'queued' OR j.not_before <= $1)
      AND ${FIRST_OF_ISSUE('j')}
      AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.issue_key = j.issue_key AND r.state = 'running')
    ORDER BY j.id LIMIT $2`,

  /** $1 job id, $2 worker, $3 new lease end: renews only the holder's lease on a running job. */
  heartbeat: `UPDATE jobs SET lease_until = $3 WHERE id = $1 AND state = 'running' AND worker_id = $2 RETURNING cancel_requested`,
  cancelRequest: `UPDATE jobs SET cancel_requested = true WHERE id = $1 AND state = 'running'`,
  expiredLeases: `${JOB} WHERE j.state = 'running' AND j.lease_until < $1 ORDER BY j.id`,
  /**
   * Where job $1 is, in one snapshot: its state; whether an older job of its issue is unfinished;
   * how many jobs waiting for a slot (queued, first of their issue) are older, counted up to $2
   * (see QUEUE_AHEAD_LIMIT); how many are queued or waiting in all.
   */
  position: `SELECT j.state,
      NOT ${FIRST_OF_ISSUE('j')} AS behind,
      (SELECT count(*)::integer FROM (SELECT 1 FROM jobs q WHERE q.state = 'queued' AND q.id < j.id AND ${FIRST_OF_ISSUE('q')} LIMIT $2) l) AS ahead,
      (SELECT count(*)::integer FROM jobs WHERE state IN ('queued', 'waiting')) AS waiting
    FROM jobs j WHERE j.id = $1`,

  /**
   * Claims ($1 now, $2 at most, $3 worker, $4 claim end) the head — the oldest pending item — of
   * each group, due, not held by a live claim; `was` is the previous claimant (a lapsed claim).
   * Rows another transaction has locked (being claimed or settled right now) are skipped, not
   * waited for (PostgreSQL 15 docs, SELECT, "The Locking Clause": SKIP LOCKED), and a head
   * skipped so is never replaced by the next item of its group (that one is no head).
   */
  outboxClaim: `WITH heads AS (
      SELECT o.id, o.claimed_by AS was FROM outbox o
      WHERE o.state = 'pending' AND o.next_attempt_at <= $1 AND (o.claimed_by IS NULL OR o.claim_until < $1)
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.group_key = o.group_key AND p.state = 'pending' AND p.id < o.id)
      ORDER BY o.id LIMIT $2
      FOR UPDATE OF o SKIP LOCKED
    )
    UPDATE outbox SET claimed_by = $3, claim_until = $4 FROM heads WHERE outbox.id = heads.id
    RETURNING outbox.*, heads.was`,

  /** $1: the event payloads; delivered to every listener when the transaction commits, not before. */
  notify: `SELECT pg_notify('${ENGINE_CHANNEL}', k) FROM unnest($1::text[]) AS k`,
} as const;

/**
 * Statements run unnamed, so that the server plans each run for the tables as they are: the
 * outbox claim, an anti-join over the pending items with a `LIMIT`. Prepared, a connection
 * switches to a generic plan after five runs (PostgreSQL 15 docs, `PREPARE`, "plan_cache_mode")
 * and keeps it until the table is analysed again: one chosen while the outbox was nearly empty
 * then scanned it for every claim. In the benchmark's measurement 1e (2,000 commands at once) the
 * outbox then sent 50–150 writes a second instead of about 600 until autovacuum's analyse replaced
 * the plan: the writes settled after 12 to 55 s in seven runs (four over 25 s), and after 12–14 s in
 * three runs with the claim planned each time. The job claim's candidates and a queue position
 * have the same shape, but no such stall showed for them, and planning them at each run too (0.1–0.5
 * ms, `prepared-client.ts`; a position is asked for every status comment of a queued job) admitted
 * 1e's commands in 10.8–13.6 s against 9.7–10.7 s (three runs each, a noisy VM): they stay prepared.
 */
const PLANNED_EACH_RUN: ReadonlySet<string> = new Set([ENGINE_SQL.outboxClaim]);

/**
 * The texts the store's connections run as named prepared statements: every fixed statement of
 * `SQL` and `ENGINE_SQL` except those of {@link PLANNED_EACH_RUN} (the outbox claim), which are
 * planned at each run.
 */
export function storePreparedTexts(): string[] {
  return [...Object.values(SQL), ...Object.values(ENGINE_SQL)].filter((text) => !PLANNED_EACH_RUN.has(text));
}
