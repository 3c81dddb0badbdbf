const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The outbox worker's idle state: one sleep at a time, ended by its timer or by {@link wake}, and
 * a count of sleeps begun so that `drain` can wait for "the worker went idle after this point".
 * Timers are `unref()`'d: a sleeping worker never holds the process open. Times are ms.
 */
export class OutboxSleeper {
  private endCurrent: (() => void) | undefined;
  private begun = 0;
  private waiters: Array<() => void> = [];

  /** True while a sleep is in progress. */
  get asleep(): boolean {
    return this.endCurrent !== undefined;
  }

  /** Number of sleeps begun so far (and {@link announce} calls). */
  get count(): number {
    return this.begun;
  }

  /** Sleeps `delayMs` (clamped to what a Node timer allows), or until {@link wake}; `undefined` = until woken. */
  sleep(delayMs: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.endCurrent = () => {
        if (timer) clearTimeout(timer);
        this.endCurrent = undefined;
        resolve();
      };
      if (delayMs !== undefined) {
        timer = setTimeout(() => this.endCurrent?.(), Math.min(MAX_TIMER_MS, Math.max(0, delayMs)));
        timer.unref();
      }
      this.announce();
    });
  }

  /** Ends the current sleep, if any. */
  wake(): void {
    this.endCurrent?.();
  }

  /** Counts an idle moment (a sleep, or the worker stopping) and tells the waiters. */
  announce(): void {
    this.begun += 1;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** `true` once {@link count} exceeds `seen`; `false` when `deadline` (ms since epoch) comes first. */
  idleAfter(seen: number, deadline: number): Promise<boolean> {
    if (this.begun > seen) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
