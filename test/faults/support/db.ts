import { existsSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { Database } from '../../../src/store/sqlite-driver.js';
import type { Job, JobState } from '../../../src/domain/job.js';
import type { JobEvent } from '../../../src/store/job-store.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';

/** Everything the final assertions read from a stopped server's database. */
export interface StoreSnapshot {
  jobs: Job[];
  /** State history per job id. */
  history: Map<string, JobEvent[]>;
  /** Admitted deliveries: id, content key and the job each produced. */
  deliveries: Array<{ id: string; eventKey: string; jobId: string }>;
  outbox: { pending: number; failed: number };
}

/**
 * Opens the database with the product's own `openSqliteStore` (migrations, pragmas) and reads every
 * job, its history, the admitted deliveries and the outbox counts, then closes it. Call it only
 * when no server process has the file open for writing.
 */
export async function readStore(file: string): Promise<StoreSnapshot> {
  const store = openSqliteStore({ file });
  try {
    const jobs = (await store.recent(1_000_000)).sort((a, b) => Number(a.id) - Number(b.id));
    const history = new Map<string, JobEvent[]>();
    for (const job of jobs) history.set(job.id, await store.history(job.id));
    const outbox = await store.outboxCounts();
    const deliveries = withReadOnly(file, (db) =>
      (db.prepare('SELECT id, event_key AS eventKey, job_id AS jobId FROM deliveries ORDER BY received_at').all() as Array<{ id: string; eventKey: string; jobId: number }>).map(
        (d) => ({
          ...d,
          jobId: String(d.jobId),
        }),
      ),
    );
    return { jobs, history, deliveries, outbox };
  } finally {
    await store.close();
  }
}

/** Job counts by state and pending outbox items, read while a server may be running. */
export interface LiveCounts {
  states: Record<JobState, number>;
  total: number;
  outboxPending: number;
}

/**
 * Reads job counts and the pending outbox through a separate read-only connection (WAL lets it
 * read committed data while the server writes). `undefined` when the file does not exist yet.
 */
export function liveCounts(file: string): LiveCounts | undefined {
  if (!existsSync(file)) return undefined;
  return withReadOnly(file, (db) => {
    const states: Record<JobState, number> = { queued: 0, waiting: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
    for (const row of db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: JobState; n: number }>) states[row.state] = row.n;
    const pending = (db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'").get() as { n: number }).n;
    return { states, total: Object.values(states).reduce((a, b) => a + b, 0), outboxPending: pending };
  });
}

/** Runs `read` on a read-only connection to `file` and closes it. */
function withReadOnly<T>(file: string, read: (db: BetterSqlite3.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    return read(db);
  } finally {
    db.close();
  }
}
