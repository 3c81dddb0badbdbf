import type { RepoRef } from '../domain/repo-ref.js';
import type { JobWait } from '../domain/job-state.js';
import { allowed, type TransitionKind } from '../domain/job-transitions.js';
import type { JobState } from '../domain/job-state.js';
import type { NotifyTarget } from '../domain/job-notification.js';
import { notificationItems } from '../report/notification-items.js';
import { transitionItems } from '../report/transition-items.js';
import type { ReportSettings } from '../report/report-items.js';
import { canceledBeforeStart, type Job, type JobResult } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import type { NewOutboxItem } from '../domain/outbox.js';

/** What the job state machine needs. */
export interface JobMachineDeps {
  store: Pick<JobStore, 'change' | 'requestCancel' | 'enqueue' | 'get'>;
  /** The repository's report switches (state labels, auto-PR, PR base), read at each transition. */
  reportSettings: (repo: RepoRef) => ReportSettings;
  /** Runs allowed per job when interrupted by restarts, shutdowns and dead workers. */
  maxAttempts: number;
  /**
   * The notification receivers of a repository (`KUGETSU_NOTIFY_URLS` and its `notify:` setting),
   * read at each transition. Default none.
   */
  notifyTargets?: (repo: RepoRef) => readonly NotifyTarget[];
  /** Told about every committed transition made through {@link JobMachine} (metrics); must not throw. */
  observe?: TransitionObserver;
}

/**
 * A committed job transition: `kind`, the job before (as the caller had it) and after, and the
 * time it was committed (ms since the epoch). `admit` and `claim` are committed by the engine
 * (`JobStore.admit`, `JobQueue.claim`) and are not reported here.
 */
export type TransitionObserver = (change: { kind: TransitionKind; before: Job; after: Job; at: number }) => void;

/** What canceling a job did. */
export type CancelOutcome = 'canceled' | 'requested' | 'finished' | 'unknown';

/**
 * The one job state machine (`domain/job-transitions.ts`): every state change of a job goes
 * through it — as a compare-and-set in the engine (`JobStore.change`: applied only while the job is
 * in the states the transition starts from, and held by the worker when one is named), with the
 * transition's Gitea writes (`report/transition-items.ts`) and its job notifications
 * (`report/notification-items.ts`, one per receiver) in the same transaction. No other code
 * builds outbox items for a job or writes its state. Methods resolve with the changed job, or
 * `undefined` when the job was no longer as expected (finished meanwhile, taken by another worker).
 */
export class JobMachine {
  constructor(private readonly deps: JobMachineDeps) {}

  /** The outbox items of `kind` for `job` as it is after the transition: Gitea writes, then notifications. */
  items(kind: TransitionKind, job: Job, startSha?: string): NewOutboxItem[] {
    return [...transitionItems(kind, job, this.deps.reportSettings(job.repo), startSha), ...notificationItems(kind, job, this.deps.notifyTargets?.(job.repo) ?? [])];
  }

  /** `start`: the running turn's worktree is ready at `startSha` on `repo` (as Gitea describes it now). */
  start(job: Job, workerId: string, startSha: string, repo: RepoRef): Promise<Job | undefined> {
    return this.apply(job, 'start', { expect: ['running'], workerId, patch: { startSha, repo } }, startSha);
  }

  /**
   * `wait`: a queued job, or the running one of `workerId`, waits until `wait.until` (its slot and
   * issue are freed meanwhile); `times` counts consecutive waits for the same reason.
   */
  wait(job: Job, wait: Omit<JobWait, 'times'>, workerId?: string): Promise<Job | undefined> {
    const times = (job.waiting?.reason === wait.reason ? job.waiting.times : 0) + 1;
    return this.apply(job, 'wait', {
      expect: workerId ? ['running'] : ['queued'],
      ...(workerId ? { workerId } : {}),
      patch: { state: 'waiting', waiting: { ...wait, times }, startedAt: undefined, workerId: undefined, leaseUntil: undefined },
      detail: `waiting until ${wait.until}: ${wait.detail}`,
    });
  }

