import { existsSync } from 'node:fs';
import path from 'node:path';
import { Database } from '../store/sqlite-driver.js';
import type { DatabaseSetting } from '../config/config.js';
import { openPostgresStore } from '../engine-postgres/open-postgres-store.js';
import { SchemaVersionError } from '../engine-postgres/schema-version-error.js';
import type { JobStore } from '../store/job-store.js';
import { SCHEMA_VERSION } from '../store/migrations.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { CliError } from './cli-error.js';

/** `<state>/kugetsu.db`. */
export function dbFile(stateDir: string): string {
  return path.join(stateDir, 'kugetsu.db');
}

/**
 * The schema version of the database (`PRAGMA user_version`), read through a read-only
 * connection; `undefined` when there is no database file. Throws SQLite's error when it cannot be read.
 */
export function readSchemaVersion(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/**
 * Opens the job store for the `jobs` commands, whether or not the server runs: the SQLite file
 * (WAL mode allows it) or the PostgreSQL database of `KUGETSU_DATABASE_URL` (two connections at
 * most). Refuses — never creates or migrates — a missing database or one whose schema is not this
 * kugetsu's, and a PostgreSQL server it cannot reach, with a {@link CliError} saying what to do
 * (the URL shown with its password masked). Close it after use.
 */
export async function openJobDb(database: DatabaseSetting): Promise<JobStore> {
  if (database.kind === 'sqlite') return openSqliteFile(database.file);
  try {
    return await openPostgresStore({ url: database.url, schema: 'require-current', maxConnections: 2 });
  } catch (err) {
    if (err instanceof SchemaVersionError) {
      const fix =
        err.found === 0
          ? 'run kugetsu serve with this KUGETSU_DATABASE_URL once (it creates the schema), or check the URL'
          : err.found < err.known
            ? 'run kugetsu serve of this version once (it migrates the database)'
            : 'use the kugetsu version that serves this database';
      throw new CliError(`${err.message}\n  → ${fix}`);
    }
    throw new CliError(`${(err as Error).message}\n  → check KUGETSU_DATABASE_URL (${database.redacted}) and that the PostgreSQL server runs`);
  }
}

function openSqliteFile(file: string): JobStore {
  const version = readSchemaVersion(file);
  if (version === undefined) {
    throw new CliError(`no kugetsu database at ${file}\n  → run this where kugetsu serve runs, or set KUGETSU_STATE_DIR to its state dir`);
  }
  if (version !== SCHEMA_VERSION) {
    throw new CliError(`${file} has schema version ${version}, this kugetsu knows ${SCHEMA_VERSION}\n  → use the kugetsu version that serves this state dir`);
  }
  return openSqliteStore({ file });
}
