import type { Job } from '../domain/job.js';
import { jobFromRow, jobToColumns, type JobReportRow, type JobRow } from '../store/job-row.js';

/**
 * A `jobs` row joined to its `job_reports` row, as `pg` returns it (`bigint` already parsed to a
 * number by the store's pool). The same columns as SQLite's {@link JobRow} (src/store/job-row.ts
 * decides which {@link Job} fields are columns and which live in the JSON text `data`), except
 * that `cancel_requested` is a `boolean` here.
 */
export interface PostgresJobRow extends Omit<JobRow, 'cancel_requested'>, Partial<JobReportRow> {
  cancel_requested: boolean;
}

/** The parameter order of `SQL.jobInsert` ($1…$18) and of `SQL.jobUpdate` ($1…$18, then the id as $19). */
export const JOB_COLUMNS = [
  'issue_key',
  'state',
  'delivery_id',
  'attempt',
  'created_at',
  'started_at',
  'finished_at',
  'repo_key',
  'sender_id',
  'worker_id',
  'lease_until',
  'cancel_requested',
  'not_before',
  'sender_login',
  'issue_number',
  'search_text',
  'cost_usd',
  'data',
] as const;

/**
 * A job's column values in {@link JOB_COLUMNS} order (report fields are not among them: they go
 * to `job_reports`). `JSON.stringify` drops `undefined` fields, so an optional field set to
 * `undefined` is stored as absent. Throws what `JSON.stringify` throws (a cycle, a BigInt).
 */
export function jobParams(job: Job): unknown[] {
  const columns = jobToColumns(job);
  return JOB_COLUMNS.map((name) => (name === 'cancel_requested' ? columns.cancel_requested === 1 : columns[name]));
}

/** Rebuilds a fresh {@link Job} from its row (a new object every time: callers may mutate it). */
export function jobFromPostgresRow(row: PostgresJobRow): Job {
  return jobFromRow({ ...row, cancel_requested: row.cancel_requested ? 1 : 0 });
}
