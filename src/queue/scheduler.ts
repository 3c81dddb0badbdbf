import type { IssueKey } from '../domain/issue-key.js';

/** Work handed to the scheduler: one job of one issue. */
export interface ScheduledJob {
  jobId: string;
  issueKey: IssueKey;
  /**
   * An optional second cap shared by a group of jobs (a repository's `max_concurrent_jobs`): taken
   * after the issue's lock and before an agent slot, so waiting for it holds no slot either.
   */
  group?: { key: string; limit: number };
  /** Runs the job; must honour `signal` (cancel or shutdown). Its rejection is logged, not rethrown. */
  run: (signal: AbortSignal) => Promise<void>;
}

/** The abort reason of jobs stopped by a shutdown (they are checkpointed, not canceled). */
export class ShutdownAbort extends Error {
  override readonly name = 'ShutdownAbort';
  constructor() {
    super('kugetsu is shutting down');
  }
}

/** True when a job's signal was aborted by {@link Scheduler.shutdown}. */
export function isShutdownAbort(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof ShutdownAbort;
}

/** Where a submitted job is, for queue positions and status. */
export type SchedulePlace = 'waiting-for-issue' | 'waiting-for-repository' | 'waiting-for-slot' | 'running';

/**
 * Runs jobs with a global cap on concurrent agents and at most one job per issue at a time, in
 * arrival order per issue. A job waiting for its issue never holds an agent slot. Behind an
 * interface so a durable or distributed engine can replace the in-process one.
 */
export interface Scheduler {
  submit(job: ScheduledJob): void;
  /** Cancels a waiting job (it never runs) or aborts a running one. False when the id is unknown. */
  cancel(jobId: string): boolean;
  /** Where a job is now, or `undefined` when it is not (or no longer) scheduled. */
  place(jobId: string): SchedulePlace | undefined;
  /**
   * A waiting job's place: how many waiting jobs were submitted before it (`ahead`) out of all
   * waiting jobs (`waiting`), and what it waits for. `undefined` when it is running or unknown.
   */
  position(jobId: string): { ahead: number; waiting: number; place: SchedulePlace } | undefined;
  /** Jobs running now, and jobs waiting for an issue lock or a slot. */
  stats(): { running: number; waiting: number; slots: number };
  /** Resolves when no job is running or waiting. */
  onIdle(): Promise<void>;
  /**
   * Aborts every running job with a {@link ShutdownAbort} reason and drops the waiting ones (they
   * stay queued in the store and resume after a restart). Later submissions are refused.
   */
  shutdown(): void;
}
