import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../store/migrations.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';
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
 * Opens the state dir's job store for the `jobs` commands, whether or not the server runs (SQLite
 * in WAL mode allows it). Refuses — never creates or migrates — a missing database or one whose
 * schema is not this kugetsu's, with a {@link CliError} saying what to do. Close it after use.
 */
export function openJobDb(stateDir: string): SqliteStore {
  const file = dbFile(stateDir);
  const version = readSchemaVersion(file);
  if (version === undefined) {
    throw new CliError(`no kugetsu database at ${file}\n  → run this where kugetsu serve runs, or set KUGETSU_STATE_DIR to its state dir`);
  }
  if (version !== SCHEMA_VERSION) {
    throw new CliError(`${file} has schema version ${version}, this kugetsu knows ${SCHEMA_VERSION}\n  → use the kugetsu version that serves this state dir`);
  }
  return openSqliteStore({ file });
}
