import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/domain/job.js';
import { statusCommentItem } from '../../src/domain/outbox.js';
import { QUEUE_AHEAD_LIMIT } from '../../src/engine/job-reader.js';
import { accepted, claimOf, comment, finish, steppingClock } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

const T0 = Date.parse('2025-01-01T00:10:00.000Z');

/** Compare-and-set changes, heartbeats, cancel requests, expired leases, queue positions. */
export function leasesContract(ctx: ContractContext): void {
  describe('changes, leases and positions', () => {
    it('changes a job only while it is in an expected state and, when named, held by the worker', async () => {
      const store = await ctx.open({ now: steppingClock() });
      const job = await accepted(store, 7);
      const before = { job: await store.get(job.id), history: await store.history(job.id), outbox: await store.outboxDue(Date.now() + 60_000, 100) };
      const refused = async () => {
        expect(await store.get(job.id)).toStrictEqual(before.job);
        expect(await store.history(job.id)).toStrictEqual(before.history);
        expect(await store.outboxDue(Date.now() + 60_000, 100)).toStrictEqual(before.outbox);
      };
      // Wrong state: nothing is written, not even its outbox items.
      expect(await store.change(job.id, { expect: ['running'], patch: { state: 'succeeded' }, outbox: [comment('never')] })).toBeUndefined();
      await refused();
      // Unknown ids.
      expect(await store.change('404', { expect: ['queued'], patch: { note: 'x' } })).toBeUndefined();
      expect(await store.change('not-an-id', { expect: ['queued'], patch: { note: 'x' } })).toBeUndefined();

      const [running] = await store.claim(claimOf('w1', T0));
      expect(running!.id).toBe(job.id);
      // Held by another worker: refused.
      expect(await store.change(job.id, { expect: ['running'], workerId: 'w2', patch: { state: 'failed' } })).toBeUndefined();
      expect((await store.get(job.id))!.state).toBe('running');
      // The holder: applied, with its history row, outbox items and report fields in one go.
      const done = await store.change(job.id, {
        expect: ['running'],
        workerId: 'w1',
        patch: { state: 'succeeded', finishedAt: '2025-01-01T01:00:00.000Z', statusCommentId: 55, workerId: undefined, leaseUntil: undefined },
        outbox: [comment('done-reply')],
        detail: 'turn ended',
      });
      expect(done).toMatchObject({ state: 'succeeded', statusCommentId: 55 });
      expect(done!.workerId).toBeUndefined();
      expect(done!.leaseUntil).toBeUndefined();
      expect(await store.get(job.id)).toStrictEqual(done);
      expect((await store.history(job.id)).map((e) => [e.state, e.detail])).toEqual([
        ['queued', undefined],
        ['running', 'attempt 1 on w1'],
        ['succeeded', 'turn ended'],
      ]);
      expect(await store.outboxIsOpen('done-reply')).toBe(true);
      // A change without a state change writes no history row; a finished job refuses `running` changes.
      expect(await store.change(job.id, { expect: ['succeeded'], patch: { note: 'noted' } })).toMatchObject({ note: 'noted' });
      expect(await store.history(job.id)).toHaveLength(3);
      expect(await finish(store, done!, 'w1')).toBeUndefined();
    });

    it('answers heartbeats: held (and renewed), lost to another worker or an end, cancel requested', async () => {
      let now = T0;
      const store = await ctx.open({ now: () => new Date(now) });
      const job = await accepted(store, 7);
      expect(await store.heartbeat(job.id, 'w1', 1000)).toStrictEqual({ held: false, cancelRequested: false });
      await store.claim(claimOf('w1', T0, { leaseMs: 1000 }));
      now = T0 + 900;
      expect(await store.heartbeat(job.id, 'w1', 1000)).toStrictEqual({ held: true, cancelRequested: false });
      expect((await store.get(job.id))!.leaseUntil).toBe(T0 + 1900);
      expect(await store.heartbeat(job.id, 'w2', 1000)).toStrictEqual({ held: false, cancelRequested: false });
      expect((await store.get(job.id))!.leaseUntil).toBe(T0 + 1900);
      expect(await store.heartbeat('404', 'w1', 1000)).toStrictEqual({ held: false, cancelRequested: false });
      expect(await store.heartbeat('x', 'w1', 1000)).toStrictEqual({ held: false, cancelRequested: false });

      expect(await store.requestCancel(job.id)).toBe(true);
      expect((await store.get(job.id))!.cancelRequested).toBe(true);
      expect(await store.heartbeat(job.id, 'w1', 1000)).toStrictEqual({ held: true, cancelRequested: true });
      const canceled = await store.change(job.id, {
        expect: ['running'],
        workerId: 'w1',
        patch: { state: 'canceled', finishedAt: '2025-01-01T01:00:00.000Z', workerId: undefined, leaseUntil: undefined, cancelRequested: undefined },
      });
      expect(canceled!.cancelRequested).toBeUndefined();
      expect(await store.heartbeat(job.id, 'w1', 1000)).toStrictEqual({ held: false, cancelRequested: false });
    });

    it('requests a cancel only of a running job', async () => {
      const store = await ctx.open();
      const queued = await accepted(store, 1, 'a');
      expect(await store.requestCancel(queued.id)).toBe(false);
      expect(await store.requestCancel('404')).toBe(false);
      expect(await store.requestCancel('x')).toBe(false);
      expect((await store.get(queued.id))!.cancelRequested).toBeUndefined();
      // A claim starts without a cancel request even when an earlier attempt had one.
      await store.claim(claimOf('w1', T0));
      await store.requestCancel(queued.id);
      await store.change(queued.id, {
        expect: ['running'],
        workerId: 'w1',
        patch: { state: 'queued', attempt: 2, startedAt: undefined, workerId: undefined, leaseUntil: undefined },
      });
      const [again] = await store.claim(claimOf('w2', T0 + 1));
      expect(again).toMatchObject({ id: queued.id, attempt: 2, workerId: 'w2' });
      expect(again!.cancelRequested).toBeUndefined();
      expect((await store.history(queued.id)).at(-1)!.detail).toBe('attempt 2 on w2');
    });

    it('lists running jobs whose lease expired; another worker takes them over by compare-and-set', async () => {
      let now = T0;
      const store = await ctx.open({ now: () => new Date(now) });
      const a = await accepted(store, 1, 'a');
      const b = await accepted(store, 2, 'b');
      await store.claim(claimOf('dead', T0, { slots: 2, leaseMs: 1000 }));
      now = T0 + 500;
      await store.heartbeat(b.id, 'dead', 1000); // b's lease now ends at T0 + 1500
      expect(await store.expiredLeases(T0 + 1000)).toEqual([]);
      const expired = await store.expiredLeases(T0 + 1001);
      expect(expired.map((j) => j.id)).toEqual([a.id]);
      expect(expired[0]).toMatchObject({ state: 'running', workerId: 'dead', leaseUntil: T0 + 1000 });
      expect((await store.expiredLeases(T0 + 1501)).map((j) => j.id)).toEqual([a.id, b.id]);
      // The taker interrupts it while the dead worker still holds it; only one taker succeeds.
      const interrupt = {
        expect: ['running' as const],
        workerId: 'dead',
        patch: { state: 'queued' as const, attempt: 2, startedAt: undefined, workerId: undefined, leaseUntil: undefined },
        detail: 'worker stopped answering',
      };
      const [first, second] = await Promise.all([store.change(a.id, interrupt), store.change(a.id, interrupt)]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect(await store.heartbeat(a.id, 'dead', 1000)).toStrictEqual({ held: false, cancelRequested: false });
      expect((await store.expiredLeases(T0 + 1501)).map((j) => j.id)).toEqual([b.id]);
      const [taken] = await store.claim(claimOf('w2', T0 + 2000));
      expect(taken).toMatchObject({ id: a.id, attempt: 2, workerId: 'w2', leaseUntil: T0 + 2000 + 30_000 });
    });

    it("tells a queued or waiting job's place from the stored rows", async () => {
      const store = await ctx.open();
      const a = await accepted(store, 1, 'a');
      const b = await accepted(store, 2, 'b');
      const c = await accepted(store, 1, 'c');
      const d = await accepted(store, 3, 'd');
      const e = await accepted(store, 4, 'e');
      await store.claim(claimOf('w1', T0, { prefer: (job) => job.id === a.id }));
      await store.change(e.id, {
        expect: ['queued'],
        patch: { state: 'waiting', waiting: { reason: 'budget', detail: 'over budget', until: new Date(T0 + 60_000).toISOString(), times: 1 } },
      });
      // Waiting for a slot: b, d (c is behind a on issue 1); queued or waiting in all: b, c, d, e.
      expect(await store.position(b.id)).toStrictEqual({ place: 'waiting-for-slot', ahead: 0, waiting: 4 });
      expect(await store.position(d.id)).toStrictEqual({ place: 'waiting-for-slot', ahead: 1, waiting: 4 });
      expect(await store.position(c.id)).toStrictEqual({ place: 'waiting-for-issue', ahead: 1, waiting: 4 });
      expect(await store.position(e.id)).toStrictEqual({ place: 'waiting', ahead: 0, waiting: 4 });
      expect(await store.position(a.id)).toBeUndefined();
      expect(await store.position('404')).toBeUndefined();
      expect(await store.position('x')).toBeUndefined();
      await finish(store, (await store.get(a.id))!, 'w1');
      expect(await store.position(a.id)).toBeUndefined();
      expect(await store.position(c.id)).toStrictEqual({ place: 'waiting-for-slot', ahead: 1, waiting: 4 });
      expect(await store.position(d.id)).toStrictEqual({ place: 'waiting-for-slot', ahead: 2, waiting: 4 });
    });

    it('counts the jobs ahead up to QUEUE_AHEAD_LIMIT, and says when more are ahead', async () => {
      const store = await ctx.open();
      // limit + 2 jobs on issues of their own, all waiting for a slot, plus one behind the first on its issue.
      const jobs: Job[] = [];
      for (let n = 1; n <= QUEUE_AHEAD_LIMIT + 2; n++) jobs.push(await accepted(store, n, `many-${n}`));
      const behind = await accepted(store, 1, 'many-behind');
      const waiting = QUEUE_AHEAD_LIMIT + 3;
      expect(await store.position(jobs[QUEUE_AHEAD_LIMIT - 1]!.id)).toStrictEqual({ place: 'waiting-for-slot', ahead: QUEUE_AHEAD_LIMIT - 1, waiting });
      expect(await store.position(jobs[QUEUE_AHEAD_LIMIT]!.id)).toStrictEqual({ place: 'waiting-for-slot', ahead: QUEUE_AHEAD_LIMIT, waiting });
      expect(await store.position(jobs[QUEUE_AHEAD_LIMIT + 1]!.id)).toStrictEqual({ place: 'waiting-for-slot', ahead: QUEUE_AHEAD_LIMIT, moreAhead: true, waiting });
      expect(await store.position(behind.id)).toStrictEqual({ place: 'waiting-for-issue', ahead: QUEUE_AHEAD_LIMIT, moreAhead: true, waiting });
    });

    it('routes report fields to the report row through update and change alike, and can clear them', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7);
      await store.update(job.id, { statusCommentId: 9, pullRequest: { number: 3, url: 'https://gitea.example/acme/app/pulls/3' } }, [statusCommentItem(job)]);
      const changed = await store.change(job.id, { expect: ['queued'], patch: { supersededBy: '12', statusCommentId: undefined } });
      expect(changed).toMatchObject({ pullRequest: { number: 3 }, supersededBy: '12' });
      expect('statusCommentId' in changed!).toBe(false);
      expect(await store.get(job.id)).toStrictEqual(changed);
      expect(await store.listByIssue(job.issueKey)).toStrictEqual([changed]);
    });
  });
}
