import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/domain/job.js';
import { statusCommentItem } from '../../src/domain/outbox.js';
import { admitOptions, delivery, key, newJob } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

/** `admit`: exactly once by delivery id and by event key, busy issues, its outbox items, atomicity. */
export function admitContract(ctx: ContractContext): void {
  describe('admit', () => {
    it('refuses a repeated delivery id, then the same event under another delivery id', async () => {
      const store = await ctx.open();
      const first = await store.admit(delivery('d-1', 'comment:acme/app:5:created'), newJob(7), admitOptions());
      expect(first.kind).toBe('accepted');
      const id = first.kind === 'accepted' ? first.job.id : '';
      expect(await store.admit(delivery('d-1', 'other-key'), newJob(7), admitOptions())).toStrictEqual({ kind: 'duplicate', jobId: id, by: 'delivery' });
      expect(await store.admit(delivery('d-2', 'comment:acme/app:5:created'), newJob(7), admitOptions())).toStrictEqual({ kind: 'duplicate', jobId: id, by: 'event' });
      // A delivery id that matches one row and an event key that matches another: the delivery id wins.
      await store.admit(delivery('d-3', 'comment:acme/app:6:created'), newJob(8), admitOptions());
      expect(await store.admit(delivery('d-1', 'comment:acme/app:6:created'), newJob(7), admitOptions())).toStrictEqual({ kind: 'duplicate', jobId: id, by: 'delivery' });
      expect(await store.recent(10)).toHaveLength(2);
      expect(await store.outboxCounts()).toEqual({ pending: 2, failed: 0 });
    });

    it('refuses a busy issue when asked to, and records nothing for it', async () => {
      const store = await ctx.open();
      const first = await store.admit(delivery('d-1'), newJob(7), admitOptions(true));
      expect(first.kind).toBe('accepted');
      expect(await store.admit(delivery('d-2'), newJob(7), admitOptions(true))).toStrictEqual({ kind: 'busy' });
      expect(await store.hasEvent('d-2')).toBe(false);
      expect(await store.hasEvent('event:d-2')).toBe(false);
      // A follow-up command does not require an idle issue; another issue is not busy.
      const followUp = await store.admit(delivery('d-3'), newJob(7), admitOptions(false));
      expect(followUp.kind).toBe('accepted');
      expect((await store.admit(delivery('d-4'), newJob(8), admitOptions(true))).kind).toBe('accepted');
      expect(await store.queuedCount(key(7))).toBe(2);
      for (const job of await store.listByIssue(key(7))) await store.update(job.id, { state: 'succeeded', finishedAt: '2025-01-01T01:00:00.000Z' });
      expect((await store.admit(delivery('d-2'), newJob(7), admitOptions(true))).kind).toBe('accepted');
    });

    it('reports a duplicate before a busy issue', async () => {
      const store = await ctx.open();
      await store.admit(delivery('d-1', 'label:1'), newJob(7), admitOptions(true));
      expect((await store.admit(delivery('d-2', 'label:1'), newJob(7), admitOptions(true))).kind).toBe('duplicate');
    });

    it('admits a job with every field given and the store-owned ones set, ignoring store-owned fields passed in', async () => {
      const store = await ctx.open({ now: () => new Date('2025-03-04T05:06:07.089Z') });
      const smuggled = { ...newJob(7), id: '999', state: 'running', attempt: 9, note: 'x', statusCommentId: 5, createdAt: '1999-01-01T00:00:00.000Z' };
      const outcome = await store.admit(delivery('d-7'), smuggled, admitOptions());
      expect(outcome.kind).toBe('accepted');
      const job = outcome.kind === 'accepted' ? outcome.job : undefined;
      expect(job).toStrictEqual({ ...newJob(7), id: job?.id, state: 'queued', attempt: 1, createdAt: '2025-03-04T05:06:07.089Z' });
      expect(job?.id).toMatch(/^[1-9]\d*$/);
      expect(await store.get(job!.id)).toStrictEqual(job);
      expect(await store.history(job!.id)).toStrictEqual([{ state: 'queued', at: '2025-03-04T05:06:07.089Z' }]);
      expect(await store.handled(delivery('d-7'))).toStrictEqual({ jobId: job!.id, by: 'delivery' });
    });

    it('enqueues the outbox items built from the inserted job, in order, in the same commit', async () => {
      const store = await ctx.open({ now: () => new Date(5000) });
      const seen: Job[] = [];
      const outcome = await store.admit(delivery('d-1'), newJob(7), {
        requireIdleIssue: false,
        outbox: (job) => {
          seen.push(job);
          return [statusCommentItem(job), { key: 'reaction:1007', group: job.issueKey, op: { kind: 'reaction', owner: 'acme', repo: 'app', commentId: 1007, content: 'eyes' } }];
        },
      });
      expect(outcome.kind).toBe('accepted');
      const id = outcome.kind === 'accepted' ? outcome.job.id : '';
      expect(seen.map((j) => [j.id, j.state, j.attempt])).toEqual(Array(seen.length).fill([id, 'queued', 1]));
      const due = await store.outboxDue(5000, 10);
      expect(due).toStrictEqual([
        { id: due[0]!.id, key: `status:${id}`, group: key(7), op: { kind: 'status_comment', jobId: id }, state: 'pending', attempts: 0, nextAttemptAt: 5000, createdAt: 5000 },
        {
          id: due[1]!.id,
          key: 'reaction:1007',
          group: key(7),
          op: { kind: 'reaction', owner: 'acme', repo: 'app', commentId: 1007, content: 'eyes' },
          state: 'pending',
          attempts: 0,
          nextAttemptAt: 5000,
          createdAt: 5000,
        },
      ]);
      expect(due[0]!.id).toBeLessThan(due[1]!.id);
    });

    it('stores nothing of an admit that throws, and its neighbours still commit', async () => {
      const store = await ctx.open();
      const cyclic = newJob(2);
      (cyclic.sender as unknown as Record<string, unknown>).self = cyclic.sender; // JSON cannot serialise it
      const outcomes = await Promise.allSettled([
        store.admit(delivery('d-1'), newJob(1), admitOptions()),
        store.admit(delivery('d-boom'), newJob(9), {
          requireIdleIssue: false,
          outbox: () => {
            throw new Error('injected failure');
          },
        }),
        store.admit(delivery('d-2'), cyclic, admitOptions()),
        store.admit(delivery('d-3'), newJob(3), admitOptions()),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('injected failure'));
      expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
      expect((await store.recent(10)).map((j) => j.issueNumber).sort()).toEqual([1, 3]);
      for (const id of ['d-boom', 'd-2']) {
        expect(await store.hasEvent(id)).toBe(false);
        expect(await store.hasEvent(`event:${id}`)).toBe(false);
      }
      expect(await store.isIssueActive(key(9))).toBe(false);
      expect(await store.knownRepos()).toHaveLength(1);
      const jobs = await store.recent(10);
      expect((await store.outboxDue(Date.now() + 1000, 10)).map((i) => i.key).sort()).toEqual(jobs.map((j) => `status:${j.id}`).sort());
      // The failed delivery can be admitted again later.
      expect((await store.admit(delivery('d-boom'), newJob(9), admitOptions())).kind).toBe('accepted');
    });
  });
}
