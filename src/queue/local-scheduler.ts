import { Mutex, Semaphore } from 'async-mutex';
import PQueue from 'p-queue';
import type { IssueKey } from '../domain/issue-key.js';
import { ShutdownAbort, type ScheduledJob, type SchedulePlace, type Scheduler } from './scheduler.js';

interface Entry {
  job: ScheduledJob;
  place: SchedulePlace;
  controller: AbortController;
}

/**
 * The in-process {@link Scheduler}: a p-queue with `concurrency = slots` for agent runs and one
 * async-mutex per issue key. A job first takes its issue's lock (FIFO), then a queue slot, so a
 * job that waits for a busy issue never occupies a slot (measured in stack-notes.md: the other
 * order blocks other issues). Idle locks are dropped so the map does not grow without bound.
 */
export class LocalScheduler implements Scheduler {
  private readonly queue: PQueue;
  private readonly locks = new Map<IssueKey, { mutex: Mutex; users: number }>();
  private readonly groups = new Map<string, { semaphore: Semaphore; limit: number; users: number }>();
  private readonly entries = new Map<string, Entry>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  /**
   * @param slots the cap on concurrent agent runs (`KUGETSU_MAX_AGENTS`, default 3).
   * @param onError called when a job's `run` rejects (the job runner records failures itself, so
   *   this is a last resort for bugs).
   */
  constructor(
    readonly slots: number,
    private readonly onError: (jobId: string, err: unknown) => void = () => {},
  ) {
    this.queue = new PQueue({ concurrency: slots });
  }

  submit(job: ScheduledJob): void {
    if (this.stopped) throw new Error('the scheduler is shut down');
    if (this.entries.has(job.jobId)) throw new Error(`job ${job.jobId} is already scheduled`);
    const entry: Entry = { job, place: 'waiting-for-issue', controller: new AbortController() };
    this.entries.set(job.jobId, entry);
    const lock = this.lockFor(job.issueKey);
    const { signal } = entry.controller;
    const group = job.group ? this.groupFor(job.group.key, job.group.limit) : undefined;
    void lock.mutex
      .runExclusive(async () => {
        if (signal.aborted) return;
        if (group) {
          entry.place = 'waiting-for-repository';
          await group.semaphore.runExclusive(() => this.takeSlot(entry, job, signal));
        } else {
          await this.takeSlot(entry, job, signal);
        }
      })
      .catch((err: unknown) => {
        // A canceled or shut-down job that was still waiting rejects with the abort reason: not a failure.
        if (!(signal.aborted && (err === signal.reason || (err as Error)?.name === 'AbortError'))) this.onError(job.jobId, err);
      })
      .finally(() => {
        this.entries.delete(job.jobId);
        if (--lock.users === 0) this.locks.delete(job.issueKey);
        if (group && --group.users === 0 && this.groups.get(job.group!.key) === group) this.groups.delete(job.group!.key);
        if (this.entries.size === 0) this.flushIdle();
      });
  }

  /** Waits for an agent slot, then runs the job (unless it was aborted meanwhile). */
  private async takeSlot(entry: Entry, job: ScheduledJob, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    entry.place = 'waiting-for-slot';
    // The signal is not given to p-queue: it would settle `add()` as soon as the signal aborts
    // while `run` still goes on (p-queue 9 races the task against it), and the job's lock and
    // entry would be released before the job had stopped. A job aborted while it waits for a
    // slot returns at once when it gets one.
    await this.queue.add(async () => {
      if (signal.aborted) return;
      entry.place = 'running';
      await job.run(signal);
    });
  }

  cancel(jobId: string): boolean {
    const entry = this.entries.get(jobId);
    if (!entry) return false;
    entry.controller.abort(new Error('canceled'));
    return true;
  }

  shutdown(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) entry.controller.abort(new ShutdownAbort());
  }

  place(jobId: string): SchedulePlace | undefined {
    return this.entries.get(jobId)?.place;
  }

  position(jobId: string): { ahead: number; waiting: number; place: SchedulePlace } | undefined {
    const entry = this.entries.get(jobId);
    if (!entry || entry.place === 'running') return undefined;
    let ahead = 0;
    let waiting = 0;
    let seen = false;
    // Map iteration follows insertion, i.e. submission order.
    for (const [id, e] of this.entries) {
      if (e.place === 'running') continue;
      waiting++;
      if (id === jobId) seen = true;
      else if (!seen) ahead++;
    }
    return { ahead, waiting, place: entry.place };
  }

  stats(): { running: number; waiting: number; slots: number } {
    let running = 0;
    for (const e of this.entries.values()) if (e.place === 'running') running++;
    return { running, waiting: this.entries.size - running, slots: this.slots };
  }

  onIdle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private groupFor(key: string, limit: number): { semaphore: Semaphore; limit: number; users: number } {
    let group = this.groups.get(key);
    // A new limit (settings reloaded) applies once the group's current jobs are done.
    if (!group || (group.limit !== limit && group.users === 0)) {
      group = { semaphore: new Semaphore(Math.max(1, limit)), limit, users: 0 };
      this.groups.set(key, group);
    }
    group.users++;
    return group;
  }

  private lockFor(key: IssueKey): { mutex: Mutex; users: number } {
    let lock = this.locks.get(key);
    if (!lock) {
      lock = { mutex: new Mutex(), users: 0 };
      this.locks.set(key, lock);
    }
    lock.users++;
    return lock;
  }

  private flushIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
