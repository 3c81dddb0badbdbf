import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from '../log/logger.js';
import type { ClaimRequest } from '../engine/job-queue.js';
import type { Job } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import type { NewOutboxItem } from '../domain/outbox.js';
import { CancelRequest, LeaseLost, ShutdownAbort } from './stop-reasons.js';

/** The parts of the state machine a worker drives. */
export interface WorkerMachine {
  items(kind: 'claim' | 'wait', job: Job): NewOutboxItem[];
  interrupt(job: Job, why: string, workerId?: string): Promise<Job | undefined>;
}

/** Options of {@link Worker}. Times are ms. */
export interface WorkerOptions {
  /** The engine; with `workerSeen`/`workerGone` the worker reports itself for dashboards (`JobBrowser.workers`). */
  store: Pick<JobStore, 'claim' | 'heartbeat' | 'expiredLeases' | 'unfinished' | 'subscribe'> & Partial<Pick<JobStore, 'workerSeen' | 'workerGone'>>;
  machine: WorkerMachine;
  /** Runs one claimed turn to its end (the job runner); must honour `signal`. */
  runTurn: (job: Job, workerId: string, signal: AbortSignal) => Promise<void>;
  /** Agent slots of this worker (`KUGETSU_MAX_AGENTS`). */
  slots: number;
  /** Running jobs across every worker (`KUGETSU_GLOBAL_MAX_AGENTS`). */
  globalMax?: number;
  /** A candidate's repository cap and start rates (see `ClaimRequest.limits`). */
  limits: ClaimRequest['limits'];
  /** Issues this worker has a worktree for (preferred). */
  prefer?: ClaimRequest['prefer'];
  logger: Logger;
  /** How long a claim holds without a heartbeat (default 30 000): another worker takes the job after that. */
  leaseMs?: number;
  /** Heartbeat period (default a third of the lease). */
  heartbeatMs?: number;
  /** Claims are tried on every engine event, and at least this often (default 1000). */
  pollMs?: number;
  /** How often expired leases of dead workers are looked for, and this worker reports itself as alive (default 5000). */
  reapMs?: number;
  /** The worker's id (default `w:<host>:<pid>:<random>`). */
  workerId?: string;
}

interface Turn {
  job: Job;
  controller: AbortController;
  done: Promise<void>;
}

