import type { PoolClient } from 'pg';
import { ENGINE_SQL } from './postgres-engine-statements.js';
import { SQL } from './postgres-statements.js';

/**
 * The history rows (`job_events`) one transaction writes, held back until just before it commits.
 *
 * **Why.** `job_events.id` is the change feed's id: a reader that resumes after id n
 * (`JobBrowser.changes`, SSE `Last-Event-ID`) must never later find a committed row with an id
 * ≤ n. An identity column takes its value from a sequence when the row is *inserted*, not when its
 * transaction commits, so without more transaction A could insert row 10, transaction B row 11, B
 * commit first, a reader see 11 — and miss 10 for good when A commits. (The lock `NOTIFY` takes at
 * commit orders commits, not the ids handed out before it.) So every transaction that writes
 * history takes the transaction-level advisory lock `CHANGE_LOCK_CLASS` first, and only then gets
 * its ids; it holds the lock until it ends. PostgreSQL makes a commit visible before it releases
 * the transaction's locks (PostgreSQL 15 source, `CommitTransaction`: `ProcArrayEndTransaction`
 * before `ResourceOwnerRelease` of the locks), so the next history writer gets its ids after every
 * earlier one is visible: ids are handed out in commit order. A rolled-back writer leaves a gap,
 * which skips nothing.
 *
 * The rows are inserted last ({@link flush}), after the job rows and outbox rows were written and
 * locked, so the lock is held only for these inserts, the `NOTIFY` and the commit — and no
 * transaction waits for a row lock while holding it (no deadlock with a claim changing several jobs).
 * The cost: job transitions of all processes commit one at a time (as notifying transactions do anyway).
 */
export class PendingHistory {
  private readonly rows: Array<[jobId: number, at: string, state: string, detail: string | null]> = [];

  /** Queues a history row of job `jobId` (its new `state` at ISO time `at`). */
  add(jobId: number, at: string, state: string, detail: string | null): void {
    this.rows.push([jobId, at, state, detail]);
  }

  /** Writes the queued rows under the change lock (see above); true when there were any (a `changed` event is due). */
  async flush(c: PoolClient): Promise<boolean> {
    if (this.rows.length === 0) return false;
    await c.query(ENGINE_SQL.lockChanges);
    for (const row of this.rows.splice(0)) await c.query(SQL.eventInsert, row);
    return true;
  }
}
