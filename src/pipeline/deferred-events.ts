import type { GiteaEvent } from '../events/event.js';
import type { Logger } from '../log/logger.js';
import { backoffDelay, type BackoffOptions } from '../report/backoff.js';
import type { DeferredEvent, JobStore } from '../store/job-store.js';
import type { AdmissionSource } from './admission-source.js';
import type { RouteResult } from './route-result.js';

/** Options of {@link DeferredEventsWorker}. Times are ms. */
export interface DeferredEventsOptions {
  store: Pick<JobStore, 'deferredDue' | 'deferredRetry' | 'deferredDone'>;
  /** Confirms a claimed event with Gitea and routes it (the dispatcher's `confirmAndRoute`). */
  confirmAndRoute: (claimed: GiteaEvent, source: AdmissionSource) => Promise<RouteResult>;
  logger: Logger;
  /** How often due deliveries are looked for (default 2000 ms). */
  pollMs?: number;
  /** Retry schedule per delivery (default 5 s doubling to 5 min, ±20 %). */
  backoff?: BackoffOptions;
  /** Deliveries confirmed at once (default 8). */
  concurrency?: number;
  now?: () => number;
}

/** The default schedule: Gitea outages last seconds to hours; nothing is ever given up. */
export const DEFERRED_BACKOFF: BackoffOptions = { baseMs: 5_000, factor: 2, maxMs: 300_000, jitter: 0.2 };

/**
 * Confirms the deliveries that arrived while Gitea could not be asked about them (see
 * `Dispatcher.handle`): every `pollMs` it takes the due ones, oldest first, and runs each through
 * `confirmAndRoute` — confirmed or refuted, it is acted on (or ignored) exactly as a fresh delivery
 * would be and forgotten; still unavailable, it is tried again with backoff. Never gives up: a
 * delivery someone was answered 202 for is acted on once Gitea answers. Errors are logged, never
 * thrown out of the loop.
 */
export class DeferredEventsWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: DeferredEventsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts polling (idempotent). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.runDue(), this.options.pollMs ?? 2_000);
    this.timer.unref();
  }

  /** Stops polling and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over the due deliveries; resolves with how many were settled. Joins a pass in progress. */
  runDue(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const batch = 100;
    let settled = 0;
    // A full batch means more may be due (a burst was deferred): go on until the backlog is short.
    for (;;) {
      let due: DeferredEvent[];
      try {
        due = await this.options.store.deferredDue(this.now(), batch);
      } catch (err) {
        this.options.logger.error({ err }, 'deferred deliveries could not be read; trying again');
        return settled;
      }
      let next = 0;
      let retried = 0;
      const lane = async () => {
        while (next < due.length && !this.stopped) {
          if (await this.settle(due[next++]!)) settled++;
          else retried++;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 8) }, lane));
      if (due.length < batch || this.stopped || retried === due.length) return settled;
    }
  }

  /** Confirms and routes one deferred delivery; true when it was settled (not retried later). */
  private async settle(item: DeferredEvent): Promise<boolean> {
    const { store, logger } = this.options;
    try {
      const result = await this.options.confirmAndRoute(JSON.parse(item.event) as GiteaEvent, { ...item.delivery });
      if (result.status === 'unavailable') {
        const delayMs = backoffDelay(item.attempts + 1, this.options.backoff ?? DEFERRED_BACKOFF);
        await store.deferredRetry(item.delivery.eventKey, this.now() + delayMs, result.reason);
        logger.debug({ delivery: item.delivery.id, attempts: item.attempts + 1, retryInMs: delayMs, error: result.reason }, 'deferred delivery still cannot be confirmed');
        return false;
      }
      await store.deferredDone(item.delivery.eventKey);
      logger.info({ delivery: item.delivery.id, attempts: item.attempts + 1, result }, 'deferred delivery confirmed with Gitea and handled');
      return true;
    } catch (err) {
      logger.error({ err, delivery: item.delivery.id }, 'deferred delivery could not be handled; it stays deferred');
      return false;
    }
  }
}
