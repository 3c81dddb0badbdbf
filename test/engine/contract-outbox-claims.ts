import { describe, expect, it } from 'vitest';
import type { NewOutboxItem } from '../../src/domain/outbox.js';
import { key } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

/** A comment on issue `n` of acme/app (group = the issue key). */
function write(keyName: string, n: number): NewOutboxItem {
  return { key: keyName, group: key(n), op: { kind: 'comment', owner: 'acme', repo: 'app', number: n, body: keyName } };
}

const keys = (items: Array<{ key: string }>) => items.map((i) => i.key);

/** Outbox claims: heads of groups only, one claimant at a time, expiry, outcomes by the holder only. */
export function outboxClaimsContract(ctx: ContractContext): void {
  describe('outbox claims', () => {
    it('claims the head of each group, due, oldest first; a claimed head holds back its group', async () => {
      const store = await ctx.open({ now: () => new Date(1000) });
      await store.enqueue([write('a1', 1), write('b1', 2), write('a2', 1), write('c1', 3), write('b2', 2)]);
      const first = await store.claimOutbox('w1', 10, 5000, 1000);
      expect(keys(first)).toEqual(['a1', 'b1', 'c1']);
      expect(first.every((i) => i.state === 'pending' && i.claimedBefore === undefined)).toBe(true);
      // Another process finds nothing: the heads are held, the rest are no heads.
      expect(await store.claimOutbox('w2', 10, 5000, 1000)).toEqual([]);
      // At most `limit`; not yet due is not claimed.
      expect(await store.claimOutbox('w3', 10, 5000, 999)).toEqual([]);
      await store.outboxDone(first[0]!.id, 'w1');
      expect(keys(await store.claimOutbox('w2', 1, 5000, 1000))).toEqual(['a2']);
    });

    it("records an outcome only for the claim's holder", async () => {
      const store = await ctx.open({ now: () => new Date(1000) });
      await store.enqueue([write('a1', 1), write('a2', 1)]);
      const [head] = await store.claimOutbox('w1', 10, 5000, 1000);
      await store.outboxDone(head!.id, 'w2');
      await store.outboxFailed(head!.id, '404', 'w2');
      await store.outboxRetry(head!.id, 9000, '503', 'w2');
      expect(await store.outboxDue(1000, 10)).toMatchObject([{ key: 'a1', state: 'pending', attempts: 0 }, { key: 'a2' }]);
      // Without a worker id, only an unclaimed item is settled.
      await store.outboxDone(head!.id);
      expect(await store.outboxIsOpen('a1')).toBe(true);
      await store.outboxRetry(head!.id, 2000, '503', 'w1');
      // A retry frees the claim: the head is claimable again once due, by anyone.
      expect(await store.claimOutbox('w2', 10, 5000, 1999)).toEqual([]);
      const [again] = await store.claimOutbox('w2', 10, 5000, 2000);
      expect(again).toMatchObject({ id: head!.id, attempts: 1, lastError: '503', nextAttemptAt: 2000 });
      expect(again!.claimedBefore).toBeUndefined();
      await store.outboxFailed(again!.id, '422', 'w2');
      expect(await store.outboxCounts()).toEqual({ pending: 1, failed: 1 });
      // A failed head no longer holds back its group.
      expect(keys(await store.claimOutbox('w1', 10, 5000, 2000))).toEqual(['a2']);
    });

    it('releases every claim at once for a sole sender, keeping that the items were claimed before', async () => {
      const store = await ctx.open({ now: () => new Date(1000) });
      await store.enqueue([write('a1', 1), write('b1', 2), write('a2', 1)]);
      expect(keys(await store.claimOutbox('dead', 10, 60_000, 1000))).toEqual(['a1', 'b1']);
      expect(await store.claimOutbox('next', 10, 5000, 1000)).toEqual([]);
      expect(await store.releaseOutboxClaims()).toBe(2);
      const taken = await store.claimOutbox('next', 10, 5000, 1000);
      expect(taken.map((i) => [i.key, i.claimedBefore])).toEqual([
        ['a1', true],
        ['b1', true],
      ]);
      // The dead claimant's outcome no longer counts; a claim is released once.
      await store.outboxDone(taken[0]!.id, 'dead');
      expect(await store.outboxIsOpen('a1')).toBe(true);
      expect(await store.releaseOutboxClaims()).toBe(2);
      expect(await store.releaseOutboxClaims()).toBe(0);
    });

    it('lets another process claim an item whose claim expired, and then ignores the old holder', async () => {
      const store = await ctx.open({ now: () => new Date(1000) });
      await store.enqueue([write('a1', 1)]);
      const [item] = await store.claimOutbox('w1', 10, 5000, 1000);
      expect(await store.claimOutbox('w2', 10, 5000, 6000)).toEqual([]);
      const [taken] = await store.claimOutbox('w2', 10, 5000, 6001);
      expect(taken).toMatchObject({ id: item!.id, key: 'a1', claimedBefore: true });
      await store.outboxDone(item!.id, 'w1');
      expect(await store.outboxIsOpen('a1')).toBe(true);
      await store.outboxDone(item!.id, 'w2');
      expect(await store.outboxIsOpen('a1')).toBe(false);
      expect(await store.outboxCounts()).toEqual({ pending: 0, failed: 0 });
    });

    it('gives each head to one claimant when several claim at once', async () => {
      const location = await ctx.fresh();
      const stores = await Promise.all([0, 1, 2].map(() => ctx.open({ location, now: () => new Date(1000) })));
      const items = Array.from({ length: 30 }, (_, i) => write(`k${i}`, (i % 10) + 1));
      await stores[0]!.enqueue(items);
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.claimOutbox(`w${i}`, 4, 5000, 1000)));
      const claimed = claims.flat();
      // Ten groups, ten heads: each claimed once, whoever got it.
      expect(keys(claimed).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
    });
  });
}