/** `w:<host>:<pid>:<8 hex>`: unique across machines; says where its process ran. */
export function newWorkerId(): string {
  return `w:${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** The host and pid a worker id names, when it is one of {@link newWorkerId}'s. */
function hostAndPid(workerId: string): { host: string; pid: number } | undefined {
  const m = /^w:(.+):(\d+):[0-9a-f]{8}$/.exec(workerId);
  return m ? { host: m[1]!, pid: Number(m[2]) } : undefined;
}

/**
 * A worker: claims jobs from the engine while it has free agent slots (on every engine event and
 * every `pollMs`), runs each claimed turn, renews its lease with heartbeats (and stops the turn when
 * the heartbeat says its cancel was asked, or that the lease is gone), and interrupts the jobs of
 * workers that died — at once for a dead process of this host, else once their lease expired — so
 * that another worker continues them as their next attempt. Several workers in several processes
 * share one engine; the engine's claims keep the caps and each issue's order.
 */
export class Worker {
  readonly id: string;
  private readonly turns = new Map<string, Turn>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private claiming = false;
  private again = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private readonly leaseMs: number;
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly o: WorkerOptions) {
    this.id = o.workerId ?? newWorkerId();
    this.leaseMs = o.leaseMs ?? 30_000;
  }

  /** Starts claiming; first interrupts the jobs a dead process of this host left running. */
  async start(): Promise<void> {
    await this.reapDeadLocal();
    await this.seen();
    this.unsubscribe = this.o.store.subscribe((event) => {
      if (event.kind === 'jobs') void this.poke();
    });
    const every = (ms: number, task: () => Promise<unknown>) => {
      const t = setInterval(() => void task().catch((err: unknown) => this.o.logger.warn({ err, worker: this.id }, 'worker task failed')), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.o.pollMs ?? 1_000, () => this.poke());
    every(this.o.reapMs ?? 5_000, () => this.reapExpired());
    every(this.o.reapMs ?? 5_000, () => this.seen());
    void this.poke();
  }

  /** Turns running here now, and the slots. */
  stats(): { running: number; slots: number } {
    return { running: this.turns.size, slots: this.o.slots };
  }

  /** The jobs running here now. */
  runningJobs(): Job[] {
    return [...this.turns.values()].map((t) => t.job);
  }

  /** Resolves when no turn runs here. */
  onIdle(): Promise<void> {
    if (this.turns.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops a turn running here at once (its cancel was asked in this process). False when it is not here. */
  cancelLocal(jobId: string): boolean {
    const turn = this.turns.get(jobId);
    if (!turn) return false;
    turn.controller.abort(new CancelRequest());
    return true;
  }

  /** Looks for claimable work now (also called on engine events and every `pollMs`). */
  async poke(): Promise<void> {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    try {
      do {
        this.again = false;
        const free = this.o.slots - this.turns.size;
        if (free <= 0) break;
        const jobs = await this.o.store.claim({
          workerId: this.id,
          slots: free,
          leaseMs: this.leaseMs,
          ...(this.o.globalMax !== undefined ? { globalMax: this.o.globalMax } : {}),
          limits: this.o.limits,
          ...(this.o.prefer ? { prefer: this.o.prefer } : {}),
          claimed: (job) => this.o.machine.items('claim', job),
          rateLimited: (job) => this.o.machine.items('wait', job),
        });
        for (const job of jobs) this.launch(job);
        if (jobs.length > 0 && jobs.length === free) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.o.logger.error({ err, worker: this.id }, 'claiming jobs failed; trying again');
    } finally {
      this.claiming = false;
    }
  }

  /**
   * Stops claiming; lets running turns finish for `graceMs`, then stops them (their jobs are
   * interrupted and continue as their next attempt) and waits for that, at most `killMs`.
   */
  async stop(graceMs: number, killMs = 15_000): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    if (!(await within(this.onIdle(), graceMs))) {
      this.o.logger.warn({ graceMs, worker: this.id }, 'grace period over; stopping running agents and checkpointing their jobs');
      for (const turn of this.turns.values()) turn.controller.abort(new ShutdownAbort());
      await within(this.onIdle(), killMs);
    }
    await this.o.store.workerGone?.(this.id).catch((err: unknown) => this.o.logger.warn({ err, worker: this.id }, 'could not remove this worker from the workers list'));
  }

  /** Tells the engine this worker is alive, with its slots (for dashboards); a failure is logged. */
  private async seen(): Promise<void> {
    if (this.stopped || !this.o.store.workerSeen) return;
    const { host, pid } = hostAndPid(this.id) ?? { host: os.hostname(), pid: process.pid };
    await this.o.store
      .workerSeen({ id: this.id, host, pid, slots: this.o.slots, startedAt: this.startedAt })
      .catch((err: unknown) => this.o.logger.warn({ err, worker: this.id }, 'could not report this worker to the engine'));
  }

  private launch(job: Job): void {
    const controller = new AbortController();
    const beat = setInterval(() => void this.heartbeat(job.id, controller), this.o.heartbeatMs ?? Math.max(50, Math.floor(this.leaseMs / 3)));
    beat.unref();
    const done = this.o
      .runTurn(job, this.id, controller.signal)
      .catch((err: unknown) => this.o.logger.error({ err, job: job.id, worker: this.id }, 'job crashed'))
      .finally(() => {
        clearInterval(beat);
        this.turns.delete(job.id);
        if (this.turns.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        void this.poke();
      });
    this.turns.set(job.id, { job, controller, done });
  }

  private async heartbeat(jobId: string, controller: AbortController): Promise<void> {
    if (controller.signal.aborted) return;
    try {
      const answer = await this.o.store.heartbeat(jobId, this.id, this.leaseMs);
      if (!answer.held) controller.abort(new LeaseLost());
      else if (answer.cancelRequested) controller.abort(new CancelRequest());
    } catch (err) {
      this.o.logger.warn({ err, job: jobId, worker: this.id }, 'heartbeat failed; retrying at the next beat');
    }
  }

  /** Interrupts running jobs whose lease expired (their worker died elsewhere, or hangs). */
  private async reapExpired(): Promise<void> {
    for (const job of await this.o.store.expiredLeases(Date.now())) {
      if (this.turns.has(job.id)) continue;
      const after = await this.o.machine.interrupt(job, 'Interrupted because the worker running it stopped answering', job.workerId);
      if (after)
        this.o.logger.warn(
          { job: job.id, issueKey: job.issueKey, deadWorker: job.workerId, state: after.state, attempt: after.attempt },
          'took over the job of a worker whose lease expired',
        );
    }
  }

  /** Interrupts at once the running jobs of processes of this host that no longer exist. */
  private async reapDeadLocal(): Promise<void> {
    const host = os.hostname();
    for (const job of await this.o.store.unfinished()) {
      if (job.state !== 'running' || !job.workerId || job.workerId === this.id) continue;
      const where = hostAndPid(job.workerId);
      if (!where || where.host !== host || isAlive(where.pid)) continue;
      const after = await this.o.machine.interrupt(job, 'Interrupted because kugetsu stopped unexpectedly', job.workerId);
      if (after)
        this.o.logger.info(
          { job: job.id, issueKey: job.issueKey, attempt: after.attempt, state: after.state },
          after.state === 'queued' ? 'interrupted job re-queued' : 'interrupted job gave up after its last attempt',
        );
    }
  }
}

/** True when a process with that pid exists (signal 0 checks without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
