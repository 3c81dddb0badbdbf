import { Database } from '../../src/store/sqlite-driver.js';
import { POSTGRES_MIGRATIONS } from '../../src/engine-postgres/postgres-schema.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { adminQuery } from '../support/postgres.js';

/** Writes a SQLite file at schema `version` (the first `version` migration steps) holding `rows` (SQL inserts). */
export function writeOldSqlite(file: string, version: number, rows: string[]): void {
  const db = new Database(file);
  for (const [i, step] of MIGRATIONS.slice(0, version).entries()) {
    db.exec(step);
    db.pragma(`user_version = ${i + 1}`);
  }
  for (const sql of rows) db.exec(sql);
  db.close();
}

/** Builds the PostgreSQL schema at `url` at `version` (the first `version` steps, recorded in schema_migrations) holding `rows`. */
export async function writeOldPostgres(url: string, version: number, rows: string[]): Promise<void> {
  await adminQuery(url, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const [i, step] of POSTGRES_MIGRATIONS.slice(0, version).entries()) {
    await adminQuery(url, step.sql);
    await adminQuery(url, `INSERT INTO schema_migrations (version, description) VALUES (${i + 1}, '${step.description.replace(/'/g, "''")}')`);
  }
  for (const sql of rows) await adminQuery(url, sql);
}
