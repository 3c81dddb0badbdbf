import type { DatabaseSetting } from './config/config.js';
import { openPostgresStore } from './engine-postgres/open-postgres-store.js';
import type { JobStore } from './store/job-store.js';
import { openSqliteStore } from './store/sqlite-store.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** PostgreSQL only: told about errors of idle connections (they are replaced), e.g. a log line. */
  onIdleError?: (error: Error) => void;
}

/**
 * Opens the job store the configuration names (`config.database`), creating or migrating its
 * schema: the embedded SQLite file (`KUGETSU_DATABASE_URL` unset, as before) or the shared
 * PostgreSQL database, keeping `config.jobOutputMaxBytes` of each job's output (default 4 MiB).
 * Close it with `store.close()`.
 *
 * @throws for a database written by a newer kugetsu, an unreadable SQLite file, or a PostgreSQL
 *   database that cannot be reached or migrated — messages name the database with its password
 *   masked (see `openPostgresStore`).
 */
export async function openStore(config: { database: DatabaseSetting; jobOutputMaxBytes?: number }, options: OpenStoreOptions = {}): Promise<JobStore> {
  const { database } = config;
  const output = config.jobOutputMaxBytes !== undefined ? { outputMaxBytes: config.jobOutputMaxBytes } : {};
  if (database.kind === 'sqlite') return openSqliteStore({ file: database.file, ...output });
  return openPostgresStore({ url: database.url, ...output, ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}) });
}

/**
 * The synchronous opener `createService` falls back on when no store is passed in: the embedded
 * SQLite store. PostgreSQL needs a network round trip to open, so with `KUGETSU_DATABASE_URL` set
 * the caller opens it first with {@link openStore} and passes it as `overrides.store`.
 *
 * @throws Error when `config.database` is PostgreSQL (a wiring mistake, never a user's).
 */
export function openEmbeddedStore(config: { database: DatabaseSetting; jobOutputMaxBytes?: number }): JobStore {
  if (config.database.kind !== 'sqlite') {
    throw new Error(`KUGETSU_DATABASE_URL is set (${config.database.redacted}): open the store with openStore(config) and pass it to createService`);
  }
  return openSqliteStore({ file: config.database.file, ...(config.jobOutputMaxBytes !== undefined ? { outputMaxBytes: config.jobOutputMaxBytes } : {}) });
}
