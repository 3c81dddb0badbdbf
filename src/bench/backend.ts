import path from 'node:path';
import { openPostgresStore } from '../engine-postgres/open-postgres-store.js';
import type { JobStore } from '../store/job-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';

/**
 * The engine backend a measurement runs the service on: the embedded SQLite file in its state dir
 * (the default), or a PostgreSQL database (`KUGETSU_DATABASE_URL`), fresh for that measurement.
 */
export type BenchBackend = { kind: 'SQLite' } | { kind: 'PostgreSQL'; url: string };

/**
 * Opens the store of a stopped service to check what it kept: `<stateDir>/kugetsu.db`, or the
 * PostgreSQL database (its schema must be this kugetsu's). Close it with `store.close()`.
 */
export async function openBackendStore(backend: BenchBackend, stateDir: string): Promise<JobStore> {
  if (backend.kind === 'SQLite') return openSqliteStore({ file: path.join(stateDir, 'kugetsu.db') });
  return openPostgresStore({ url: backend.url, schema: 'require-current' });
}
