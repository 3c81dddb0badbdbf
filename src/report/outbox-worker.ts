import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { GiteaError, type GiteaClient } from '../gitea/types.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { Job } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import type { OutboxItem, OutboxOp } from '../domain/outbox.js';
import { backoffDelay, DEFAULT_BACKOFF, retryAfterOf, type BackoffOptions } from './backoff.js';
import { outboxFailureHint } from './outbox-failure-hint.js';
import { OutboxSleeper } from './outbox-sleeper.js';
import { collapseSuperseded } from './collapse-superseded.js';
import { isNotifyGroup } from './notification-items.js';
import { NotificationError } from './send-notification.js';
import type { RenderContext } from './render-status-comment.js';
import { sendOutboxItem, type SendDeps } from './send-outbox-item.js';
import { StateLabelCache } from './state-label-cache.js';

/** Options of {@link OutboxWorker}. Times are ms. */
export interface OutboxWorkerOptions {
  store: JobStore;
  gitea: GiteaClient;
  /**
   * Sends an item for the Gitea/Forgejo instance of its group (an issue key; several instances);
   * default: as it is.
   */
  within?: <T>(group: string, send: () => Promise<T>) => Promise<T>;
  logger: Logger;
  /** Applied to every comment body before it is sent. */
  redact: Redactor;
  /** Extra facts for status comments (e.g. the branch link). Default none. */
  renderContext?: (job: Job) => RenderContext | Promise<RenderContext>;
  /**
   * kugetsu's own account id; only its comments are adopted when a lost create is looked for.
   * Default: `GET /user`, asked once.
   */
  botUserId?: () => Promise<number>;
  /**
   * Clock, ms since the epoch (schedules and elapsed times). Default `Date.now`. Must agree with
   * the store's clock: items created before `start()` by the store's time are treated as left by
   * an earlier process (their create may have landed, so the comment is looked up first).
   */
  now?: () => number;
  /** Retry schedule; missing fields take {@link DEFAULT_BACKOFF}. */
  backoff?: Partial<BackoffOptions>;
  /** Groups (issues) written to at the same time. Default 4. */
  concurrency?: number;
  /** Most pending items claimed per round (oldest first): default and at most 4 × `concurrency`. */
  batchSize?: number;
  /** For the jitter; default `Math.random`. */
  random?: () => number;
  /**
   * A write not answered within this time (ms, default 30000) counts as a network failure and is
   * retried (the late answer is ignored; create-once covers a create that did land). Bounds how
   * long a hung connection can hold its issue's writes and `stop()`.
   */
  sendTimeoutMs?: number;
  /** For job notifications (`notify` items): the receivers' HMAC keys and timeout. */
  notify?: SendDeps['notify'];
  /** Told how each send attempt ended, by operation (metrics); must not throw. */
  observe?: OutboxObserver;
  /**
   * True when this worker is the outbox's only sender (the embedded backend's one process): at
   * start it ends the claims a crashed earlier process left, instead of waiting for them to
   * expire. Never with a shared database, where the claims may be a live process's.
   */
  soleSender?: boolean;
}

/** How one send attempt of an outbox item ended: written, to be retried, or given up. */
export type OutboxObserver = (attempt: { operation: OutboxOp['kind']; outcome: 'done' | 'retry' | 'failed' }) => void;

type Settled = 'done' | 'retry' | 'failed';

/**
 * Sends the durable outbox to Gitea. Each round reads the pending items, oldest first, groups them
 * by `group` (the issue key) and writes up to `concurrency` groups at once; within a group items
 * go strictly in order and a group stops at its first item that is not due or fails retryably, so
 * later writes of an issue never overtake earlier ones. Success → `outboxDone`; a retryable
 * {@link GiteaError} (network, 5xx, 429) → `outboxRetry` after `Retry-After` when the error
 * exposes one, else exponential backoff with jitter; anything else → `outboxFailed` and one warn
 * line saying what to do. Between rounds it sleeps until the next item can be sent or until
 * {@link wake}; its timers are `unref()`'d. Nothing is thrown out of the loop: a store failure is
 * logged once and retried with the same backoff.
 *
 * Status comments are created once: a create is preceded by a look-up of the job's marker
 * whenever an earlier attempt may have reached Gitea (the item was tried before, or was left
 * pending by an earlier process). A job change that coalesced into the item while it was being
 * sent is caught by re-reading the job after `outboxDone` and enqueueing again if it differs; the
 * same holds for state labels (`SendOutcome.stale`). A status comment that was *created* supersedes
 * the finished status comments of older jobs on the same issue or PR: their collapsing edits are
 * queued ({@link collapseSuperseded}).
 */
