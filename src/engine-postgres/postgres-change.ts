import type { PoolClient } from 'pg';
import type { JobState } from '../domain/job-state.js';
import type { JobChange } from '../engine/job-queue.js';
import type { Job } from '../domain/job.js';
import { patchJob } from '../store/job-row.js';
import type { NewOutboxItem } from '../domain/outbox.js';
import { jobFromPostgresRow, jobParams, type PostgresJobRow } from './postgres-job-row.js';
import type { PendingHistory } from './postgres-history.js';
import { insertOutbox } from './postgres-outbox-insert.js';
import { SQL } from './postgres-statements.js';

/** What {@link applyJobChange} did. */
export interface AppliedChange {
  /** The job as the change left it (report fields included). */
  job: Job;
  /** Its state before. */
  from: JobState;
  /** Outbox items given to insert (some may have coalesced into pending ones). */
  items: number;
}

/** A job id as the `jobs` primary key, or `undefined` for a string that cannot be one. */
export function parseJobId(id: string): number | undefined {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : undefined;
}

/**
 * Applies a compare-and-set {@link JobChange} inside the caller's transaction: locks the job's row
 * (`SELECT … FOR UPDATE`, so concurrent changes of one job take turns and each sees the previous
 * one's result); does nothing (`undefined`) for an unknown id, a job not in `change.expect`, or —
 * when `change.workerId` is given — one not held by that worker. Otherwise writes the patch
 * (`undefined` clears an optional field, see `patchJob`; report-owned fields —
 * `statusCommentId`, `pullRequest`, `supersededBy` — go to `job_reports`), a history row when the
 * state changes (at `now`, with `change.detail`; queued on `history`, which the caller flushes
 * before it commits), and `change.outbox` plus whatever `more(job)` builds for the changed job
 * (outbox rows naming the job). Throws what PostgreSQL throws (e.g. 23505 from
 * `jobs_one_running_per_issue` for a second running job of an issue).
 */
export async function applyJobChange(
  c: PoolClient,
  id: string,
  change: JobChange,
  now: Date,
  history: PendingHistory,
  more?: (job: Job) => NewOutboxItem[],
): Promise<AppliedChange | undefined> {
  const n = parseJobId(id);
  if (n === undefined) return undefined;
  const row = (await c.query<PostgresJobRow>(SQL.jobGetForUpdate, [n])).rows[0];
  if (!row || !change.expect.includes(row.state as JobState)) return undefined;
  if (change.workerId !== undefined && row.worker_id !== change.workerId) return undefined;
  const current = jobFromPostgresRow(row);
  const { next, report } = patchJob(current, change.patch);
  await c.query(SQL.jobUpdate, [...jobParams(next), n]);
  if (Object.keys(report).length > 0) {
    const merged = { ...current, ...report } as Job;
    await c.query(SQL.reportUpsert, [n, merged.statusCommentId ?? null, merged.pullRequest ? JSON.stringify(merged.pullRequest) : null, merged.supersededBy ?? null]);
  }
  if (next.state !== current.state) history.add(n, now.toISOString(), next.state as string, change.detail ?? null);
  const job = jobFromPostgresRow((await c.query<PostgresJobRow>(SQL.jobGet, [n])).rows[0]!);
  const items = await insertOutbox(c, [...(change.outbox ?? []), ...(more?.(job) ?? [])], now, n);
  return { job, from: current.state, items };
}
