import type Database from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs synchronous write functions against `db` in batches: the calls made in the same tick of
 * the event loop are committed in ONE transaction (one fsync), flushed on `setImmediate`, at most
 * `maxBatch` per transaction (the rest follow in the next one, so the event loop is never held for
 * long). Each call runs in its own SAVEPOINT, in call order, so the result equals running them one
 * by one: a call that throws is rolled back alone and its promise rejects, while its batch-mates
 * still commit. A promise settles only after the commit (or, if the commit itself fails, every
 * promise of the batch rejects with that error — none of their effects is stored).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** When the last transaction committed (ms, `performance.now()`), to tell a burst from a trickle. */
  private lastCommitAt = -Infinity;
  private closed = false;
  /** Runs one call inside the open transaction: a nested better-sqlite3 transaction is a SAVEPOINT. */
  private readonly inSavepoint: (work: () => unknown) => unknown;

  /**
   * `db` must be open. `maxBatch` (≥ 1, default 1000) caps the calls per transaction; `onBatch`
   * (optional) is told the size of each committed batch; `burstWindowMs` (default 2 ms, 0 = off)
   * is how long a flush waits for company when the previous commit was less than five windows ago.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly options: { maxBatch?: number; onBatch?: (size: number) => void; burstWindowMs?: number } = {},
  ) {
    this.inSavepoint = db.transaction((work: () => unknown) => work());
  }

  /** Queues `work` for the next batch; resolves to its return value once it is durable. */
  run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Under a burst (the previous commit was moments ago), wait a little so that more calls
        // share the next transaction and its fsync; a lone write still commits at once.
        const window = this.options.burstWindowMs ?? 2;
        if (window > 0 && performance.now() - this.lastCommitAt < window * 5) setTimeout(() => this.flush(), window);
        else setImmediate(() => this.flush());
      }
    });
  }

  /** Commits whatever is queued now, then refuses new work. */
  close(): void {
    while (this.queue.length > 0) this.flush();
    this.closed = true;
  }

  /** Commits the queued calls in one transaction and settles their promises. */
  private flush(): void {
    const batch = this.queue.splice(0, this.options.maxBatch ?? 1000);
    this.scheduled = this.queue.length > 0;
    if (this.scheduled) setImmediate(() => this.flush());
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db
        .transaction(() => {
          for (const item of batch) {
            try {
              // A throw rolls back this call's savepoint only.
              outcomes.push({ ok: true, value: this.inSavepoint(item.work) });
            } catch (error) {
              // SQLite may have aborted the whole transaction (e.g. disk full): then nothing of
              // the batch can commit, so give up on all of it.
              if (!this.db.inTransaction) throw error;
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    this.lastCommitAt = performance.now();
    this.options.onBatch?.(batch.length);
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