export class OutboxWorker {
  private readonly store: JobStore;
  private readonly logger: Logger;
  private readonly redact: Redactor;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly backoff: BackoffOptions;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly sendTimeoutMs: number;
  /** This process's claims on outbox items (`o:<host>:<pid>:<random>`). */
  private readonly workerId = `o:${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** How long a claim holds: a write's timeout and a margin (ms). */
  private readonly claimMs: number;
  private readonly soleSender: boolean;
  private readonly deps: SendDeps;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private loopDone: Promise<void> = Promise.resolve();
  private startedAt = 0;
  private wakeRequested = false;
  private readonly sleeper = new OutboxSleeper();
  /** Consecutive rounds in which the store could not record an outcome. */
  private storeFailures = 0;
  private storeFailedThisRound = false;
  private readonly observe: OutboxObserver | undefined;
  /** Notifications being sent apart from the rounds (a slow receiver never holds up Gitea writes). */
  private readonly notifying = new Set<Promise<void>>();

  private readonly within: NonNullable<OutboxWorkerOptions['within']>;

  constructor(options: OutboxWorkerOptions) {
    this.within = options.within ?? ((_group, send) => send());
    this.store = options.store;
    this.logger = options.logger;
    this.redact = options.redact;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.batchSize = Math.max(1, options.batchSize ?? 500); // capped per round at 4 × concurrency
    this.sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    this.observe = options.observe;
    this.claimMs = this.sendTimeoutMs + 10_000;
    this.soleSender = options.soleSender === true;
    this.deps = {
      store: options.store,
      gitea: options.gitea,
      redact: options.redact,
      renderContext: options.renderContext ?? (() => ({})),
      now: this.now,
      labels: new StateLabelCache(options.gitea),
      botUserId: options.botUserId ?? once(async () => (await options.gitea.currentUser()).id),
      ...(options.notify ? { notify: options.notify } : {}),
    };
  }

  /** Starts the loop (idempotent). Items left pending by an earlier process are sent too. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.startedAt = this.now();
    this.loopDone = this.loop();
  }

  /** New items were enqueued: run a round soon (now, if the worker is sleeping). */
  wake(): void {
    this.wakeRequested = true;
    this.sleeper.wake();
  }

  /**
   * Resolves `true` once no item is pending (all done or failed) and the worker is idle, or
   * `false` after `timeoutMs` (never later). Backoff is honoured, not skipped: while Gitea is
   * down this waits until the timeout. For tests and graceful shutdown. Rejects when the worker
   * was never started.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.state === 'new') throw new Error('OutboxWorker.drain: call start() first');
    const deadline = Date.now() + timeoutMs;
    let seen = this.sleeper.count;
    this.wake();
    for (;;) {
      if (this.state !== 'running' || !(await this.sleeper.idleAfter(seen, deadline))) return false;
      seen = this.sleeper.count;
      const { pending } = await this.store.outboxCounts();
      if (pending === 0 && this.sleeper.count === seen && this.sleeper.asleep) return true;
      if (Date.now() >= deadline) return false;
    }
  }

  /** Stops after the writes in flight finish; pending items stay in the store for the next start. */
  async stop(): Promise<void> {
    if (this.state === 'new' || this.state === 'stopped') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.sleeper.wake();
    await this.loopDone;
    await Promise.all([...this.notifying]);
    this.state = 'stopped';
    this.sleeper.announce();
  }

  private async loop(): Promise<void> {
    if (this.soleSender) {
      try {
        const released = await this.store.releaseOutboxClaims();
        if (released > 0) this.logger.info({ released }, 'outbox: released the claims an earlier process left; their writes are checked before they are repeated');
      } catch (err) {
        this.logger.warn({ err }, 'outbox: could not release the claims an earlier process left; they expire by themselves');
      }
    }
    let roundFailures = 0;
    while (this.state === 'running') {
      let next: { progressed: boolean; wakeAt: number | undefined };
      try {
        next = await this.round();
        roundFailures = 0;
      } catch (err) {
        roundFailures += 1;
        if (roundFailures === 1) this.logger.error({ err }, 'outbox: could not read the outbox; retrying with backoff');
        next = { progressed: false, wakeAt: this.now() + backoffDelay(roundFailures, this.backoff, this.random) };
      }
      if (this.state !== 'running') break;
      if (next.progressed || this.wakeRequested) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      await this.sleeper.sleep(next.wakeAt === undefined ? undefined : next.wakeAt - this.now());
    }
  }

  /** One pass over the pending items; `wakeAt` is when the next blocked group can move. */
  private async round(): Promise<{ progressed: boolean; wakeAt: number | undefined }> {
    this.wakeRequested = false;
    const now = this.now();
    // The head of each issue's writes, claimed for this process (another process never sends it
    // meanwhile; a dead process's claims expire after `claimMs`). A few rounds of sends at most: a
    // claim waiting for its turn here keeps other processes from sending it, and a crash leaves it
    // blocked until it expires.
    const limit = Math.min(this.batchSize, this.concurrency * 4);
    const claimed = await this.store.claimOutbox(this.workerId, limit, this.claimMs, now);
    this.storeFailedThisRound = false;
    // Notifications go apart from the round: a receiver that takes its full timeout holds back
    // only its own group (its later items stay behind the claim until this one settles).
    const writes = claimed.filter((item) => !isNotifyGroup(item.group));
    this.notifyApart(claimed.filter((item) => isNotifyGroup(item.group)));
    await eachLimited(writes, this.concurrency, async (item) => void (await this.process(item)));
    if (!this.storeFailedThisRound) this.storeFailures = 0;
    else {
      // Items whose outcome could not be recorded are still due: back off instead of spinning.
      this.storeFailures += 1;
      return { progressed: false, wakeAt: this.now() + backoffDelay(this.storeFailures, this.backoff, this.random) };
    }
    if (writes.length > 0 || claimed.length >= limit) return { progressed: true, wakeAt: undefined };
    // Nothing due now: sleep until the next item is (or a claim of another process expires). A
    // notification in flight is still pending and due: it wakes the loop when it settles.
    const next = await this.store.outboxNextDueAt();
    return { progressed: false, wakeAt: next === undefined ? undefined : Math.max(next, now + (this.notifying.size > 0 ? 250 : 50)) };
  }

  /**
   * Sends claimed notifications outside the round, each at once: a claim holds only the head of
   * each receiver's group, so at most one per receiver URL is in flight.
   */
  private notifyApart(items: readonly OutboxItem[]): void {
    for (const item of items) {
      const sending: Promise<void> = this.process(item)
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          this.notifying.delete(sending);
          this.wake();
        });
      this.notifying.add(sending);
    }
  }

  private async process(item: OutboxItem): Promise<Settled> {
    // An earlier attempt — ours, or a process that died mid-write — may have reached Gitea.
    const mayExist = item.attempts > 0 || item.createdAt < this.startedAt || item.claimedBefore === true;
    let outcome;
    try {
      outcome = await this.within(item.group, () => withTimeout(sendOutboxItem(item, mayExist, this.deps), this.sendTimeoutMs, item.op.kind));
      await this.store.outboxDone(item.id, this.workerId);
    } catch (err) {
      const settled = await this.settleFailure(item, err);
      this.tell(item, settled);
      return settled;
    }
    this.tell(item, 'done');
    if (item.attempts > 0) {
      this.logger.info(
        { [item.op.kind === 'notify' ? 'group' : 'issueKey']: item.group, outboxId: item.id, op: item.op.kind, attempts: item.attempts + 1 },
        'outbox: Gitea write went through after retries',
      );
    }
    if (outcome.job) await this.recheck(item, outcome.job);
    if (outcome.job && outcome.created) await this.collapseOlder(outcome.job);
    if (outcome.stale) await this.requeueIfStale(item, outcome.stale);
    return 'done';
  }

  /**
   * A change of the job committed while its status comment was being written may have coalesced
   * into the item just marked done: if the job differs from what was rendered, queue it again.
   */
  private async recheck(item: OutboxItem, rendered: Job): Promise<void> {
    try {
      const current = await this.store.get(rendered.id);
      if (current && fingerprint(current) !== fingerprint(rendered)) {
        await this.store.enqueue([{ key: item.key, group: item.group, op: item.op }]);
      }
    } catch (err) {
      this.logger.warn({ err, issueKey: item.group, job: rendered.id }, 'outbox: could not re-check a job after writing its status comment');
    }
  }

  /**
   * A status comment was just created: the finished status comments of older jobs on the same
   * issue or PR are queued for collapsing ({@link collapseSuperseded}).
   */
  private async collapseOlder(job: Job): Promise<void> {
    try {
      await collapseSuperseded(this.store, job);
    } catch (err) {
      this.logger.warn({ err, issueKey: job.issueKey, job: job.id }, 'outbox: could not mark the older status comments as superseded');
    }
  }

  /** A write rendered from the store that is already out of date is queued again. */
  private async requeueIfStale(item: OutboxItem, stale: () => Promise<boolean>): Promise<void> {
    try {
      if (await stale()) await this.store.enqueue([{ key: item.key, group: item.group, op: item.op }]);
    } catch (err) {
      this.logger.warn({ err, issueKey: item.group, op: item.op.kind }, 'outbox: could not re-check a write after sending it');
    }
  }

  private tell(item: OutboxItem, outcome: Settled): void {
    try {
      this.observe?.({ operation: item.op.kind, outcome });
    } catch {
      // Metrics never change what the outbox does.
    }
  }

  private async settleFailure(item: OutboxItem, err: unknown): Promise<Settled> {
    const message = this.redact(err instanceof Error ? err.message : String(err));
    const notify = item.op.kind === 'notify';
    const base = {
      [notify ? 'group' : 'issueKey']: item.group,
      outboxId: item.id,
      op: item.op.kind,
      attempts: item.attempts + 1,
      error: message,
      ...(err instanceof NotificationError ? { status: err.status } : {}),
    };
    try {
      if ((err instanceof GiteaError || err instanceof NotificationError) && err.retryable) {
        const now = this.now();
        const delayMs = retryAfterOf(err, now) ?? backoffDelay(item.attempts + 1, this.backoff, this.random);
        await this.store.outboxRetry(item.id, now + delayMs, message, this.workerId);
        const level = item.attempts === 0 ? 'warn' : 'debug';
        this.logger[level](
          { ...base, retryInMs: delayMs },
          notify ? 'outbox: the notification receiver is failing; the notification will be retried' : 'outbox: Gitea is failing; the write will be retried',
        );
        return 'retry';
      }
      await this.store.outboxFailed(item.id, message, this.workerId);
      this.logger.warn(
        { ...base, hint: outboxFailureHint(item.op, err) },
        notify ? 'outbox: notification failed and will not be retried' : 'outbox: Gitea write failed and will not be retried',
      );
      return 'failed';
    } catch (storeErr) {
      this.storeFailedThisRound = true;
      this.logger.error({ ...base, err: storeErr }, 'outbox: could not record the outcome of a Gitea write; it stays pending');
      return 'retry';
    }
  }
}

/** `fn`'s first successful result, reused; a failure is not kept (the next call asks again). */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () =>
    (value ??= fn().catch((err: unknown) => {
      value = undefined;
      throw err;
    }));
}

/** The job without the comment id the worker itself stores. */
function fingerprint(job: Job): string {
  return JSON.stringify({ ...job, statusCommentId: undefined });
}

/** `work`, or a retryable network {@link GiteaError} when it takes longer than `ms`. */
function withTimeout<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new GiteaError(operation, 0, `no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `fn` over `items` with at most `limit` at a time; `fn` must not reject. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
