import { Database } from '../../src/store/sqlite-driver.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from '../../src/engine-postgres/postgres-schema.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.js';
import { adminQuery, usePostgresDatabase } from '../support/postgres.js';
import { expectWatchBackfill, schema3Rows } from './watch-migration-fixture.js';
import { writeOldPostgres, writeOldSqlite } from './migration-fixture.js';

const database = usePostgresDatabase();
const dirs: string[] = [];
const stores: Array<SqliteStore | PostgresStore> = [];
afterEach(async () => {
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the schema step of issue #13 (watching the engine) migrates a database of the step before without losing rows', () => {
  it('SQLite: history ids kept and never reused, search columns, outbox job and kind backfilled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kugetsu-watch-migration-'));
    dirs.push(dir);
    const file = path.join(dir, 'kugetsu.db');
    // Step 4 is issue #13's; later steps (5: budgets) run after it on the way to SCHEMA_VERSION.
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(4);
    writeOldSqlite(file, 3, schema3Rows());

    const store = openSqliteStore({ file, now: () => new Date('2025-01-02T00:00:00.000Z') });
    stores.push(store);
    expect(store.openedAtVersion).toBe(3);
    await expectWatchBackfill(store);
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(check.prepare(`SELECT sql FROM sqlite_master WHERE name = 'job_events'`).pluck().get()).toContain('AUTOINCREMENT');
    } finally {
      check.close();
    }
  });

  it('PostgreSQL: the same, in place', async () => {
    const url = await database.freshSchemaUrl();
    // PostgreSQL's steps: the first two are SQLite's first three (it had deferred events from the start).
    const before = POSTGRES_MIGRATIONS.findIndex((step) => step.description.startsWith('watching the engine'));
    expect(before).toBe(2);
    await writeOldPostgres(url, before, schema3Rows());

    const store = await openPostgresStore({ url, now: () => new Date('2025-01-02T00:00:00.000Z') });
    stores.push(store);
    expect(store.openedAtVersion).toBe(before);
    await expectWatchBackfill(store);
    expect((await adminQuery(url, `SELECT max(version)::integer AS v FROM schema_migrations`)).rows[0].v).toBe(POSTGRES_SCHEMA_VERSION);
  });
});
