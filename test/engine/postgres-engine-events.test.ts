import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/engine-events.js';
import { openPostgresStore, type PostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { adminQuery, usePostgresDatabase } from '../support/postgres.js';
import { accepted, comment } from './contract-fixtures.js';

const database = usePostgresDatabase();
const stores: PostgresStore[] = [];
afterEach(async () => {
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
});

async function open(url: string, onIdleError?: (error: Error) => void): Promise<PostgresStore> {
  const store = await openPostgresStore({ url, ...(onIdleError ? { onIdleError } : {}) });
  stores.push(store);
  return store;
}

/** Resolves once `check` holds (polled every 10 ms), or fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Server processes of this test database that `LISTEN`ed for engine events. */
async function listeners(): Promise<number[]> {
  const result = await adminQuery(
    database.url,
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kugetsu-listen' AND query = 'LISTEN kugetsu_engine'`,
  );
  return result.rows.map((r: { pid: number }) => r.pid);
}

function recorder(store: PostgresStore): EngineEvent['kind'][] {
  const seen: EngineEvent['kind'][] = [];
  store.subscribe((event) => seen.push(event.kind));
  return seen;
}

describe('PostgreSQL engine events across processes (LISTEN/NOTIFY)', () => {
  it("delivers another store's events once it committed, and a store's own events once", async () => {
    const url = await database.freshSchemaUrl();
    const a = await open(url);
    const b = await open(url);
    const atA = recorder(a);
    const atB = recorder(b);
    await until(async () => (await listeners()).length === 2, 'two listening connections');

    await accepted(a, 7);
    expect(atA).toEqual(['jobs', 'outbox', 'changed']); // in process, at commit
    await until(() => atB.length === 3, 'the admission at B');
    expect([...atB].sort()).toEqual(['changed', 'jobs', 'outbox']);

    // A refused change sends nothing; the marker after it arrives alone.
    await a.change('1', { expect: ['running'], patch: { state: 'failed' } });
    await a.enqueue([comment('marker')]);
    await until(() => atB.length === 4, 'the marker at B');
    expect(atB[3]).toBe('outbox');
    // By now A's own notifications came back to A's listening connection too: not delivered twice.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(atA).toEqual(['jobs', 'outbox', 'changed', 'outbox']);

    // And A hears B.
    await b.enqueue([comment('from-b')]);
    await until(() => atA.length === 5, "B's item at A");
    expect(atA[4]).toBe('outbox');
  });

  it('listens again after its connection dropped, and says something may have been missed', async () => {
    const url = await database.freshSchemaUrl();
    const errors: Error[] = [];
    const a = await open(url);
    const b = await open(url, (error) => errors.push(error));
    const atB = recorder(b);
    await until(async () => (await listeners()).length === 1, 'the listening connection');
    const [pid] = await listeners();
    await adminQuery(database.url, `SELECT pg_terminate_backend(${Number(pid)})`);
    // After it listens again: one of each kind (events sent meanwhile are lost).
    await until(() => atB.length >= 3, 'the catch-up events');
    expect([...atB].sort()).toEqual(['changed', 'jobs', 'outbox']);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    await until(async () => (await listeners()).some((p) => p !== pid), 'a new listening connection');
    await a.enqueue([comment('after')]);
    await until(() => atB.length === 4, 'an event after the reconnect');
    expect(atB[3]).toBe('outbox');
  });

  it("tells other processes about every transition (changed) and about a job's new output (output, with its job id)", async () => {
    const url = await database.freshSchemaUrl();
    const a = await open(url);
    const b = await open(url);
    const atB: EngineEvent[] = [];
    b.subscribe((event) => atB.push(event));
    await until(async () => (await listeners()).length === 1, 'the listening connection');
    const job = await accepted(a, 7);
    await until(() => atB.some((e) => e.kind === 'changed'), 'the admission as a change at B');
    atB.length = 0;
    // A transition that makes nothing claimable and writes no outbox item is still a change.
    await a.change(job.id, { expect: ['queued'], patch: { state: 'waiting', waiting: { reason: 'budget', detail: 'spent', until: '2030-01-01T00:00:00.000Z', times: 1 } } });
    await until(() => atB.some((e) => e.kind === 'changed'), 'the transition at B');
    await a.appendOutput(job.id, 'hello from the worker\n');
    await until(() => atB.some((e) => e.kind === 'output'), 'the output event at B');
    expect(atB.filter((e) => e.kind === 'output')).toEqual([{ kind: 'output', jobId: job.id }]);
    expect((await b.readOutput(job.id)).text).toBe('hello from the worker\n');
  });

  it('opens no listening connection for a store nobody subscribes to, and closes it with the store', async () => {
    const url = await database.freshSchemaUrl();
    const a = await open(url);
    await accepted(a, 7);
    expect(await listeners()).toEqual([]);
    recorder(a);
    await until(async () => (await listeners()).length === 1, 'the listening connection');
    await a.close();
    await until(async () => (await listeners()).length === 0, 'the listening connection to close');
  });
});
