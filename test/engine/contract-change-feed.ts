import { describe, expect, it } from 'vitest';
import type { JobStateChange } from '../../src/engine/job-browser.js';
import type { JobStore } from '../../src/store/job-store.js';
import { accepted, admitted, claimOf, finish, jobIn } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

const T0 = Date.parse('2025-01-01T00:10:00.000Z');

/** The change feed (SSE with Last-Event-ID): every committed transition, in id order, none skipped on resume. */
export function changeFeedContract(ctx: ContractContext): void {
  describe('change feed', () => {
    it('lists every transition once, oldest first, from any id on, and announces each as `changed`', async () => {
      const store = await ctx.open();
      expect(await store.lastChangeId()).toBe(0);
      expect(await store.changes(0, 10)).toEqual([]);
      const kinds: string[] = [];
      store.subscribe((event) => kinds.push(event.kind));

      const job = await accepted(store, 7);
      const [running] = await store.claim(claimOf('w1', T0));
      // A change that moves no state is no transition.
      await store.change(job.id, { expect: ['running'], patch: { note: 'still going' } });
      expect(kinds.filter((k) => k === 'changed')).toHaveLength(2);
      await finish(store, running!, 'w1');
      expect(kinds.filter((k) => k === 'changed')).toHaveLength(3);

      const changes = await store.changes(0, 100);
      expect(changes.map(({ jobId, state }) => ({ jobId, state }))).toEqual([
        { jobId: job.id, state: 'queued' },
        { jobId: job.id, state: 'running' },
        { jobId: job.id, state: 'succeeded' },
      ]);
      expect(changes[1]!.detail).toBe('attempt 1 on w1');
      expect(changes[0]!.detail).toBeUndefined();
      for (const c of changes) expect(new Date(c.at).toISOString()).toBe(c.at);
      const ids = changes.map((c) => c.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(3);
      expect(await store.lastChangeId()).toBe(ids[2]);
      // Resuming after an id gives what came after it; a limit cuts the page.
      expect(await store.changes(ids[0]!, 100)).toEqual(changes.slice(1));
      expect(await store.changes(0, 1)).toEqual(changes.slice(0, 1));
      expect(await store.changes(ids[2]!, 100)).toEqual([]);
      // The history of the job tells the same.
      expect((await store.history(job.id)).map((e) => e.state)).toEqual(['queued', 'running', 'succeeded']);
    });

    it('refuses bad arguments with RangeError', async () => {
      const store = await ctx.open();
      await expect(store.changes(-1, 10)).rejects.toThrow(RangeError);
      await expect(store.changes(0, 0)).rejects.toThrow(RangeError);
      await expect(store.changes(0, 1001)).rejects.toThrow(RangeError);
      await expect(store.changes(Number.NaN, 10)).rejects.toThrow(RangeError);
    });

    it('ids are never reused after a prune', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7);
      await store.update(job.id, { state: 'succeeded', finishedAt: '2025-01-01T00:00:00.000Z' });
      const last = await store.lastChangeId();
      await store.prune(new Date('2025-02-01T00:00:00.000Z'));
      const next = await accepted(store, 8);
      const [change] = await store.changes(last, 10);
      expect(change).toMatchObject({ jobId: next.id, state: 'queued' });
      expect(change!.id).toBeGreaterThan(last);
    });

    it('a reader resuming after the last id it saw never misses a change, with many writers in several stores at once', async () => {
      const location = await ctx.fresh();
      const writers = await Promise.all([0, 1, 2].map(() => ctx.open({ location })));
      const reader = await ctx.open({ location });
      const seen: JobStateChange[] = [];
      let writing = true;
      // The reader polls as an SSE stream does: from the last id it saw.
      const reading = (async () => {
        for (;;) {
          const stop = !writing;
          const page = await reader.changes(seen.at(-1)?.id ?? 0, 1000);
          seen.push(...page);
          if (stop && page.length === 0) return;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const work = async (store: JobStore, w: number) => {
        for (let i = 0; i < 12; i++) {
          const job = await admitted(store, jobIn(`r${w}`, i + 1, `feed-${w}-${i}`));
          await Promise.all([
            store.update(job.id, { note: `n${i}` }),
            store.change(job.id, { expect: ['queued'], patch: { state: 'canceled', finishedAt: new Date(T0).toISOString() } }),
          ]);
        }
      };
      try {
        await Promise.all(writers.flatMap((store, w) => [work(store, w), work(store, w + 3)]));
      } finally {
        writing = false;
      }
      await reading;
      const all = await reader.changes(0, 1000);
      expect(all).toHaveLength(6 * 12 * 2);
      expect(seen.map((c) => c.id)).toEqual(all.map((c) => c.id));
    });
  });
}
