import type { JobState, WaitReason } from '../domain/job-state.js';
import type { Job } from '../domain/job.js';
import type { OutboxItem, OutboxOp } from '../domain/outbox.js';

/**
 * One committed job transition, from the change feed: a row of the job's history (`job_events`).
 * `id` grows with commit order, so a reader that saw `id` n has seen every change with a smaller id.
 */
export interface JobStateChange {
  /** The history row's id: the SSE event id (`Last-Event-ID`). */
  id: number;
  jobId: string;
  /** The state the job entered. */
  state: JobState;
  /** ISO 8601. */
  at: string;
  /** e.g. `attempt 2 on w-1`, `waiting: …`. */
  detail?: string;
}

/** What {@link JobBrowser.search} selects; every given field must match. */
export interface JobFilter {
  /**
   * The repository's key, case-insensitive: `owner/name` of the first instance, `@host/owner/name`
   * of another (see `repoKey` in domain/repo-ref.ts).
   */
  repo?: string;
  /** An issue (or PR) number: the job's issue key's number (with `repo`: exactly that issue). */
  issue?: number;
  states?: readonly JobState[];
  /** The sender's login, case-insensitive. */
  sender?: string;
  /** Jobs created at or after / before this time (ISO 8601). */
  since?: string;
  until?: string;
  /** Case-insensitive substring of the message, the issue title snapshot, the branch, the sender's login or `owner/name`. */
  text?: string;
}

/** A page of {@link JobBrowser.search}: `limit` 1..200 (else RangeError), `before` a job id (exclusive). */
export interface JobPage {
  limit: number;
  before?: string;
}

/** A worker as the engine knows it (from `JobQueue.workerSeen` and the running jobs it holds). */
export interface WorkerInfo {
  id: string;
  /** Agent slots (`KUGETSU_MAX_AGENTS`). */
  slots: number;
  /** Running jobs this worker holds now. */
  running: number;
  /** When the worker last reported itself (ISO 8601); a worker not seen for a while is likely gone. */
  lastSeenAt: string;
  host?: string;
  pid?: number;
  /** ISO 8601. */
  startedAt?: string;
}

/** Outbox items of one op kind, by state (done items are not counted). */
export interface OutboxHealth {
  kind: OutboxOp['kind'];
  pending: number;
  /** Pending items that failed at least once (attempts > 0). */
  retrying: number;
  /** Items given up (a 4xx other than 429). */
  failed: number;
}

/**
 * Jobs that wait, counted by repository and reason: `issue` (an older job of its issue is not
 * finished), `slot` (next of its issue, waiting for an agent slot), or a `waiting` job's reason.
 */
export interface WaitingCount {
  /** The lowercase repository key: `owner/name`, `@host/owner/name` for an instance but the first (see `repoKey`). */
  repo: string;
  reason: 'issue' | 'slot' | WaitReason;
  count: number;
}

/** A Gitea write caused by a job (an outbox row whose `job_id` is the job's). Times ISO 8601. */
export interface JobWrite {
  id: number;
  kind: OutboxOp['kind'];
  state: OutboxItem['state'];
  attempts: number;
  lastError?: string;
  createdAt: string;
  /** When it was written (state `done`). */
  doneAt?: string;
}

/**
 * What a dashboard reads of the engine, from any process (the embedded SQLite store or the shared
 * PostgreSQL one answer the same): the change feed, search, workers, outbox health, waiting
 * counts, a job's Gitea writes. Reads only; each method is one query (or one snapshot).
 */
export interface JobBrowser {
  /**
   * Committed job transitions with `id > afterId`, oldest first, at most `limit` (1..1000, else
   * RangeError). Never skips one: a change committed later always gets a higher id than every change
   * visible before (PostgreSQL serialises the history inserts under a lock held to commit).
   */
  changes(afterId: number, limit: number): Promise<JobStateChange[]>;
  /** The id of the newest committed transition, 0 when none (an SSE stream starts from it). */
  lastChangeId(): Promise<number>;
  /** Jobs matching `filter`, newest first (by id); `nextBefore` is set when more may follow. Throws RangeError for a bad page. */
  search(filter: JobFilter, page: JobPage): Promise<{ jobs: Job[]; nextBefore?: string }>;
  /** Known workers, most recently seen first, with the running jobs each holds. */
  workers(): Promise<WorkerInfo[]>;
  /** Pending, retrying and failed outbox items by op kind (kinds with none left out). */
  outboxHealth(): Promise<OutboxHealth[]>;
  /** Queued and waiting jobs by repository and reason (see {@link WaitingCount}). */
  waitingCounts(): Promise<WaitingCount[]>;
  /** The Gitea writes job `jobId` caused, oldest first (empty for an unknown job). */
  outboxOf(jobId: string): Promise<JobWrite[]>;
}
