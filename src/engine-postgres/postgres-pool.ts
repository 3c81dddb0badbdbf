import pg from 'pg';
import { preparingClient } from './prepared-client.js';

/** OID of `int8` (`bigint`) in `pg_type`; `count(*)`, identity ids and ms times come back as it. */
const INT8_OID = 20;

/** Options of {@link createPostgresPool}. */
export interface PostgresPoolOptions {
  /** `postgres://` or `postgresql://` URL (libpq's URI form, parsed by pg-connection-string). */
  url: string;
  /** Connections at most (default 10). */
  max?: number;
  /** How long to wait for a new connection before failing, in ms (default 10 000; `pg`'s own default waits forever). */
  connectionTimeoutMs?: number;
  /**
   * Told about an error of an idle connection (the server restarted, the network dropped it): the
   * pool discards that connection and opens another on the next query. Without a listener `pg`'s
   * pool would emit an unhandled `error` and end the process.
   */
  onIdleError?: (error: Error) => void;
  /**
   * SQL texts the pool's connections run as named prepared statements (see `preparingClient`):
   * the store's fixed statements. Default none: every query unnamed.
   */
  prepared?: Iterable<string>;
}

/**
 * A `pg` 8 connection pool whose `bigint` values come back as JavaScript numbers (the store's ids
 * and ms timestamps stay far below 2^53), set on this pool only — never through the process-wide
 * `pg.types`. Connecting is lazy: nothing is contacted until the first query.
 */
export function createPostgresPool(options: PostgresPoolOptions): pg.Pool {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({
    ...(options.prepared ? { Client: preparingClient(options.prepared) } : {}),
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    application_name: 'kugetsu',
    types,
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}
