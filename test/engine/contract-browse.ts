import { describe, expect, it } from 'vitest';
import { statusCommentItem } from '../../src/domain/outbox.js';
import { accepted, admitted, claimOf, comment, jobIn, steppingClock } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

const T0 = Date.parse('2025-01-01T00:10:00.000Z');

/** What a dashboard reads: search, workers, outbox health, waiting counts, a job's Gitea writes. */
export function browseContract(ctx: ContractContext): void {
  describe('browsing', () => {
    it('searches newest first by repository, issue, state, sender, time and text, page by page', async () => {
      const store = await ctx.open({ now: steppingClock() });
      const a1 = await admitted(store, jobIn('app', 1, 'd1', { message: 'Fix the Login page', sender: { id: 3, login: 'Alice' } }));
      const b2 = await admitted(
        store,
        jobIn('Web', 2, 'd2', { message: 'add dark mode', sender: { id: 4, login: 'bob' }, issueSnapshot: { title: 'Dark MODE please', body: '' } }),
      );
      const a3 = await admitted(store, jobIn('app', 3, 'd3', { message: 'bump deps', sender: { id: 4, login: 'bob' } }));
      const a1b = await admitted(store, jobIn('app', 1, 'd4', { message: 'and the logout', sender: { id: 3, login: 'alice' } }));
      await store.update(a3.id, { state: 'failed', finishedAt: '2025-01-01T00:00:30.000Z' });
      const ids = async (filter: Parameters<typeof store.search>[0], limit = 50) => (await store.search(filter, { limit })).jobs.map((j) => j.id);

      expect(await ids({})).toEqual([a1b.id, a3.id, b2.id, a1.id]);
      expect(await ids({ repo: 'ACME/app' })).toEqual([a1b.id, a3.id, a1.id]);
      expect(await ids({ repo: 'acme/web', issue: 2 })).toEqual([b2.id]);
      expect(await ids({ issue: 1 })).toEqual([a1b.id, a1.id]);
      expect(await ids({ states: ['failed'] })).toEqual([a3.id]);
      expect(await ids({ states: ['queued', 'failed'], sender: 'BOB' })).toEqual([a3.id, b2.id]);
      expect(await ids({ states: [] })).toEqual([]);
      expect(await ids({ text: 'LOG' })).toEqual([a1b.id, a1.id]);
      expect(await ids({ text: 'dark mode' })).toEqual([b2.id]);
      expect(await ids({ text: 'kugetsu/issue-3' })).toEqual([a3.id]);
      expect(await ids({ text: 'acme/web' })).toEqual([b2.id]);
      expect(await ids({ text: 'no such words' })).toEqual([]);
      expect(await ids({ since: b2.createdAt, until: a1b.createdAt })).toEqual([a3.id, b2.id]);

      // Paging: `nextBefore` until the last page.
      const first = await store.search({}, { limit: 3 });
      expect(first.jobs.map((j) => j.id)).toEqual([a1b.id, a3.id, b2.id]);
      expect(first.nextBefore).toBe(b2.id);
      const second = await store.search({}, { limit: 3, before: first.nextBefore! });
      expect(second).toStrictEqual({ jobs: [await store.get(a1.id)] });
      expect((await store.search({}, { limit: 4 })).nextBefore).toBeUndefined();
    });

    it('refuses a bad filter or page with RangeError', async () => {
      const store = await ctx.open();
      await expect(store.search({}, { limit: 0 })).rejects.toThrow(RangeError);
      await expect(store.search({}, { limit: 201 })).rejects.toThrow(RangeError);
      await expect(store.search({}, { limit: 10, before: 'x' })).rejects.toThrow(RangeError);
      await expect(store.search({ states: ['done' as never] }, { limit: 10 })).rejects.toThrow('unknown job state "done"');
      await expect(store.search({ since: 'yesterday' }, { limit: 10 })).rejects.toThrow(RangeError);
      await expect(store.search({ issue: 0 }, { limit: 10 })).rejects.toThrow(RangeError);
      await expect(store.search({ repo: 'nope' }, { limit: 10 })).rejects.toThrow(RangeError);
    });

    it('lists workers with their slots, running jobs and last sighting; forgets a gone one', async () => {
      let now = T0;
      const store = await ctx.open({ now: () => new Date(now) });
      expect(await store.workers()).toEqual([]);
      await store.workerSeen({ id: 'w1', host: 'box-a', pid: 11, slots: 2, startedAt: '2025-01-01T00:00:00.000Z' });
      now += 5000;
      await store.workerSeen({ id: 'w2', host: 'box-b', pid: 22, slots: 1, startedAt: '2025-01-01T00:00:01.000Z' });
      await accepted(store, 7);
      await accepted(store, 8);
      await store.claim(claimOf('w1', T0, { slots: 2 }));
      expect(await store.workers()).toEqual([
        { id: 'w2', slots: 1, running: 0, lastSeenAt: new Date(T0 + 5000).toISOString(), host: 'box-b', pid: 22, startedAt: '2025-01-01T00:00:01.000Z' },
        { id: 'w1', slots: 2, running: 2, lastSeenAt: new Date(T0).toISOString(), host: 'box-a', pid: 11, startedAt: '2025-01-01T00:00:00.000Z' },
      ]);
      now += 5000;
      await store.workerSeen({ id: 'w1', host: 'box-a', pid: 11, slots: 3, startedAt: '2025-01-01T00:00:00.000Z' });
      expect((await store.workers())[0]).toMatchObject({ id: 'w1', slots: 3, lastSeenAt: new Date(T0 + 10_000).toISOString() });
      await store.workerGone('w2');
      expect((await store.workers()).map((w) => w.id)).toEqual(['w1']);
      // Retention forgets workers not seen since the cut-off.
      await store.prune(new Date(T0 + 20_000));
      expect(await store.workers()).toEqual([]);
    });

    it('counts outbox items by op kind: pending, retrying, failed', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7); // status_comment pending
      await store.enqueue([comment('c1'), comment('c2'), comment('c3')]);
      const due = await store.outboxDue(Date.now() + 60_000, 10);
      const byKey = new Map(due.map((i) => [i.key, i]));
      await store.outboxRetry(byKey.get('c1')!.id, 0, 'HTTP 503');
      await store.outboxFailed(byKey.get('c2')!.id, 'HTTP 422');
      await store.outboxDone(byKey.get(`status:${job.id}`)!.id);
      expect(await store.outboxHealth()).toEqual([{ kind: 'comment', pending: 2, retrying: 1, failed: 1 }]);
    });

    it('counts waiting jobs by repository and reason', async () => {
      const store = await ctx.open();
      await admitted(store, jobIn('app', 1, 'd1'));
      await admitted(store, jobIn('app', 1, 'd2')); // behind its issue
      await admitted(store, jobIn('app', 2, 'd3'));
      const w = await admitted(store, jobIn('web', 5, 'd4'));
      await store.update(w.id, { state: 'waiting', waiting: { reason: 'budget', detail: 'the budget is spent', until: '2025-01-02T00:00:00.000Z', times: 1 } });
      expect(await store.waitingCounts()).toEqual([
        { repo: 'acme/app', reason: 'issue', count: 1 },
        { repo: 'acme/app', reason: 'slot', count: 2 },
        { repo: 'acme/web', reason: 'budget', count: 1 },
      ]);
    });

    it("lists a job's Gitea writes, made by its transitions, with their outcome", async () => {
      const store = await ctx.open({ now: () => new Date(T0) });
      const job = await accepted(store, 7);
      const other = await accepted(store, 8);
      const [running] = await store.claim(claimOf('w1', T0));
      expect(running!.id).toBe(job.id);
      // An item enqueued apart names its job through its op.
      await store.enqueue([
        {
          key: `pull-request:${job.id}`,
          group: job.issueKey,
          op: { kind: 'ensure_pull_request', owner: 'acme', repo: 'app', issueNumber: 7, head: 'kugetsu/issue-7', base: 'main', title: 't', body: 'b', jobId: job.id },
        },
      ]);
      const items = await store.outboxDue(T0 + 60_000, 20);
      const status = items.find((i) => i.key === `status:${job.id}`)!;
      await store.outboxDone(status.id);
      const claimed = items.find((i) => i.key === `claimed:${job.id}:1`)!;
      await store.outboxRetry(claimed.id, T0, 'HTTP 502');
      await store.change(job.id, { expect: ['running'], workerId: 'w1', patch: { state: 'succeeded', finishedAt: new Date(T0).toISOString() }, outbox: [statusCommentItem(job)] });

      const writes = await store.outboxOf(job.id);
      expect(writes.map((w) => w.kind)).toEqual(['status_comment', 'comment', 'ensure_pull_request', 'status_comment']);
      expect(writes[0]).toStrictEqual({
        id: status.id,
        kind: 'status_comment',
        state: 'done',
        attempts: 0,
        createdAt: new Date(T0).toISOString(),
        doneAt: new Date(T0).toISOString(),
      });
      expect(writes[1]).toStrictEqual({ id: claimed.id, kind: 'comment', state: 'pending', attempts: 1, lastError: 'HTTP 502', createdAt: new Date(T0).toISOString() });
      expect((await store.outboxOf(other.id)).map((w) => w.kind)).toEqual(['status_comment']);
      expect(await store.outboxOf('999')).toEqual([]);
      expect(await store.outboxOf('nope')).toEqual([]);
    });
  });
}
