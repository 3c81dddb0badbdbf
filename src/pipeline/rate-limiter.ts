import type { RateLimit } from '../config/config.js';

/**
 * Sliding-window counters in memory: at most `limit` events per key within `windowMs`. Kept in
 * memory on purpose (a restart resets them); the durable record of what ran is the job store.
 */
export class RateLimiter {
  private readonly events = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records one event for `key` when the limit allows it. Returns `{ok: true}`, or `{ok: false,
   * retryInMs}` — how long until the oldest counted event leaves the window — without recording.
   */
  take(key: string, rate: RateLimit): { ok: true } | { ok: false; retryInMs: number } {
    const now = this.now();
    const kept = (this.events.get(key) ?? []).filter((t) => now - t < rate.windowMs);
    if (kept.length >= rate.limit) {
      this.events.set(key, kept);
      return { ok: false, retryInMs: rate.windowMs - (now - kept[0]!) };
    }
    kept.push(now);
    this.events.set(key, kept);
    if (this.events.size > 10_000) this.sweep(rate.windowMs);
    return { ok: true };
  }

  /** Forgets the most recent event of `key` (a counted request that did not become a job). */
  release(key: string): void {
    this.events.get(key)?.pop();
  }

  private sweep(windowMs: number): void {
    const now = this.now();
    for (const [key, times] of this.events) if (times.every((t) => now - t >= windowMs)) this.events.delete(key);
  }
}
