import type { Pool, PoolClient } from 'pg';
import { isStalePlan, staleRetries } from './prepared-client.js';

/** SQLSTATEs after which PostgreSQL has rolled the transaction back and it may simply run again. */
const RETRYABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/**
 * Runs `work` in one transaction on one connection of `pool`: `BEGIN` (READ COMMITTED, the
 * default), `work`, `COMMIT`; on any error `ROLLBACK` and rethrow. When PostgreSQL aborts the
 * transaction as a deadlock victim or for a serialization failure (SQLSTATE 40P01 / 40001;
 * PostgreSQL 15 docs, Appendix A and §13.2), nothing of it was stored, so it runs again — at most
 * `attempts` times (default 5) with a short random pause (1–20 ms, growing) — which means `work`
 * must depend only on what it reads inside the transaction. Resolves once the commit returned
 * (with the server's default `synchronous_commit = on`, durable). A connection that fails to roll
 * back is discarded from the pool. So is one whose prepared statement went stale (a newer kugetsu
 * changed the schema under it, see `isStalePlan`): the work then runs again at once on another
 * connection, which prepares it afresh — once more for each connection the pool may hold.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, attempts = 5): Promise<T> {
  // Each stale connection fails once and is dropped; these runs do not count as attempts.
  let staleLeft = staleRetries(pool);
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      if (isStalePlan(error)) {
        broken ??= error as Error;
        if (staleLeft-- > 0) {
          attempt -= 1;
          continue;
        }
      }
      if (attempt < attempts && RETRYABLE.has((error as { code?: string }).code ?? '')) {
        await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 5 * attempt));
        continue;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
