import type { IssueKey } from '../domain/issue-key.js';
import type { Job, JobState } from './job.js';

/**
 * A `jobs` row: the fields the store queries on are columns, every other {@link Job} field is in
 * the JSON `data` column. Timestamps are the ISO strings the caller gave or the store produced.
 */
export interface JobRow {
  id: number;
  issue_key: string;
  state: string;
  delivery_id: string;
  attempt: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  data: string;
}

/** The column values of a job (all but `id`), as named parameters of the `jobs` statements. */
export type JobColumns = Omit<JobRow, 'id'>;

/**
 * Splits a job into its columns. `JSON.stringify` drops `undefined` fields, so an optional field
 * set to `undefined` is stored as absent. Throws what `JSON.stringify` throws (a cycle, a BigInt).
 */
export function jobToColumns(job: Job): JobColumns {
  const { id: _id, issueKey, state, deliveryId, attempt, createdAt, startedAt, finishedAt, ...rest } = job;
  return {
    issue_key: issueKey,
    state,
    delivery_id: deliveryId,
    attempt,
    created_at: createdAt,
    started_at: startedAt ?? null,
    finished_at: finishedAt ?? null,
    data: JSON.stringify(rest),
  };
}

/** Rebuilds a fresh {@link Job} from its row (a new object every time: callers may mutate it). */
export function jobFromRow(row: JobRow): Job {
  const rest = JSON.parse(row.data) as Omit<Job, 'id' | 'issueKey' | 'state' | 'deliveryId' | 'attempt' | 'createdAt'>;
  const job: Job = {
    ...rest,
    id: String(row.id),
    issueKey: row.issue_key as IssueKey,
    state: row.state as JobState,
    deliveryId: row.delivery_id,
    attempt: row.attempt,
    createdAt: row.created_at,
  };
  if (row.started_at !== null) job.startedAt = row.started_at;
  if (row.finished_at !== null) job.finishedAt = row.finished_at;
  return job;
}
