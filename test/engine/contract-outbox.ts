import { describe, expect, it } from 'vitest';
import { statusCommentItem } from '../../src/domain/outbox.js';
import { accepted, comment, key } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

/** The outbox: coalescing per key while pending, order, retry, failure, counts. */
export function outboxContract(ctx: ContractContext): void {
  describe('outbox', () => {
    it('enqueues with an update in the same commit, coalescing a pending key', async () => {
      let now = 1000;
      const store = await ctx.open({ now: () => new Date(now) });
      const job = await accepted(store, 7); // status:<id> pending
      now = 2000;
      const updated = await store.update(job.id, { state: 'running' }, [statusCommentItem(job), comment('reply:1')]);
      expect(updated.state).toBe('running');
      const due = await store.outboxDue(10_000, 10);
      // Ids only grow (a coalesced insert may use one up), so they give the order.
      expect(due.map((i) => [i.key, i.createdAt])).toEqual([
        [`status:${job.id}`, 1000],
        ['reply:1', 2000],
      ]);
      expect(due[0]!.id).toBeLessThan(due[1]!.id);
    });

    it('coalesces within one enqueue call too, and allows a new row once the old one is done', async () => {
      const store = await ctx.open({ now: () => new Date(1000) });
      await store.enqueue([comment('k', 'first'), comment('k', 'second')]);
      const [first, ...rest] = await store.outboxDue(1000, 10);
      expect(rest).toEqual([]);
      expect(first!.op).toEqual(comment('k', 'first').op);
      await store.outboxDone(first!.id);
      await store.enqueue([comment('k', 'third')]);
      const due = await store.outboxDue(1000, 10);
      expect(due.map((i) => [i.key, i.state, i.op])).toEqual([['k', 'pending', comment('k', 'third').op]]);
      expect(due[0]!.id).toBeGreaterThan(first!.id);
    });

    it('a failed row does not block a new one with its key either', async () => {
      const store = await ctx.open({ now: () => new Date(1000) });
      await store.enqueue([comment('k')]);
      const [item] = await store.outboxDue(1000, 10);
      await store.outboxFailed(item!.id, '422 Unprocessable');
      await store.enqueue([comment('k')]);
      expect((await store.outboxDue(1000, 10)).map((i) => [i.key, i.state])).toEqual([['k', 'pending']]);
      expect(await store.outboxCounts()).toEqual({ pending: 1, failed: 1 });
    });

    it('is due oldest first, at most limit; retry counts an attempt and reschedules; failed gives up', async () => {
      const store = await ctx.open({ now: () => new Date(1000) });
      expect(await store.outboxNextDueAt()).toBeUndefined();
      expect(await store.outboxCounts()).toEqual({ pending: 0, failed: 0 });
      await store.enqueue([comment('a'), comment('b'), comment('c')]);
      expect(await store.outboxNextDueAt()).toBe(1000);
      expect(await store.outboxDue(999, 10)).toEqual([]);
      const [a, b, c] = await store.outboxDue(1000, 10);
      expect((await store.outboxDue(1000, 2)).map((i) => i.key)).toEqual(['a', 'b']);

      await store.outboxRetry(a!.id, 5000, '503 Service Unavailable');
      await store.outboxRetry(a!.id, 9000, 'ECONNRESET');
      expect((await store.outboxDue(4999, 10)).map((i) => i.key)).toEqual(['b', 'c']);
      await store.outboxFailed(b!.id, '404 Not Found');
      await store.outboxDone(c!.id);
      expect(await store.outboxNextDueAt()).toBe(9000);
      const [retried] = await store.outboxDue(9000, 10);
      expect(retried).toStrictEqual({
        id: a!.id,
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
      await store.outboxDone(a!.id);
      expect(await store.outboxNextDueAt()).toBeUndefined();
      expect(await store.outboxCounts()).toEqual({ pending: 0, failed: 1 });
    });

    it('keeps ms times beyond 32 bits exactly', async () => {
      const now = Date.parse('2031-05-06T07:08:09.123Z');
      const store = await ctx.open({ now: () => new Date(now) });
      await store.enqueue([comment('late')]);
      const [item] = await store.outboxDue(now, 10);
      expect(item!.createdAt).toBe(now);
      await store.outboxRetry(item!.id, now + 86_400_000, 'later');
      expect(await store.outboxNextDueAt()).toBe(now + 86_400_000);
    });

    it('tells whether a key is open: pending or failed, not done, not unknown', async () => {
      const store = await ctx.open({ now: () => new Date(1000) });
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
      const store = await ctx.open({ now: () => new Date(1000) });
      await store.enqueue([comment('a')]);
      const [item] = await store.outboxDue(1000, 10);
      await store.outboxDone(item!.id);
      await store.outboxRetry(item!.id, 5000, 'late');
      await store.outboxFailed(item!.id, 'late');
      expect(await store.outboxCounts()).toEqual({ pending: 0, failed: 0 });
      expect(await store.outboxDue(10_000, 10)).toEqual([]);
    });
  });
}
