import { openBackendStore, type BenchBackend } from './backend.js';
import type { TriggerLedger } from './load-generator.js';

/** The outcome of comparing the acknowledged triggering deliveries with the store. */
export interface StoreCheck {
  /** Triggering deliveries answered 2xx. */
  acked: number;
  /** Jobs in the store. */
  jobs: number;
  /** Acknowledged deliveries kept for confirmation with Gitea (durable; they become jobs once confirmed). */
  deferred: number;
  /** Triggering deliveries sent but never answered (sockets closed by the load generator at the end). */
  cutOff: number;
  /** Jobs whose delivery was one of those cut off (committed, but the answer was never read). */
  cutOffStored: number;
  /** Acked deliveries with no job, jobs with no matching delivery, and comments with two jobs. */
  missing: number;
  unexpected: number;
  duplicated: number;
  ok: boolean;
}

/**
 * Opens the stopped service's store (SQLite in `stateDir`, or its PostgreSQL database) and checks the promise "a 2xx means the job is
 * stored": every acknowledged triggering delivery (comment id `idBase + n`) has exactly one job,
 * and every job belongs to an acknowledged delivery — except jobs of deliveries that were in
 * flight when autocannon closed its sockets at the end of the run (committed, never answered),
 * which are counted apart. `ok` is false on any missing, unexpected or duplicated job.
 */
export async function checkStore(backend: BenchBackend, stateDir: string, ledger: TriggerLedger, idBase: number): Promise<StoreCheck> {
  const store = await openBackendStore(backend, stateDir);
  try {
    const jobs = await store.recent(10_000_000);
    const seen = new Map<number, number>();
    for (const job of jobs) {
      const n = (job.commentId ?? -1) - idBase;
      seen.set(n, (seen.get(n) ?? 0) + 1);
    }
    // A 202 "deferred" is durable too: the delivery waits in the store for Gitea to confirm it.
    const deferred = new Set(
      (await store.deferredDue(Number.MAX_SAFE_INTEGER, 10_000_000)).map((d) => ((JSON.parse(d.event) as { comment?: { id?: number } }).comment?.id ?? -1) - idBase),
    );
    let missing = 0;
    for (const n of ledger.acked) if (!seen.has(n) && !deferred.has(n)) missing++;
    let unexpected = 0;
    let duplicated = 0;
    let cutOffStored = 0;
    for (const [n, count] of seen) {
      if (count > 1) duplicated += count - 1;
      if (ledger.acked.has(n)) continue;
      if (ledger.sent.has(n) && !ledger.answered.has(n)) cutOffStored++;
      else unexpected++;
    }
    for (const n of deferred) {
      if (ledger.acked.has(n) || seen.has(n)) continue;
      if (ledger.sent.has(n) && !ledger.answered.has(n)) cutOffStored++;
      else unexpected++;
    }
    const cutOff = [...ledger.sent].filter((n) => !ledger.answered.has(n)).length;
    return {
      acked: ledger.acked.size,
      jobs: jobs.length,
      deferred: deferred.size,
      cutOff,
      cutOffStored,
      missing,
      unexpected,
      duplicated,
      ok: missing === 0 && unexpected === 0 && duplicated === 0,
    };
  } finally {
    await store.close();
  }
}
