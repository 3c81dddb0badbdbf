import type { IssueKey } from '../domain/issue-key.js';
import { repoKey, repoLabel } from '../domain/repo-ref.js';
import type { Job, JobState } from '../domain/job.js';

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
  repo_key: string;
  sender_id: number;
  worker_id: string | null;
  lease_until: number | null;
  cancel_requested: number;
  not_before: number | null;
  /** The sender's login, lowercase (search). */
  sender_login: string;
  /** The issue key's number (search). */
  issue_number: number;
  /** {@link searchText} of the job. */
  search_text: string;
  /** The cost of the job's turn in US dollars (`result.usage.costUsd`), or `null` when unknown or not run (daily budgets sum it). */
  cost_usd: number | null;
  data: string;
}

/** A `job_reports` row, joined to a job's row when it is read (the outbox owns these fields). */
export interface JobReportRow {
  status_comment_id: number | null;
  pull_request: string | null;
  superseded_by: string | null;
}

/** The column values of a job (all but `id`), as named parameters of the `jobs` statements. */
export type JobColumns = Omit<JobRow, 'id'>;

/** Fields of a job that live in `job_reports`, written by the outbox only. */
export const REPORT_FIELDS = ['statusCommentId', 'pullRequest', 'supersededBy'] as const;

/** The fields a patch may clear by passing `undefined`; `undefined` for any other field is ignored. */
const OPTIONAL_FIELDS: ReadonlySet<string> = new Set<keyof Job>([
  'startedAt',
  'finishedAt',
  'note',
  'result',
  'commentId',
  'triggerLabelId',
  'waiting',
  'workerId',
  'leaseUntil',
  'cancelRequested',
]);

/**
 * A patch applied to `current`, as both stores apply it: `next` is the job with the patch's fields
 * set (`undefined` clears an optional field and is ignored for a required one; `id` is never
 * patched), `report` the patched {@link REPORT_FIELDS} (empty when the patch has none).
 */
export function patchJob(current: Job, patch: Partial<Omit<Job, 'id'>>): { next: Job; report: Partial<Job> } {
  const next: Record<string, unknown> = { ...current };
  const report: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (field === 'id') continue;
    if ((REPORT_FIELDS as readonly string[]).includes(field)) report[field] = value;
    else if (value !== undefined) next[field] = value;
    else if (OPTIONAL_FIELDS.has(field)) delete next[field];
  }
  return { next: next as unknown as Job, report: report as Partial<Job> };
}

/**
 * Splits a job into its columns. `JSON.stringify` drops `undefined` fields, so an optional field
 * set to `undefined` is stored as absent. Throws what `JSON.stringify` throws (a cycle, a BigInt).
 */
export function jobToColumns(job: Job): JobColumns {
  const {
    id: _id,
    issueKey,
    state,
    deliveryId,
    attempt,
    createdAt,
    startedAt,
    finishedAt,
    workerId,
    leaseUntil,
    cancelRequested,
    statusCommentId: _c,
    pullRequest: _p,
    supersededBy: _s,
    ...rest
  } = job;
  return {
    issue_key: issueKey,
    state,
    delivery_id: deliveryId,
    attempt,
    created_at: createdAt,
    started_at: startedAt ?? null,
    finished_at: finishedAt ?? null,
    repo_key: repoKey(job.repo),
    sender_id: job.sender.id,
    worker_id: workerId ?? null,
    lease_until: leaseUntil ?? null,
    cancel_requested: cancelRequested ? 1 : 0,
    not_before: state === 'waiting' && job.waiting ? Date.parse(job.waiting.until) : null,
    sender_login: job.sender.login.toLowerCase(),
    issue_number: job.issueNumber,
    search_text: searchText(job),
    cost_usd: job.result?.usage?.costUsd ?? null,
    data: JSON.stringify(rest),
  };
}

/**
 * What a text search of jobs looks in (`JobFilter.text`): the message, the issue title snapshot,
 * the branch, the sender's login and `owner/name` (`host/owner/name` with several instances), one per line, lowercase (`toLowerCase`, so a
 * query lowercased the same way matches in every backend), without NUL characters (PostgreSQL's
 * `text` cannot hold them).
 */
export function searchText(job: Pick<Job, 'message' | 'issueSnapshot' | 'branch' | 'sender' | 'repo'>): string {
  const parts = [job.message ?? '', job.issueSnapshot?.title ?? '', job.branch ?? '', job.sender.login, repoLabel(job.repo)];
  return parts.join('\n').toLowerCase().replace(/\0/g, '');
}

/** Rebuilds a fresh {@link Job} from its row (a new object every time: callers may mutate it). */
export function jobFromRow(row: JobRow & Partial<JobReportRow>): Job {
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
  if (row.worker_id !== null) job.workerId = row.worker_id;
  if (row.lease_until !== null) job.leaseUntil = row.lease_until;
  if (row.cancel_requested) job.cancelRequested = true;
  // Report fields come from the joined job_reports row (every read statement joins it).
  delete job.statusCommentId;
  delete job.pullRequest;
  delete job.supersededBy;
  if (row.status_comment_id != null) job.statusCommentId = row.status_comment_id;
  if (row.pull_request != null) job.pullRequest = JSON.parse(row.pull_request) as NonNullable<Job['pullRequest']>;
  if (row.superseded_by != null) job.supersededBy = row.superseded_by;
  return job;
}
