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
import { admitOptions, delivery, newJob } from './contract-fixtures.js';
import { writeOldPostgres, writeOldSqlite } from './migration-fixture.js';

const database = usePostgresDatabase();
const dirs: string[] = [];
const stores: Array<SqliteStore | PostgresStore> = [];
afterEach(async () => {
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const AT = '2025-01-01T10:00:00.000Z';
const data = (usage: object | undefined) => ({
  repo: { owner: 'acme', name: 'app', fullName: 'acme/app', cloneUrl: 'https://g/acme/app.git', defaultBranch: 'main', htmlUrl: 'https://g/acme/app' },
  sender: { id: 3, login: 'alice' },
  issueNumber: 1,
  trigger: 'label',
  message: '',
  branch: 'kugetsu/issue-1',
  agent: 'claude',
  result: { exitCode: 0, timedOut: false, canceled: false, durationMs: 1, outputTail: 'a "quoted" \u0000 tail', newCommits: 0, pushed: false, ...(usage ? { usage } : {}) },
});
/** Three finished jobs of acme/app written by the schema before budgets: $2.50, no cost, no usage. */
const rows = () =>
  [
    data({ inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 2.5 }),
    data({ inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 }),
    data(undefined),
  ].map(
    (d, i) =>
      `INSERT INTO jobs (issue_key, state, delivery_id, attempt, created_at, started_at, finished_at, repo_key, sender_id, sender_login, issue_number, search_text, data)
       VALUES ('acme/app#${i + 1}', 'succeeded', 'd-${i}', 1, '${AT}', '${AT}', '${AT}', 'acme/app', 3, 'alice', ${i + 1}, '', '${JSON.stringify(d).replace(/'/g, "''")}')`,
  );

describe("the schema step of issue #14 (budgets) backfills each finished job's cost, and daily budgets count it", () => {
  const expectCounted = async (store: SqliteStore | PostgresStore) => {
    const job = await store.admit(delivery('new'), newJob(9, { deliveryId: 'new' }), admitOptions());
    expect(job.kind).toBe('accepted');
    const claimed = await store.claim({
      workerId: 'w',
      slots: 1,
      leaseMs: 1000,
      now: Date.parse('2025-01-01T12:00:00.000Z'),
      limits: () => ({ dailyBudgetUsd: 2.5 }),
      claimed: () => [],
      rateLimited: () => [],
    });
    expect(claimed).toEqual([]);
    const waiting = await store.get(job.kind === 'accepted' ? job.job.id : '');
    expect(waiting!.waiting).toMatchObject({ reason: 'budget', detail: '$2.50 of $2.50 spent today, resumes at 00:00 UTC' });
  };

  it('SQLite', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kugetsu-budget-migration-'));
    dirs.push(dir);
    const file = path.join(dir, 'kugetsu.db');
    writeOldSqlite(file, 4, rows());
    const store = openSqliteStore({ file });
    stores.push(store);
    expect(store.openedAtVersion).toBe(4);
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(check.prepare('SELECT cost_usd FROM jobs ORDER BY id').pluck().all()).toEqual([2.5, null, null]);
    } finally {
      check.close();
    }
    await expectCounted(store);
  });

  it('PostgreSQL', async () => {
    const url = await database.freshSchemaUrl();
    const before = POSTGRES_MIGRATIONS.findIndex((step) => step.description.startsWith('budgets'));
    expect(before).toBe(3);
    await writeOldPostgres(url, before, rows());
    const store = await openPostgresStore({ url });
    stores.push(store);
    expect(store.openedAtVersion).toBe(before);
    expect((await adminQuery(url, 'SELECT cost_usd FROM jobs ORDER BY id')).rows.map((r: { cost_usd: number | null }) => r.cost_usd)).toEqual([2.5, null, null]);
    expect((await adminQuery(url, `SELECT max(version)::integer AS v FROM schema_migrations`)).rows[0].v).toBe(POSTGRES_SCHEMA_VERSION);
    await expectCounted(store);
  });
});
