import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/domain/job.js';
import { accepted, admitted, claimOf, finish, jobIn, key, steppingClock } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

const T0 = Date.parse('2025-01-01T00:10:00.000Z');
const ids = (jobs: Job[]) => jobs.map((j) => j.id);

/** Claims: per-issue order, slots, the global and repository caps, start rates, preferences. */
export function claimsContract(ctx: ContractContext): void {
  describe('claims', () => {
    it("claims the oldest job of each issue, running and leased to the worker; an issue's next job only once the first finished", async () => {
      const store = await ctx.open({ now: steppingClock() });
      const a = await accepted(store, 1, 'a');
      const b = await accepted(store, 2, 'b');
      const c = await accepted(store, 1, 'c');
      const d = await accepted(store, 3, 'd');
      const claimed = await store.claim(claimOf('w1', T0, { slots: 10, leaseMs: 5000 }));
      expect(ids(claimed)).toEqual([a.id, b.id, d.id]);
      for (const job of claimed) {
        expect(job).toMatchObject({ state: 'running', workerId: 'w1', leaseUntil: T0 + 5000, startedAt: new Date(T0).toISOString() });
        expect(await store.get(job.id)).toStrictEqual(job);
        expect((await store.history(job.id)).at(-1)).toMatchObject({ state: 'running', detail: 'attempt 1 on w1' });
      }
      // The claim's outbox items were written with it.
      const due = (await store.outboxDue(Date.now() + 60_000, 100)).map((i) => i.key);
      for (const job of claimed) expect(due).toContain(`claimed:${job.id}:1`);
      expect(due).not.toContain(`claimed:${c.id}:1`);

      expect(await store.claim(claimOf('w2', T0, { slots: 10 }))).toEqual([]);
      expect((await store.get(c.id))!.state).toBe('queued');
      expect(await finish(store, claimed[0]!, 'w1')).toMatchObject({ state: 'succeeded' });
      expect(ids(await store.claim(claimOf('w2', T0 + 1, { slots: 10 })))).toEqual([c.id]);
      expect(await store.get(c.id)).toMatchObject({ state: 'running', workerId: 'w2' });
    });

    it('claims at most its slots, none for no slot', async () => {
      const store = await ctx.open();
      const jobs = [await accepted(store, 1, 'a'), await accepted(store, 2, 'b'), await accepted(store, 3, 'c')];
      expect(await store.claim(claimOf('w1', T0, { slots: 0 }))).toEqual([]);
      expect(ids(await store.claim(claimOf('w1', T0, { slots: 2 })))).toEqual(ids(jobs.slice(0, 2)));
      expect(ids(await store.claim(claimOf('w1', T0, { slots: 2 })))).toEqual([jobs[2]!.id]);
    });

    it('keeps the global cap over every worker together', async () => {
      const store = await ctx.open();
      for (let n = 1; n <= 5; n++) await accepted(store, n, `d-${n}`);
      expect(await store.claim(claimOf('w1', T0, { slots: 1, globalMax: 2 }))).toHaveLength(1);
      expect(await store.claim(claimOf('w2', T0, { slots: 5, globalMax: 2 }))).toHaveLength(1);
      expect(await store.claim(claimOf('w3', T0, { slots: 5, globalMax: 2 }))).toEqual([]);
      expect((await store.counts()).running).toBe(2);
      // Without a global cap each worker is limited by its slots only.
      expect(await store.claim(claimOf('w3', T0, { slots: 5 }))).toHaveLength(3);
    });

    it("keeps a repository cap, passing over that repository's jobs to others", async () => {
      const store = await ctx.open();
      const app1 = await admitted(store, jobIn('app', 1, 'a1'));
      const app2 = await admitted(store, jobIn('app', 2, 'a2'));
      const other = await admitted(store, jobIn('other', 1, 'o1'));
      const app3 = await admitted(store, jobIn('app', 3, 'a3'));
      const limits = (job: Job) => (job.repo.name === 'app' ? { repoMax: 1 } : {});
      expect(ids(await store.claim(claimOf('w1', T0, { slots: 5, limits })))).toEqual([app1.id, other.id]);
      expect(await store.claim(claimOf('w2', T0, { slots: 5, limits }))).toEqual([]);
      // The repository key ignores case: ACME/App is acme/app.
      const upper = await admitted(
        store,
        jobIn('app', 4, 'a4', { repo: { owner: 'ACME', name: 'App', fullName: 'ACME/App', cloneUrl: 'x', defaultBranch: 'main', htmlUrl: 'x' } }),
      );
      expect(await store.claim(claimOf('w2', T0, { slots: 5, limits: () => ({ repoMax: 1 }) }))).toEqual([]);
      expect(await finish(store, (await store.get(app1.id))!, 'w1')).toBeDefined();
      expect(ids(await store.claim(claimOf('w2', T0, { slots: 5, limits: () => ({ repoMax: 1 }) })))).toEqual([app2.id]);
      expect((await store.get(app3.id))!.state).toBe('queued');
      expect((await store.get(upper.id))!.state).toBe('queued');
    });

    it("prefers the worker's issues among the oldest candidates", async () => {
      const store = await ctx.open();
      await accepted(store, 1, 'a');
      await accepted(store, 2, 'b');
      const c = await accepted(store, 3, 'c');
      expect(ids(await store.claim(claimOf('w1', T0, { prefer: (job) => job.issueKey === key(3) })))).toEqual([c.id]);
    });

    it('passes over a waiting job until its time, and it holds its issue meanwhile', async () => {
      const store = await ctx.open();
      const a = await accepted(store, 1, 'a');
      const c = await accepted(store, 1, 'c');
      const until = new Date(T0 + 60_000).toISOString();
      const waiting = await store.change(a.id, { expect: ['queued'], patch: { state: 'waiting', waiting: { reason: 'gitea', detail: 'Gitea is down', until, times: 1 } } });
      expect(waiting).toMatchObject({ state: 'waiting', waiting: { until } });
      expect(await store.claim(claimOf('w1', T0, { slots: 5 }))).toEqual([]);
      expect(await store.claim(claimOf('w1', T0 + 59_999, { slots: 5 }))).toEqual([]);
      const [claimed] = await store.claim(claimOf('w1', T0 + 60_000, { slots: 5 }));
      expect(claimed).toMatchObject({ id: a.id, state: 'running' });
      expect(claimed!.waiting).toBeUndefined();
      expect((await store.get(c.id))!.state).toBe('queued');
    });

    it("sets a job over its sender's start rate waiting until a start leaves the window, then claims it", async () => {
      const store = await ctx.open({ now: steppingClock() });
      const jobs = [await accepted(store, 1, 'a'), await accepted(store, 2, 'b'), await accepted(store, 3, 'c'), await accepted(store, 4, 'd')];
      const limits = () => ({ senderRate: { limit: 2, windowMs: 3_600_000 } });
      const first = await store.claim(claimOf('w1', T0, { slots: 5, limits }));
      expect(ids(first)).toEqual(ids(jobs.slice(0, 2)));
      const until = new Date(T0 + 3_600_000).toISOString();
      for (const job of jobs.slice(2)) {
        const now = (await store.get(job.id))!;
        expect(now).toMatchObject({ state: 'waiting', waiting: { reason: 'rate-limit', until, times: 1 } });
        expect(now.waiting!.detail).toBe('@alice started 2 jobs in the last 60 min, the most allowed');
        expect(now.workerId).toBeUndefined();
        expect((await store.history(job.id)).at(-1)).toStrictEqual({ state: 'waiting', at: expect.any(String), detail: `waiting: ${now.waiting!.detail}` });
        expect(await store.outboxIsOpen(`status:${job.id}`)).toBe(true);
        expect(await store.position(job.id)).toMatchObject({ place: 'waiting' });
      }
      // Asked again before then: nothing changes (no second history row, no new count).
      expect(await store.claim(claimOf('w2', T0 + 60_000, { slots: 5, limits }))).toEqual([]);
      expect((await store.get(jobs[2]!.id))!.waiting!.times).toBe(1);
      expect(await store.history(jobs[2]!.id)).toHaveLength(2);
      // Finishing the first two frees no start: starts count, not running jobs.
      for (const job of first) await finish(store, job, 'w1');
      expect(await store.claim(claimOf('w2', T0 + 120_000, { slots: 5, limits }))).toEqual([]);
      // Once the first starts leave the window, the waiting jobs are claimed (two more starts).
      const later = await store.claim(claimOf('w2', T0 + 3_600_001, { slots: 5, limits }));
      expect(ids(later)).toEqual(ids(jobs.slice(2)));
      expect(later[0]).toMatchObject({ state: 'running', workerId: 'w2' });
      expect(later[0]!.waiting).toBeUndefined();
    });

    it("counts a repository's start rate over all its senders, and says so", async () => {
      const store = await ctx.open();
      const a = await admitted(store, jobIn('app', 1, 'a', { sender: { id: 1, login: 'ann' } }));
      const b = await admitted(store, jobIn('app', 2, 'b', { sender: { id: 2, login: 'bob' } }));
      const other = await admitted(store, jobIn('other', 3, 'o', { sender: { id: 2, login: 'bob' } }));
      const limits = (job: Job) => (job.repo.name === 'app' ? { repoRate: { limit: 1, windowMs: 600_000 } } : {});
      expect(ids(await store.claim(claimOf('w1', T0, { slots: 5, limits })))).toEqual([a.id, other.id]);
      expect((await store.get(b.id))!.waiting).toStrictEqual({
        reason: 'rate-limit',
        detail: 'acme/app started 1 jobs in the last 10 min, the most allowed',
        until: new Date(T0 + 600_000).toISOString(),
        times: 1,
      });
    });

    it('sets a job of a repository over its daily budget waiting until 00:00 UTC, says what was spent, then claims it after midnight', async () => {
      const store = await ctx.open({ now: steppingClock() });
      const a = await admitted(store, jobIn('app', 1, 'a'));
      const b = await admitted(store, jobIn('app', 2, 'b'));
      const other = await admitted(store, jobIn('other', 3, 'o'));
      const limits = (job: Job) => (job.repo.name === 'app' ? { dailyBudgetUsd: 5 } : {});
      expect(ids(await store.claim(claimOf('w1', T0, { slots: 1, limits })))).toEqual([a.id]);
      const usage = { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 5.12, costSource: 'agent' as const };
      const result = { exitCode: 0, timedOut: false, canceled: false, durationMs: 1000, outputTail: '', newCommits: 1, pushed: true, usage };
      await store.change(a.id, {
        expect: ['running'],
        workerId: 'w1',
        patch: { state: 'succeeded', finishedAt: '2025-01-01T01:00:00.000Z', result, workerId: undefined, leaseUntil: undefined },
      });

      const at = Date.parse('2025-01-01T23:59:00.000Z');
      // The other repository has no budget: its job runs; acme/app's waits.
      expect(ids(await store.claim(claimOf('w1', at, { slots: 5, limits })))).toEqual([other.id]);
      const waiting = (await store.get(b.id))!;
      expect(waiting).toMatchObject({ state: 'waiting', waiting: { reason: 'budget', until: '2025-01-02T00:00:00.000Z', times: 1 } });
      expect(waiting.waiting!.detail).toBe('$5.12 of $5.00 spent today, resumes at 00:00 UTC');
      expect(waiting.workerId).toBeUndefined();
      expect((await store.history(b.id)).at(-1)).toStrictEqual({
        state: 'waiting',
        at: expect.any(String),
        detail: 'waiting for budget: $5.12 of $5.00 spent today, resumes at 00:00 UTC',
      });
      expect(await store.outboxIsOpen(`status:${b.id}`)).toBe(true);
      // Asked again the same day: nothing changes (no second history row).
      expect(await store.claim(claimOf('w2', at + 30_000, { slots: 5, limits }))).toEqual([]);
      expect(await store.history(b.id)).toHaveLength(2);
      expect((await store.get(b.id))!.state).toBe('waiting');
      // After midnight yesterday's spending no longer counts: the job runs.
      const [claimed] = await store.claim(claimOf('w2', Date.parse('2025-01-02T00:00:00.001Z'), { slots: 5, limits }));
      expect(claimed).toMatchObject({ id: b.id, state: 'running', workerId: 'w2' });
      expect(claimed!.waiting).toBeUndefined();
    });

    it('lets a repository under its daily budget (or with turns of unknown cost) run', async () => {
      const store = await ctx.open({ now: steppingClock() });
      const a = await admitted(store, jobIn('app', 1, 'a'));
      const b = await admitted(store, jobIn('app', 2, 'b'));
      const c = await admitted(store, jobIn('app', 3, 'c'));
      const limits = () => ({ dailyBudgetUsd: 5 });
      const [first, second] = await store.claim(claimOf('w1', T0, { slots: 2, limits }));
      const base = { exitCode: 0, timedOut: false, canceled: false, durationMs: 1000, outputTail: '', newCommits: 1, pushed: true };
      const tokens = { inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 };
      await store.change(first!.id, {
        expect: ['running'],
        workerId: 'w1',
        patch: { state: 'succeeded', finishedAt: '2025-01-01T00:20:00.000Z', result: { ...base, usage: { ...tokens, costUsd: 4.99 } } },
      });
      await store.change(second!.id, {
        expect: ['running'],
        workerId: 'w1',
        patch: { state: 'failed', finishedAt: '2025-01-01T00:21:00.000Z', result: { ...base, usage: tokens } },
      });
      expect(ids([first!, second!])).toEqual([a.id, b.id]);
      expect(ids(await store.claim(claimOf('w1', T0 + 3_600_000, { slots: 2, limits })))).toEqual([c.id]);
    });
  });
}
