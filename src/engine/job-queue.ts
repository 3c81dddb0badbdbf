import type { JobState } from '../domain/job-state.js';
import type { RateLimit } from '../config/config.js';
import type { Job } from '../domain/job.js';
import type { NewOutboxItem } from '../domain/outbox.js';

/** A worker asking for work (see {@link JobQueue.claim}). Times are ms. */
export interface ClaimRequest {
  /** The worker's id (stable for its life, unique across machines: host, pid and a random part). */
  workerId: string;
  /** Jobs the worker can start now: its free agent slots (`KUGETSU_MAX_AGENTS` − running). */
  slots: number;
  /** How long the claim holds without a heartbeat; another worker may take the job after that. */
  leaseMs: number;
  /** Running jobs allowed across every worker (`KUGETSU_GLOBAL_MAX_AGENTS`); unset: no global cap. */
  globalMax?: number;
  /**
   * The limits of a candidate job's repository and sender: at most `repoMax` running jobs of the
   * repository, and start rates — at most `limit` starts per `windowMs` per sender / repository,
   * counted from the durable start times of jobs, so they hold across processes and restarts —
   * and the repository's daily budget in US dollars (`dailyBudgetUsd`): once the costs of its jobs
   * finished since 00:00 UTC (of `now`) sum to it, its candidates wait until the next 00:00 UTC.
   */
  limits: (job: Job) => { repoMax?: number; senderRate?: RateLimit; repoRate?: RateLimit; dailyBudgetUsd?: number };
  /** Issues this worker has a worktree for: preferred among the first candidates. */
  prefer?: (job: Job) => boolean;
  /** The outbox items of the claim (work picked up), written with it. */
  claimed: (job: Job) => NewOutboxItem[];
  /**
   * A candidate over a start rate (or its repository's daily budget) is set `waiting` until its
   * slot in the window frees (the next 00:00 UTC), with these outbox items (its status comment says
   * why and until when), instead of being claimed.
   */
  rateLimited: (job: Job, wait: { detail: string; until: string }) => NewOutboxItem[];
  /** The clock, ms since the epoch (default `Date.now`). */
  now?: number;
}

/** A worker's renewed hold on a running job. */
export interface HeartbeatAnswer {
  /** False when the job is no longer this worker's (finished elsewhere, or taken after its lease expired): stop, write nothing. */
  held: boolean;
  /** True when someone asked to cancel the job: stop the agent and finish it as `canceled`. */
  cancelRequested: boolean;
}

/**
 * A compare-and-set change of one job: applied only while the job is in one of `expect` (and, when
 * `workerId` is given, held by that worker), together with `outbox` items and a history row when
 * the state changes — all in one transaction.
 */
export interface JobChange {
  expect: readonly JobState[];
  workerId?: string;
  patch: Partial<Omit<Job, 'id'>>;
  outbox?: NewOutboxItem[];
  /** The history row's detail, e.g. `attempt 2`, `worker w-1 stopped`. */
  detail?: string;
}

/** A worker telling the engine it is alive (see {@link JobQueue.workerSeen}). */
export interface WorkerPresence {
  /** The worker's id (as in {@link ClaimRequest.workerId}). */
  id: string;
  host: string;
  pid: number;
  /** Its agent slots (`KUGETSU_MAX_AGENTS`). */
  slots: number;
  /** When the worker started, ISO 8601. */
  startedAt: string;
}

/**
 * The engine's queue of jobs, implementable by a database (SQLite embedded, PostgreSQL shared):
 * claims with leases and heartbeats instead of closures in a process's memory. Every method is one
 * transaction; when it resolves its effect is durable.
 */
export interface JobQueue {
  /**
   * Claims up to `slots` jobs for a worker, oldest first, honouring per-issue order (only the
   * oldest unfinished job of an issue is a candidate, so an issue's next turn never starts before
   * its last one ended, wherever each runs; a waiting issue holds no slot), the global cap, the
   * repository caps and the start rates (see {@link ClaimRequest}). Claimed jobs are `running`,
   * held by the worker until `now + leaseMs`. Never claims a job twice, however many workers ask at
   * once.
   */
  claim(request: ClaimRequest): Promise<Job[]>;
  /** Renews a worker's lease on a running job (see {@link HeartbeatAnswer}). */
  heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<HeartbeatAnswer>;
  /** Applies a {@link JobChange}; the changed job, or `undefined` when the job was not as expected. */
  change(jobId: string, change: JobChange): Promise<Job | undefined>;
  /** Asks the worker of a running job to cancel it (answered by its next heartbeat). False when the job is not running. */
  requestCancel(jobId: string): Promise<boolean>;
  /** Running jobs whose lease expired before `nowMs` (their worker died): to be interrupted. */
  expiredLeases(nowMs: number): Promise<Job[]>;
  /**
   * Records that a worker is alive now (inserts or updates its `workers` row, last seen = the
   * store's clock): called at start and at each poll, for dashboards (`JobBrowser.workers`).
   */
  workerSeen(worker: WorkerPresence): Promise<void>;
  /** Forgets a worker that stopped (its row is removed; nothing else changes). */
  workerGone(workerId: string): Promise<void>;
}
