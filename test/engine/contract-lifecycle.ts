import { describe, expect, it } from 'vitest';
import { statusCommentItem } from '../../src/domain/outbox.js';
import { accepted, admitOptions, comment, delivery, key, newJob, repo } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

/** Opening, closing, reopening, the schema version, and retention (`prune`). */
export function lifecycleContract(ctx: ContractContext): void {
  describe('lifecycle', () => {
    it('keeps everything across close and reopen, and ids keep growing', async () => {
      const location = await ctx.fresh();
      const first = await ctx.backend.open(location, { now: () => new Date(1000) });
      const job = await accepted(first, 7, 'd-1');
      await first.update(job.id, { state: 'running', startedAt: '2025-01-01T00:00:01.000Z', note: 'attempt 1' }, [], 'started');
      await first.putSession({ issueKey: key(7), agent: 'opencode', sessionId: 'ses_1', worktreePath: '/w/7', branch: 'kugetsu/issue-7', updatedAt: '2025-01-01T00:00:02.000Z' });
      await first.setCursor('comments:acme/app', '2025-01-01T00:00:03Z');
      await first.enqueue([comment('reply')]);
      await first.defer(delivery('x-1', 'later'), '{}', 1000, 'e');
      const before = {
        job: await first.get(job.id),
        history: await first.history(job.id),
        session: await first.getSession(key(7)),
        outbox: await first.outboxDue(1000, 10),
        deferred: await first.deferredDue(1000, 10),
      };
      await first.close();
      await first.close(); // twice is fine
      await expect(first.get(job.id)).rejects.toThrow();
      await expect(first.setCursor('a', 'b')).rejects.toThrow('the store is closed');

      expect(await ctx.backend.readSchemaVersion(location)).toBe(ctx.backend.schemaVersion);
      const second = await ctx.open({ location });
      expect(await second.get(job.id)).toStrictEqual(before.job);
      expect(await second.history(job.id)).toStrictEqual(before.history);
      expect(await second.getSession(key(7))).toStrictEqual(before.session);
      expect(await second.outboxDue(1000, 10)).toStrictEqual(before.outbox);
      expect(await second.deferredDue(1000, 10)).toStrictEqual(before.deferred);
      expect(await second.getCursor('comments:acme/app')).toBe('2025-01-01T00:00:03Z');
      expect(await second.knownRepos()).toStrictEqual([repo()]);
      expect(await second.unfinished()).toHaveLength(1);
      expect(await second.admit(delivery('d-2', 'event:d-1'), newJob(7), admitOptions())).toStrictEqual({ kind: 'duplicate', jobId: job.id, by: 'event' });
      const next = await second.admit(delivery('d-3'), newJob(7), admitOptions());
      expect(next.kind === 'accepted' && Number(next.job.id)).toBeGreaterThan(Number(job.id));
    });

    it('finishes the calls in flight when closed, then refuses new ones', async () => {
      const location = await ctx.fresh();
      const store = await ctx.backend.open(location);
      const admitted = store.admit(delivery('d-1'), newJob(7), admitOptions());
      const enqueued = store.enqueue([comment('k')]);
      await store.close();
      expect((await admitted).kind).toBe('accepted');
      await enqueued;
      await expect(store.admit(delivery('d-2'), newJob(7), admitOptions())).rejects.toThrow('the store is closed');
      const reopened = await ctx.open({ location });
      expect(await reopened.hasEvent('d-1')).toBe(true);
      expect(await reopened.outboxIsOpen('k')).toBe(true);
    });

    it('refuses a database written by a newer kugetsu, and leaves it as it was', async () => {
      const location = await ctx.fresh();
      const store = await ctx.backend.open(location);
      await accepted(store, 7);
      await store.close();
      const newer = ctx.backend.schemaVersion + 1;
      await ctx.backend.writeSchemaVersion(location, newer);
      await expect(ctx.backend.open(location)).rejects.toThrow(
        `has schema version ${newer}, but this kugetsu knows versions up to ${ctx.backend.schemaVersion}: it was written by a newer kugetsu`,
      );
      expect(await ctx.backend.readSchemaVersion(location)).toBe(newer);
    });

    it('prunes old finished jobs, their history and deliveries, and old done/failed outbox rows only', async () => {
      let now = Date.parse('2025-01-01T00:00:00.000Z');
      const store = await ctx.open({ now: () => new Date(now) });
      const ids: string[] = [];
      for (const [id, n] of [
        ['old-done', 1],
        ['new-done', 2],
        ['old-running', 3],
        ['old-queued', 4],
      ] as const) {
        const outcome = await store.admit(delivery(id), newJob(n, { deliveryId: id }), { requireIdleIssue: false, outbox: () => [] });
        ids.push(outcome.kind === 'accepted' ? outcome.job.id : '');
      }
      const [oldDone, newDone, oldRunning, oldQueued] = ids as [string, string, string, string];
      await store.recordEvent(delivery('old-reply'), []);
      await store.update(oldDone, { state: 'succeeded', finishedAt: '2025-01-02T00:00:00.000Z' });
      await store.update(newDone, { state: 'failed', finishedAt: '2025-01-09T00:00:00.000Z' });
      await store.update(oldRunning, { state: 'running', startedAt: '2025-01-01T00:00:00.000Z' });
      await store.enqueue([
        statusCommentItem({ id: oldDone, issueKey: key(1) }),
        statusCommentItem({ id: newDone, issueKey: key(2) }),
        statusCommentItem({ id: oldRunning, issueKey: key(3) }),
      ]);
      const [a, b] = await store.outboxDue(now, 10);
      await store.outboxDone(a!.id);
      await store.outboxFailed(b!.id, '404');
      now = Date.parse('2025-01-10T00:00:00.000Z');
      await store.enqueue([{ key: 'late', group: key(1), op: { kind: 'comment', owner: 'acme', repo: 'app', number: 1, body: 'x' } }]);
      const [late] = (await store.outboxDue(now, 10)).filter((i) => i.key === 'late');
      await store.outboxDone(late!.id);

      const result = await store.prune(new Date('2025-01-05T00:00:00.000Z'));
      expect(result).toEqual({ jobIds: [oldDone], deliveries: 3, outbox: 2 });
      expect(await store.get(oldDone)).toBeUndefined();
      expect(await store.history(oldDone)).toEqual([]);
      expect((await store.recent(10)).map((j) => j.id)).toEqual([oldQueued, oldRunning, newDone]);
      expect(await store.hasEvent('old-done')).toBe(false);
      expect(await store.hasEvent('old-reply')).toBe(false);
      expect(await store.hasEvent('new-done')).toBe(false); // received long ago; its job is finished
      expect(await store.hasEvent('old-running')).toBe(true);
      expect(await store.hasEvent('old-queued')).toBe(true);
      expect(await store.outboxCounts()).toEqual({ pending: 1, failed: 0 });
      expect((await store.outboxDue(now, 10)).map((i) => i.key)).toEqual([`status:${oldRunning}`]);
      expect(await store.history(newDone)).toHaveLength(2);
      // Pruning again removes nothing more; ids are not reused after a prune.
      expect(await store.prune(new Date('2025-01-05T00:00:00.000Z'))).toEqual({ jobIds: [], deliveries: 0, outbox: 0 });
      const next = await accepted(store, 5, 'after-prune');
      expect(Number(next.id)).toBeGreaterThan(Number(oldQueued));
    });

    it('prunes job ids in numeric order', async () => {
      const store = await ctx.open({ now: () => new Date('2025-01-01T00:00:00.000Z') });
      const ids: string[] = [];
      for (let i = 1; i <= 11; i++) {
        const job = await accepted(store, i, `p-${i}`);
        await store.update(job.id, { state: 'succeeded', finishedAt: '2025-01-02T00:00:00.000Z' });
        ids.push(job.id);
      }
      const result = await store.prune(new Date('2025-02-01T00:00:00.000Z'));
      expect(result.jobIds).toEqual(ids);
      expect(result.deliveries).toBe(11);
    });
  });
}
