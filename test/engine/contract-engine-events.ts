import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/engine-events.js';
import { accepted, claimOf, comment, delivery, finish } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

const T0 = Date.parse('2025-01-01T00:10:00.000Z');

/** The engine's event feed as this process sees it: what each committed change announces. */
export function engineEventsContract(ctx: ContractContext): void {
  describe('engine events', () => {
    it('announces what became claimable or due once it is committed, until unsubscribed', async () => {
      const store = await ctx.open();
      const seen: EngineEvent['kind'][] = [];
      const unsubscribe = store.subscribe((event) => seen.push(event.kind));
      const take = () => [...new Set(seen.splice(0))].sort();
      // A listener that throws does not keep the others from hearing.
      const unsubscribeBad = store.subscribe(() => {
        throw new Error('listener bug');
      });

      const job = await accepted(store, 7);
      expect(take()).toEqual(['changed', 'jobs', 'outbox']);
      await store.enqueue([comment('k')]);
      expect(take()).toEqual(['outbox']);
      await store.enqueue([]);
      expect(take()).toEqual([]);
      await store.recordEvent(delivery('r-1'), [comment('reply')]);
      expect(take()).toEqual(['outbox']);

      const [running] = await store.claim(claimOf('w1', T0));
      expect(take()).toContain('outbox');
      // A heartbeat and a refused change announce nothing.
      await store.heartbeat(running!.id, 'w1', 1000);
      await store.change(job.id, { expect: ['queued'], patch: { note: 'x' } });
      expect(take()).toEqual([]);
      expect(await store.requestCancel(job.id)).toBe(true);
      expect(take()).toContain('jobs');
      await store.requestCancel('404');
      expect(take()).toEqual([]);
      await store.change(job.id, {
        expect: ['running'],
        workerId: 'w1',
        patch: { state: 'queued', attempt: 2, workerId: undefined, leaseUntil: undefined, cancelRequested: undefined },
      });
      expect(take()).toContain('jobs');
      const [again] = await store.claim(claimOf('w1', T0 + 1));
      take();
      await finish(store, again!, 'w1');
      expect(take()).toContain('outbox');

      // A claim that takes nothing but sets a job waiting (its status comment says why) announces outbox work:
      // the repository already started a job within the hour.
      const held = await accepted(store, 9);
      take();
      expect(await store.claim(claimOf('w1', T0 + 2, { limits: () => ({ repoRate: { limit: 1, windowMs: 3_600_000 } }) }))).toEqual([]);
      expect((await store.get(held.id))!.state).toBe('waiting');
      expect(take()).toEqual(['changed', 'outbox']);

      unsubscribe();
      unsubscribeBad();
      await accepted(store, 8);
      expect(take()).toEqual([]);
    });
  });
}
