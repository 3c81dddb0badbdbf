import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { insertOutbox } from '../../src/engine-postgres/postgres-outbox-insert.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from '../../src/engine-postgres/postgres-schema.js';
import { adminQuery, usePostgresDatabase } from '../support/postgres.js';
import { accepted, claimOf, key, newJob, repo } from './contract-fixtures.js';

const database = usePostgresDatabase();
const stores: PostgresStore[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.end()));
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
});

async function open(url: string, now?: () => Date): Promise<PostgresStore> {
  const store = await openPostgresStore({ url, ...(now ? { now } : {}) });
  stores.push(store);
  return store;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

describe('PostgreSQL engine', () => {
  it('migrates a schema-1 database to the engine, keeping ids, the id sequence, report fields and running jobs (as expired leases)', async () => {
    const url = await database.freshSchemaUrl();
    const old = await connect(url);
    await old.query(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await old.query(POSTGRES_MIGRATIONS[0]!.sql);
    await old.query(`INSERT INTO schema_migrations (version, description) VALUES (1, $1)`, [POSTGRES_MIGRATIONS[0]!.description]);
    const { issueKey: _k, deliveryId: _d, ...rest } = newJob(7);
    const finishedData = {
      ...rest,
      repo: { ...repo(), owner: 'Acme', name: 'App' },
      statusCommentId: 41,
      pullRequest: { number: 3, url: 'https://gitea.example/acme/app/pulls/3' },
      supersededBy: '2',
      // What JSON.stringify escapes and PostgreSQL's json operators refuse, next to a literal "\u0000".
      message: 'lone \ud800 surrogate, a literal \\u0000 and \\\u0000',
      result: { exitCode: 0, timedOut: false, canceled: false, durationMs: 5, outputTail: 'nul \u0000 here', newCommits: 0, pushed: false },
    };
    const insert = `INSERT INTO jobs (issue_key, state, delivery_id, attempt, created_at, started_at, finished_at, data) VALUES ($1, $2, $3, 1, $4, $5, $6, $7) RETURNING id`;
    const at = '2025-01-01T00:00:00.000Z';
    await old.query(insert, [key(7), 'succeeded', 'd-1', at, at, at, JSON.stringify(finishedData)]);
    await old.query(insert, [key(8), 'running', 'd-2', at, at, null, JSON.stringify({ ...rest, issueNumber: 8 })]);
    await old.query(insert, [key(9), 'succeeded', 'd-3', at, at, at, JSON.stringify(rest)]);
    await old.query(`DELETE FROM jobs WHERE id = 3`); // pruned: its id must not come back
    await old.query(`INSERT INTO sessions VALUES ($1, 'opencode', 'ses_1', '/w/7', 'kugetsu/issue-7', $2)`, [key(7), at]);
    await old.end();

    const store = await open(url, () => new Date(at));
    expect(store.openedAtVersion).toBe(1);
    const finished = (await store.get('1'))!;
    expect(finished).toMatchObject({ state: 'succeeded', statusCommentId: 41, pullRequest: { number: 3 }, supersededBy: '2' });
    expect(finished.result!.outputTail).toBe('nul \u0000 here');
    expect(finished.message).toBe(finishedData.message);
    const columns = await adminQuery(url, `SELECT repo_key, sender_id, lease_until, cancel_requested FROM jobs ORDER BY id`);
    expect(columns.rows).toEqual([
      { repo_key: 'acme/app', sender_id: '3', lease_until: null, cancel_requested: false },
      { repo_key: 'acme/app', sender_id: '3', lease_until: '0', cancel_requested: false },
    ]);
    // The running job of the old schema has no holder: its lease counts as expired.
    expect((await store.expiredLeases(Date.now())).map((j) => j.id)).toEqual(['2']);
    expect(await store.getSession(key(7))).toMatchObject({ sessionId: 'ses_1' });
    const next = await accepted(store, 10, 'd-10');
    expect(next.id).toBe('4');
    expect((await adminQuery(url, `SELECT max(version)::integer AS v FROM schema_migrations`)).rows[0].v).toBe(POSTGRES_SCHEMA_VERSION);
  });

  it("makes the outbox inserts of one group take turns, so that a committed item's older group-mates are committed too", async () => {
    const url = await database.freshSchemaUrl();
    const store = await open(url, () => new Date(1000));
    // Another process's transaction inserts the group's first item and has not committed yet.
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const other = await pool.connect();
    try {
      await other.query('BEGIN');
      const group = key(7);
      await insertOutbox(other, [{ key: 'first', group, op: { kind: 'comment', owner: 'acme', repo: 'app', number: 7, body: '1' } }], new Date(1000));
      // Our insert of the second item waits for it…
      let second = false;
      const enqueued = store.enqueue([{ key: 'second', group, op: { kind: 'comment', owner: 'acme', repo: 'app', number: 7, body: '2' } }]).then(() => (second = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(second).toBe(false);
      // …so no process can take the second item for the head meanwhile.
      expect(await store.claimOutbox('w1', 10, 5000, 1000)).toEqual([]);
      await other.query('COMMIT');
      await enqueued;
      const claimed = await store.claimOutbox('w1', 10, 5000, 1000);
      expect(claimed.map((i) => i.key)).toEqual(['first']);
      const due = await store.outboxDue(1000, 10);
      expect(due.map((i) => i.key)).toEqual(['first', 'second']);
      expect(due[0]!.id).toBeLessThan(due[1]!.id);
    } finally {
      other.release();
      await pool.end();
    }
  });

  it('holds a pending item an uncommitted change coalesced into: marking it done waits for that commit', async () => {
    const url = await database.freshSchemaUrl();
    const store = await open(url, () => new Date(1000));
    const item = { key: 'status:1', group: key(7), op: { kind: 'status_comment' as const, jobId: '1' } };
    await store.enqueue([item]);
    const [claimed] = await store.claimOutbox('w1', 10, 5000, 1000);
    // Another process's job change coalesces its status item into the claimed one, not committed yet.
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const other = await pool.connect();
    try {
      await other.query('BEGIN');
      await insertOutbox(other, [item], new Date(1000));
      let done = false;
      const marking = store.outboxDone(claimed!.id, 'w1').then(() => (done = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // So the outbox worker's re-read of the job, after marking, sees the change.
      expect(done).toBe(false);
      await other.query('COMMIT');
      await marking;
      expect(await store.outboxCounts()).toEqual({ pending: 0, failed: 0 });
      // An item enqueued after the row was done is a new row.
      await store.enqueue([item]);
      expect((await store.outboxDue(1000, 10)).map((i) => i.id)).not.toContain(claimed!.id);
      expect(await store.outboxCounts()).toEqual({ pending: 1, failed: 0 });
    } finally {
      other.release();
      await pool.end();
    }
  });

  it('refuses a second running job of an issue at the database, whatever the code does', async () => {
    const url = await database.freshSchemaUrl();
    const store = await open(url);
    const first = await accepted(store, 7, 'a');
    const second = await accepted(store, 7, 'b');
    await store.claim(claimOf('w1', Date.now()));
    expect((await store.get(first.id))!.state).toBe('running');
    await expect(adminQuery(url, `UPDATE jobs SET state = 'running' WHERE id = ${Number(second.id)}`)).rejects.toThrow(/jobs_one_running_per_issue/);
    await expect(store.update(second.id, { state: 'running' })).rejects.toMatchObject({ code: '23505' });
    expect((await store.get(second.id))!.state).toBe('queued');
  });
});
