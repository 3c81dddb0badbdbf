import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { ENGINE_SQL, storePreparedTexts } from '../../src/engine-postgres/postgres-engine-statements.js';
import { createPostgresPool } from '../../src/engine-postgres/postgres-pool.js';
import { isStalePlan, preparedName } from '../../src/engine-postgres/prepared-client.js';
import { SQL } from '../../src/engine-postgres/postgres-statements.js';
import { accepted } from './contract-fixtures.js';
import { adminQuery, usePostgresDatabase } from '../support/postgres.js';

const database = usePostgresDatabase();

describe('PostgreSQL: the store statements run prepared', () => {
  it("prepares only the pool's own texts, once per connection, under a name from the text", async () => {
    const url = await database.freshSchemaUrl();
    await adminQuery(url, 'CREATE TABLE t (id integer PRIMARY KEY, v text)');
    const insert = 'INSERT INTO t (id, v) VALUES ($1, $2)';
    const count = 'SELECT count(*)::integer AS n FROM t';
    const pool = createPostgresPool({ url, max: 1, prepared: [insert, count] });
    try {
      for (let i = 1; i <= 3; i++) await pool.query(insert, [i, `v${i}`]);
      expect((await pool.query<{ n: number }>(count)).rows).toEqual([{ n: 3 }]);
      // Not in the pool's list: runs unnamed.
      expect((await pool.query<{ v: string }>('SELECT v FROM t WHERE id = $1', [2])).rows).toEqual([{ v: 'v2' }]);
      const prepared = await pool.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements ORDER BY statement');
      expect(prepared.rows).toEqual(
        [
          { name: preparedName(insert), statement: insert },
          { name: preparedName(count), statement: count },
        ].sort((a, b) => (a.statement < b.statement ? -1 : 1)),
      );
      expect(preparedName(insert)).toMatch(/^kugetsu_[0-9a-f]{16}$/);
      expect(preparedName(insert)).not.toBe(preparedName(count));
    } finally {
      await pool.end();
    }
  });

  it('prepares every fixed statement of the store but the outbox claim, which is planned at each run', () => {
    const prepared = new Set(storePreparedTexts());
    // A generic plan kept from when the outbox was nearly empty made every later claim scan it (postgres-engine-statements.ts).
    expect(prepared.has(ENGINE_SQL.outboxClaim)).toBe(false);
    const others = [...Object.values(SQL), ...Object.values(ENGINE_SQL)].filter((text) => text !== ENGINE_SQL.outboxClaim);
    expect(others.filter((text) => !prepared.has(text))).toEqual([]);
  });

  it('a prepared SELECT * goes stale when a column is added under it (SQLSTATE 0A000)', async () => {
    const url = await database.freshSchemaUrl();
    await adminQuery(url, 'CREATE TABLE t (id integer PRIMARY KEY)');
    const select = 'SELECT * FROM t WHERE id = $1';
    const pool = createPostgresPool({ url, max: 1, prepared: [select] });
    try {
      await pool.query(select, [1]);
      await adminQuery(url, 'ALTER TABLE t ADD COLUMN added integer');
      const error = await pool.query(select, [1]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isStalePlan(error)).toBe(true);
      // pg's pool dropped that connection: the next one prepares afresh.
      expect((await pool.query(select, [1])).fields.map((f) => f.name)).toEqual(['id', 'added']);
      expect(isStalePlan(Object.assign(new Error('feature not supported'), { code: '0A000' }))).toBe(false);
    } finally {
      await pool.end();
    }
  });

  it('the store runs its reads and transactions again when a newer schema changed the columns under them', async () => {
    const url = await database.freshSchemaUrl();
    const store = await openPostgresStore({ url, maxConnections: 3 });
    try {
      const job = await accepted(store, 1);
      // Three reads at once: each of the pool's three connections prepares the job's SELECT.
      expect(await Promise.all([store.get(job.id), store.get(job.id), store.get(job.id)])).toStrictEqual([job, job, job]);
      expect((await store.change(job.id, { expect: ['queued'], patch: { branch: 'kugetsu/one' } }))?.branch).toBe('kugetsu/one');
      expect(SQL.jobGet).toContain('j.*');
      await adminQuery(url, 'ALTER TABLE jobs ADD COLUMN added_later integer');
      // Every connection now holds a stale statement: each is dropped as it is met, and the work runs again.
      expect((await store.get(job.id))?.branch).toBe('kugetsu/one');
      expect((await store.change(job.id, { expect: ['queued'], patch: { branch: 'kugetsu/two' } }))?.branch).toBe('kugetsu/two');
      await adminQuery(url, 'ALTER TABLE jobs ADD COLUMN added_later_still integer');
      expect((await store.change(job.id, { expect: ['queued'], patch: { branch: 'kugetsu/three' } }))?.branch).toBe('kugetsu/three');
      expect((await store.get(job.id))?.branch).toBe('kugetsu/three');
      // The output's reads run in a snapshot of their own: a changed column type there is met too.
      await store.appendOutput(job.id, 'hello');
      expect((await store.readOutput(job.id)).text).toBe('hello');
      await adminQuery(url, 'ALTER TABLE job_output ALTER COLUMN start TYPE integer');
      expect((await store.readOutput(job.id)).text).toBe('hello');
    } finally {
      await store.close();
    }
  });
});
