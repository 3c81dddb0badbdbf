import type { IssueKey } from '../domain/issue-key.js';
import type { JobState } from '../domain/job-state.js';
import type { Job } from '../domain/job.js';

/** One state change of a job, for its history. */
export interface JobEvent {
  state: JobState;
  /** ISO 8601. */
  at: string;
  detail?: string;
}

/**
 * Where a job that has not started is, computed from durable rows (so the status comment, the CLI
 * and a dashboard in any process read the same truth):
 * - `waiting-for-issue`: an older job of its issue is not finished;
 * - `waiting-for-slot`: it is next of its issue, waiting for an agent slot (`ahead` such jobs are older);
 * - `waiting`: state `waiting` (a rate limit, Gitea, a budget) until its time.
 */
export interface QueuePosition {
  place: 'waiting-for-issue' | 'waiting-for-slot' | 'waiting';
  /** Jobs waiting for a slot that are older than this one, counted up to {@link QUEUE_AHEAD_LIMIT}. */
  ahead: number;
  /** True when more than {@link QUEUE_AHEAD_LIMIT} are older (then `ahead` is the limit); absent otherwise. */
  moreAhead?: true;
  /** Jobs waiting for a slot (or behind their issue) in all. */
  waiting: number;
}

/**
 * How far a queue position counts the jobs ahead (see {@link QueuePosition.moreAhead}). Counting is
 * linear in what is counted — every status comment of a queued job asks — so a place far back in a
 * long queue reads "more than 100 ahead" instead of costing a scan of the whole queue each time.
 */
export const QUEUE_AHEAD_LIMIT = 100;

/**
 * The position fields `ahead` and `moreAhead` from `counted`, the count of older jobs waiting for
 * a slot taken with `LIMIT QUEUE_AHEAD_LIMIT + 1` (what both backends' queries return).
 */
export function cappedAhead(counted: number): Pick<QueuePosition, 'ahead' | 'moreAhead'> {
  return counted > QUEUE_AHEAD_LIMIT ? { ahead: QUEUE_AHEAD_LIMIT, moreAhead: true } : { ahead: counted };
}

/** What the engine tells about jobs, from any process. */
export interface JobReader {
  get(id: string): Promise<Job | undefined>;
  /** The issue's jobs in arrival order. */
  listByIssue(key: IssueKey): Promise<Job[]>;
  /** True when a job of the issue is queued, waiting or running. */
  isIssueActive(key: IssueKey): Promise<boolean>;
  /** How many jobs of the issue are queued or waiting (the per-issue cap), without reading them. */
  queuedCount(key: IssueKey): Promise<number>;
  /** Jobs in state `queued`, `waiting` or `running`, oldest first. */
  unfinished(): Promise<Job[]>;
  /** A job's state changes, oldest first. */
  history(id: string): Promise<JobEvent[]>;
  /** Recent jobs, newest first. */
  recent(limit: number): Promise<Job[]>;
  /** Counts by state. */
  counts(): Promise<Record<JobState, number>>;
  /** Where a queued or waiting job is; `undefined` for a running, finished or unknown one. */
  position(id: string): Promise<QueuePosition | undefined>;
}
