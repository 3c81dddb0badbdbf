import { describe, expect, it } from 'vitest';
import { statusCommentItem, type NewOutboxItem } from '../../src/domain/outbox.js';
import { admitOptions, delivery, key, newJob, openStore } from './store-fixtures.js';

function comment(keyName: string, body = 'hi'): NewOutboxItem {
  return { key: keyName, group: key(7), op: { kind: 'comment', owner: 'acme', repo: 'app', number: 7, body } };
}

describe('SqliteStore outbox', () => {
  it('enqueues with an update in the same commit, coalescing a pending key', async () => {
    let now = 1000;
    const store = openStore({ now: () => new Date(now) });
    await store.admit(delivery('d-1'), newJob(7), admitOptions()); // status:1 pending
    now = 2000;
    const job = await store.update('1', { state: 'running' }, [statusCommentItem({ id: '1', issueKey: key(7) }), comment('reply:1')]);
    expect(job.state).toBe('running');
    const due = await store.outboxDue(10_000, 10);
    // Ids only grow (a coalesced insert may use up one), so they give the order.
    expect(due.map((i) => [i.key, i.createdAt])).toEqual([
      ['status:1', 1000],
      ['reply:1', 2000],
    ]);
    expect(due[0]!.id).toBeLessThan(due[1]!.id);
  });

  it('coalesces within one enqueue call too, and allows a new row once the old one is done', async () => {
    const store = openStore({ now: () => new Date(1000) });
    await store.enqueue([comment('k', 'first'), comment('k', 'second')]);
    expect((await store.outboxDue(1000, 10)).map((i) => i.op)).toEqual([comment('k', 'first').op]);
    await store.outboxDone(1);
    await store.enqueue([comment('k', 'third')]);
    const due = await store.outboxDue(1000, 10);
    expect(due.map((i) => [i.key, i.state, i.op])).toEqual([['k', 'pending', comment('k', 'third').op]]);
    expect(due[0]!.id).toBeGreaterThan(1);
  });

  it('a failed row does not block a new one with its key either', async () => {
    const store = openStore({ now: () => new Date(1000) });
    await store.enqueue([comment('k')]);
    await store.outboxFailed(1, '422 Unprocessable');
    await store.enqueue([comment('k')]);
    expect((await store.outboxDue(1000, 10)).map((i) => [i.key, i.state])).toEqual([['k', 'pending']]);
    expect(await store.outboxCounts()).toEqual({ pending: 1, failed: 1 });
  });

  it('is due oldest first, at most limit; retry counts an attempt and reschedules; failed gives up', async () => {
    const store = openStore({ now: () => new Date(1000) });
    expect(await store.outboxNextDueAt()).toBeUndefined();
    await store.enqueue([comment('a'), comment('b'), comment('c')]);
    expect(await store.outboxNextDueAt()).toBe(1000);
    expect(await store.outboxDue(999, 10)).toEqual([]);
    expect((await store.outboxDue(1000, 2)).map((i) => i.key)).toEqual(['a', 'b']);

    await store.outboxRetry(1, 5000, '503 Service Unavailable');
    await store.outboxRetry(1, 9000, 'ECONNRESET');
    expect((await store.outboxDue(4999, 10)).map((i) => i.key)).toEqual(['b', 'c']);
    await store.outboxFailed(2, '404 Not Found');
    await store.outboxDone(3);
    expect(await store.outboxNextDueAt()).toBe(9000);
    const [retried] = await store.outboxDue(9000, 10);
    expect(retried).toStrictEqual({
      id: 1,
      key: 'a',
      group: key(7),
      op: comment('a').op,
      state: 'pending',
      attempts: 2,
      nextAttemptAt: 9000,
      lastError: 'ECONNRESET',
      createdAt: 1000,
    });
    expect(await store.outboxCounts()).toEqual({ pending: 1, failed: 1 });
    await store.outboxDone(1);
    expect(await store.outboxNextDueAt()).toBeUndefined();
    expect(await store.outboxCounts()).toEqual({ pending: 0, failed: 1 });
  });

  it('tells whether a key is open: pending or failed, not done, not unknown', async () => {
    const store = openStore({ now: () => new Date(1000) });
    await store.enqueue([comment('pending'), comment('failed'), comment('done')]);
    const [, failed, done] = await store.outboxDue(1000, 10);
    await store.outboxFailed(failed!.id, '403');
    await store.outboxDone(done!.id);
    expect(await store.outboxIsOpen('pending')).toBe(true);
    expect(await store.outboxIsOpen('failed')).toBe(true);
    expect(await store.outboxIsOpen('done')).toBe(false);
    expect(await store.outboxIsOpen('unknown')).toBe(false);
  });

  it('ignores retry and failed for an item that is no longer pending', async () => {
    const store = openStore({ now: () => new Date(1000) });
    await store.enqueue([comment('a')]);
    await store.outboxDone(1);
    await store.outboxRetry(1, 5000, 'late');
    await store.outboxFailed(1, 'late');
    expect(await store.outboxCounts()).toEqual({ pending: 0, failed: 0 });
  });
});
