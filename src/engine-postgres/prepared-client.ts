import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Pool } from 'pg';

/**
 * The name the texts of {@link preparingClient} are prepared under: `kugetsu_` and the first 16
 * hex digits of the text's SHA-1, the same in every process (so `pg_prepared_statements` of any
 * connection names them alike). PostgreSQL truncates names at 63 bytes (NAMEDATALEN − 1); this
 * one has 24.
 */
export function preparedName(text: string): string {
  return `kugetsu_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
}

/**
 * A `pg.Client` class whose connections run each text of `texts` as a named prepared statement
 * (PostgreSQL 15 docs, §55.2.3 "Extended Query"): the first run on a connection parses it, every
 * later one only binds and executes it, and after five runs the server may keep a generic plan
 * (docs, `PREPARE`, "plan_cache_mode"). Unnamed, the server parses and plans each statement at
 * every run (0.1–0.5 ms each on this project's 2-core VM, on the same cores as the service);
 * prepared, a PostgreSQL dispatch took about 15 ms less at p50 (README "Performance"). Only the
 * texts of `texts` are prepared — the store's fixed statements — so a connection holds a bounded
 * number of them; any other query (the job browser's built searches, `BEGIN`, migrations) runs
 * unnamed as before. A call `query(text)` or `query(text, values)` with
 * such a text becomes `query({ name, text, values })`; every other form passes through unchanged.
 *
 * A prepared statement keeps its result type: if the schema under a `SELECT *` changes (a newer
 * kugetsu migrated it while this one runs), PostgreSQL answers SQLSTATE 0A000 "cached plan must not
 * change result type" on that connection; {@link isStalePlan} recognises it, and the store then
 * drops the connection and runs the work again on another.
 */
export function preparingClient(texts: Iterable<string>): typeof pg.Client {
  const names = new Map<string, string>();
  for (const text of texts) names.set(text, preparedName(text));
  const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
  class PreparingClient extends pg.Client {}
  // pg's `query` has a dozen overloads; this one replacement keeps them all by passing through.
  (PreparingClient.prototype as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]): unknown {
    const [text, second, third] = args;
    const name = typeof text === 'string' ? names.get(text) : undefined;
    if (name === undefined) return query.apply(this, args);
    const values = typeof second === 'function' ? [] : ((second as unknown[] | undefined) ?? []);
    const callback = typeof second === 'function' ? second : third;
    return callback === undefined ? query.call(this, { name, text, values }) : query.call(this, { name, text, values }, callback);
  };
  return PreparingClient;
}

/**
 * Whether `error` is PostgreSQL's refusal to run a prepared statement whose result columns changed
 * since it was prepared (SQLSTATE 0A000, "cached plan must not change result type"; PostgreSQL 15
 * `src/backend/utils/cache/plancache.c`). Nothing of the statement ran; the connection keeps
 * refusing it until it is closed.
 */
export function isStalePlan(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  return e?.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

/**
 * How many times work that met a stale prepared statement (`isStalePlan`) may run again on `pool`:
 * its most connections (`max`, `pg`'s default 10), each of which may hold the stale statement once
 * and is dropped after failing with it.
 */
export function staleRetries(pool: Pool): number {
  return pool.options.max ?? 10;
}

/**
 * Runs `work`, and again while it fails with a stale prepared statement (`isStalePlan`), at most
 * {@link staleRetries} more times: for reads, and single statements that are a transaction of their
 * own (nothing of a failing statement ran, and `pg`'s `pool.query` drops a connection after any
 * error). Rethrows every other error, and the last stale one.
 */
export async function againIfStale<T>(pool: Pool, work: () => Promise<T>): Promise<T> {
  for (let left = staleRetries(pool); ; left--) {
    try {
      return await work();
    } catch (error) {
      if (!isStalePlan(error) || left <= 0) throw error;
    }
  }
}
