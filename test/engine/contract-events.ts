import { describe, expect, it } from 'vitest';
import { accepted, admitOptions, comment, delivery, newJob } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

/** Deliveries acted on without a job (`recordEvent`), how a delivery was handled, deferred deliveries. */
export function eventsContract(ctx: ContractContext): void {
  describe('recorded and deferred deliveries', () => {
    it('records a delivery without a job together with its outbox items, once', async () => {
      const store = await ctx.open({ now: () => new Date(1000) });
      expect(await store.recordEvent(delivery('h-1', 'comment:acme/app:9:created'), [comment('reply:9', 'help text')])).toStrictEqual({ kind: 'recorded' });
      expect(await store.recordEvent(delivery('h-1', 'other'), [comment('reply:x')])).toStrictEqual({ kind: 'duplicate', by: 'delivery' });
      expect(await store.recordEvent(delivery('h-2', 'comment:acme/app:9:created'), [comment('reply:y')])).toStrictEqual({ kind: 'duplicate', by: 'event' });
      expect((await store.outboxDue(1000, 10)).map((i) => [i.key, i.op])).toEqual([['reply:9', comment('reply:9', 'help text').op]]);
      expect(await store.handled(delivery('h-1'))).toStrictEqual({ jobId: '0', by: 'delivery' });
      expect(await store.handled(delivery('h-3', 'comment:acme/app:9:created'))).toStrictEqual({ jobId: '0', by: 'event' });
      // …and an admit of the same event is a duplicate of "no job".
      expect(await store.admit(delivery('h-4', 'comment:acme/app:9:created'), newJob(9), admitOptions())).toStrictEqual({ kind: 'duplicate', jobId: '0', by: 'event' });
      expect(await store.recent(10)).toEqual([]);
    });

    it('tells how a delivery was handled: by its id first, else by its event key, else not at all', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7, 'd-7');
      expect(await store.handled({ id: 'd-7', eventKey: 'whatever' })).toStrictEqual({ jobId: job.id, by: 'delivery' });
      expect(await store.handled({ id: 'new', eventKey: 'event:d-7' })).toStrictEqual({ jobId: job.id, by: 'event' });
      expect(await store.handled({ id: 'new', eventKey: 'new-key' })).toBeUndefined();
      expect(await store.hasEvent('d-7')).toBe(true);
      expect(await store.hasEvent('event:d-7')).toBe(true);
      expect(await store.hasEvent('event:d-8')).toBe(false);
    });

    it('defers a delivery, merges copies of its event, and refuses one that was handled', async () => {
      const store = await ctx.open();
      expect(await store.deferredCount()).toBe(0);
      expect(await store.defer(delivery('x-1', 'comment:acme/app:1:created', '2025-01-01T00:00:02.000Z'), '{"n":1}', 5000, 'Gitea 503')).toBe('deferred');
      // The organisation hook's copy of the same event: merged into the first.
      expect(await store.defer(delivery('x-2', 'comment:acme/app:1:created', '2025-01-01T00:00:03.000Z'), '{"n":2}', 6000, 'Gitea 503')).toBe('deferred');
      expect(await store.deferredCount()).toBe(1);
      const [kept] = await store.deferredDue(5000, 10);
      expect(kept).toStrictEqual({
        delivery: { id: 'x-1', eventType: 'issue_comment', eventKey: 'comment:acme/app:1:created', receivedAt: '2025-01-01T00:00:02.000Z' },
        event: '{"n":1}',
        attempts: 0,
        nextAttemptAt: 5000,
        lastError: 'Gitea 503',
      });
      // Handled already (admitted, or recorded without a job): by delivery id or by event key.
      await accepted(store, 7, 'd-7');
      await store.recordEvent(delivery('r-1', 'help:1'), []);
      expect(await store.defer(delivery('d-7', 'fresh-key'), '{}', 5000, 'e')).toBe('duplicate');
      expect(await store.defer(delivery('fresh-id', 'event:d-7'), '{}', 5000, 'e')).toBe('duplicate');
      expect(await store.defer(delivery('fresh-id-2', 'help:1'), '{}', 5000, 'e')).toBe('duplicate');
      expect(await store.deferredCount()).toBe(1);
    });

    it('lists due deferred deliveries by arrival, at most limit; retry reschedules; done forgets', async () => {
      const store = await ctx.open();
      await store.defer(delivery('c', 'key-c', '2025-01-01T00:00:03.000Z'), '"c"', 1000, 'e');
      await store.defer(delivery('a', 'key-a', '2025-01-01T00:00:01.000Z'), '"a"', 3000, 'e');
      await store.defer(delivery('b2', 'key-b2', '2025-01-01T00:00:02.000Z'), '"b2"', 1000, 'e');
      await store.defer(delivery('b1', 'key-b1', '2025-01-01T00:00:02.000Z'), '"b1"', 1000, 'e');
      expect((await store.deferredDue(999, 10)).map((d) => d.delivery.id)).toEqual([]);
      expect((await store.deferredDue(1000, 10)).map((d) => d.delivery.id)).toEqual(['b1', 'b2', 'c']);
      expect((await store.deferredDue(3000, 2)).map((d) => d.delivery.id)).toEqual(['a', 'b1']);
      await store.deferredRetry('key-a', 9000, 'still 503');
      await store.deferredRetry('key-a', 10_000, 'ETIMEDOUT');
      expect((await store.deferredDue(9999, 10)).map((d) => d.delivery.id)).toEqual(['b1', 'b2', 'c']);
      const [a] = await store.deferredDue(10_000, 1);
      expect([a!.delivery.id, a!.attempts, a!.nextAttemptAt, a!.lastError]).toEqual(['a', 2, 10_000, 'ETIMEDOUT']);
      await store.deferredDone('key-b1');
      await store.deferredDone('unknown');
      expect(await store.deferredCount()).toBe(3);
      expect((await store.deferredDue(10_000, 10)).map((d) => d.delivery.id)).toEqual(['a', 'b2', 'c']);
    });
  });
}