  /**
   * `interrupt`: the running job's worker stopped (`why`: a shutdown, its death) — back to
   * `queued` as the next attempt (same worktree and session), or `failed` after the last attempt.
   * With `workerId`, only while that worker still holds it.
   */
  interrupt(job: Job, why: string, workerId?: string): Promise<Job | undefined> {
    const max = this.deps.maxAttempts;
    const lease = workerId ? { workerId } : {};
    const freed = { workerId: undefined, leaseUntil: undefined, cancelRequested: undefined };
    if (job.attempt >= max) {
      const result: JobResult = {
        exitCode: null,
        timedOut: false,
        canceled: false,
        durationMs: 0,
        outputTail: '',
        newCommits: 0,
        pushed: false,
        failedPhase: 'internal',
        error: `The job was interrupted ${max} times (restarts of kugetsu or its workers) and was given up. Ask again to start a new job.`,
      };
      return this.apply(job, 'interrupt', {
        expect: ['running'],
        ...lease,
        patch: { ...freed, state: 'failed', finishedAt: new Date().toISOString(), note: `${why} during attempt ${job.attempt} of ${max}.`, result },
        detail: why,
      });
    }
    return this.apply(job, 'interrupt', {
      expect: ['running'],
      ...lease,
      patch: {
        ...freed,
        state: 'queued',
        startedAt: undefined,
        attempt: job.attempt + 1,
        note: `${why} during attempt ${job.attempt}; it continues as attempt ${job.attempt + 1} of ${max}.`,
      },
      detail: why,
    });
  }

  /** `finish`: the turn of `workerId` ended as `state` with `result` (the job runner decides the state). */
  finish(job: Job, workerId: string, state: 'succeeded' | 'failed' | 'canceled', result: JobResult): Promise<Job | undefined> {
    return this.apply(job, 'finish', {
      expect: ['running'],
      workerId,
      patch: { state, result, finishedAt: new Date().toISOString(), workerId: undefined, leaseUntil: undefined, cancelRequested: undefined },
      ...(result.error ? { detail: result.error } : {}),
    });
  }

  /**
   * Cancels a job (`note`, when given, is shown in its status comment): a queued or waiting one is
   * `canceled` at once (it never runs); for a running
   * one its worker is asked (it stops the agent's process group at its next heartbeat, keeps the
   * worktree, and finishes the job as `canceled`).
   */
  async cancel(job: Job, note?: string): Promise<CancelOutcome> {
    const current = await this.deps.store.get(job.id);
    if (!current) return 'unknown';
    if (current.state === 'queued' || current.state === 'waiting') {
      const changed = await this.apply(current, 'cancel', {
        expect: ['queued', 'waiting'],
        patch: { state: 'canceled', finishedAt: new Date().toISOString(), result: canceledBeforeStart(), waiting: undefined, ...(note ? { note } : {}) },
        detail: `canceled while ${current.state}`,
      });
      if (changed) return 'canceled';
    }
    if (await this.deps.store.requestCancel(job.id)) return 'requested';
    const after = await this.deps.store.get(job.id);
    return after?.state === 'queued' || after?.state === 'waiting' ? this.cancel(after, note) : 'finished';
  }

  /** `progress`: refresh the status comments of `jobs` (elapsed time, queue place); no state change. */
  async progress(jobs: readonly Job[]): Promise<void> {
    const items = jobs.flatMap((job) => this.items('progress', job));
    if (items.length > 0) await this.deps.store.enqueue(items);
  }

  /**
   * Applies `kind` as a compare-and-set. Throws (a bug in kugetsu, never bad input) when the change
   * is not one `domain/job-transitions.ts` `TRANSITIONS` allows from every state it expects.
   */
  private async apply(job: Job, kind: TransitionKind, change: Parameters<JobStore['change']>[1], startSha?: string): Promise<Job | undefined> {
    // A patch without a state keeps it (`start`).
    const refused = change.expect.filter((from: JobState) => !allowed(kind, from, change.patch.state ?? from));
    if (refused.length > 0) {
      throw new Error(`job state machine: '${kind}' may not take a job from ${refused.join(', ')} to ${change.patch.state ?? 'the same state'} (domain/job-transitions.ts)`);
    }
    // The items are built for the job as the change leaves it (state, result, attempt…).
    const after = { ...job } as Record<string, unknown>;
    for (const [field, value] of Object.entries(change.patch)) {
      if (value === undefined) delete after[field];
      else after[field] = value;
    }
    const changed = await this.deps.store.change(job.id, { ...change, outbox: this.items(kind, after as unknown as Job, startSha) });
    if (changed && this.deps.observe) {
      try {
        this.deps.observe({ kind, before: job, after: changed, at: Date.now() });
      } catch {
        // An observer (metrics) never changes what the machine did.
      }
    }
    return changed;
  }
}
