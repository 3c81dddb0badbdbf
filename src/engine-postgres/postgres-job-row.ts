import type { IssueKey } from '../domain/issue-key.js';
import type { Job, JobState } from '../store/job.js';

/**
 * A `jobs` row as `pg` returns it (`bigint` already parsed to a number by the store's pool): the
 * fields the store queries on are columns, every other {@link Job} field is in the JSON text `data`.
 */
export interface PostgresJobRow {
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

/**
 * A job's column values in the parameter order of `SQL.jobInsert` / `SQL.jobUpdate`: issue_key,
 * state, delivery_id, attempt, created_at, started_at, finished_at, data. `JSON.stringify` drops
 * `undefined` fields, so an optional field set to `undefined` is stored as absent. Throws what
 * `JSON.stringify` throws (a cycle, a BigInt).
 */
export function jobParams(job: Job): [string, string, string, number, string, string | null, string | null, string] {
  const { id: _id, issueKey, state, deliveryId, attempt, createdAt, startedAt, finishedAt, ...rest } = job;
  return [issueKey, state, deliveryId, attempt, createdAt, startedAt ?? null, finishedAt ?? null, JSON.stringify(rest)];
}

/** Rebuilds a fresh {@link Job} from its row (a new object every time: callers may mutate it). */
export function jobFromPostgresRow(row: PostgresJobRow): Job {
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
