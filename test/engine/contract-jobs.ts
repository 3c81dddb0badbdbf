import { describe, expect, it } from 'vitest';
import type { Job, JobResult } from '../../src/domain/job.js';
import { accepted, admitOptions, delivery, key, newJob, repo, steppingClock } from './contract-fixtures.js';
import type { ContractContext } from './store-contract.js';

const result: JobResult = {
  exitCode: 1,
  timedOut: false,
  canceled: false,
  durationMs: 1234,
  sessionId: 'ses_1',
  // NUL, quotes, non-BMP and control characters: a real agent's output tail may hold any of them.
  outputTail: 'line 1\nline 2 "quoted" ✓ 🚀 \u0000 \u001b[31mred\u001b[0m \\ end',
  summary: 'did things',
  newCommits: 2,
  pushed: true,
  headSha: 'abc123',
  failedPhase: 'push',
  error: 'push rejected',
};

/** Jobs: fields round-trip, updates and their history, listings, sessions, repositories, cursors. */
export function jobsContract(ctx: ContractContext): void {
  describe('jobs', () => {
    it('round-trips every optional field and the JSON fields through update and get', async () => {
      const store = await ctx.open({ now: steppingClock() });
      const job = await accepted(store, 7);
      const patch = {
        state: 'failed' as const,
        startedAt: '2025-01-01T00:01:00.000Z',
        finishedAt: '2025-01-01T00:02:00.000Z',
        statusCommentId: 99,
        attempt: 2,
        note: 'interrupted by a restart',
        result,
        message: 'changed message',
        waiting: { reason: 'gitea' as const, detail: 'Gitea is unreachable', until: '2025-01-01T00:05:00.000Z', times: 2 },
        pullRequest: { number: 12, url: 'https://gitea.example/acme/app/pulls/12' },
        startSha: 'f00',
        supersededBy: '3',
        needsAuthorization: true,
      };
      const updated = await store.update(job.id, patch);
      const expected: Job = { ...job, ...patch };
      expect(updated).toStrictEqual(expected);
      expect(await store.get(job.id)).toStrictEqual(expected);
    });

    it('clears an optional field patched with undefined and ignores undefined for required ones', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7);
      await store.update(job.id, { note: 'x', statusCommentId: 5 });
      const updated = await store.update(job.id, { note: undefined, state: undefined, commentId: undefined });
      expect(updated.note).toBeUndefined();
      expect('commentId' in updated).toBe(false);
      expect(updated.statusCommentId).toBe(5);
      expect(updated.state).toBe('queued');
      expect(await store.get(job.id)).toStrictEqual(updated);
    });

    it('keeps a job without its optional fields free of undefined keys', async () => {
      const store = await ctx.open();
      const { commentId: _c, triggerLabelId: _t, ...bare } = newJob(8);
      const outcome = await store.admit(delivery('d-8'), bare, admitOptions());
      expect(outcome.kind).toBe('accepted');
      const job = await store.get(outcome.kind === 'accepted' ? outcome.job.id : '');
      expect(Object.keys(job!).sort()).toEqual([
        'agent',
        'attempt',
        'branch',
        'createdAt',
        'deliveryId',
        'id',
        'issueKey',
        'issueNumber',
        'message',
        'replyTo',
        'repo',
        'sender',
        'state',
        'trigger',
      ]);
    });

    it('returns copies: mutating a returned job changes nothing stored', async () => {
      const store = await ctx.open();
      const job = await accepted(store, 7);
      job.repo.name = 'mutated';
      job.sender.login = 'mallory';
      job.state = 'failed';
      const fetched = (await store.get(job.id))!;
      expect(fetched.repo).toEqual(repo());
      expect(fetched.sender.login).toBe('alice');
      expect(fetched.state).toBe('queued');
      fetched.repo.fullName = 'x/y';
      expect((await store.get(job.id))!.repo.fullName).toBe('acme/app');
    });

    it('appends a history row on insert and on every state change, not on other changes', async () => {
      const store = await ctx.open({ now: steppingClock() });
      const job = await accepted(store, 7); // clock 00:00
      await store.update(job.id, { state: 'running', startedAt: '2025-01-01T00:00:05.000Z' }, [], 'picked up'); // 00:01
      await store.update(job.id, { note: 'progress' }); // 00:02, no state change
      await store.update(job.id, { state: 'running' }); // 00:03, same state
      await store.update(job.id, { state: 'succeeded', finishedAt: '2025-01-01T00:09:00.000Z' }); // 00:04
      expect(await store.history(job.id)).toStrictEqual([
        { state: 'queued', at: '2025-01-01T00:00:00.000Z' },
        { state: 'running', at: '2025-01-01T00:00:01.000Z', detail: 'picked up' },
        { state: 'succeeded', at: '2025-01-01T00:00:04.000Z' },
      ]);
      expect(await store.history('404')).toEqual([]);
      expect(await store.history('not-an-id')).toEqual([]);
    });

    it('rejects an update of an unknown job id, naming it', async () => {
      const store = await ctx.open();
      await expect(store.update('41', { state: 'running' })).rejects.toThrow('job 41 does not exist');
      await expect(store.update('not-a-number', { state: 'running' })).rejects.toThrow('job not-a-number does not exist');
      await expect(store.update('99999999999999999999', { state: 'running' })).rejects.toThrow('does not exist');
      expect(await store.get('41')).toBeUndefined();
      expect(await store.get('-1')).toBeUndefined();
    });

    it('lists by issue in arrival order, unfinished oldest first, recent newest first, counts zero-filled', async () => {
      const store = await ctx.open();
      expect(await store.counts()).toStrictEqual({ queued: 0, waiting: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 });
      const a = await accepted(store, 1, 'a');
      const b = await accepted(store, 2, 'b');
      const c = await accepted(store, 1, 'c');
      const d = await accepted(store, 3, 'd');
      await store.update(a.id, { state: 'succeeded', finishedAt: '2025-01-02T00:00:00.000Z' });
      await store.update(b.id, { state: 'running' });
      expect((await store.listByIssue(key(1))).map((j) => j.id)).toEqual([a.id, c.id]);
      expect((await store.unfinished()).map((j) => j.id)).toEqual([b.id, c.id, d.id]);
      expect((await store.recent(2)).map((j) => j.id)).toEqual([d.id, c.id]);
      expect(await store.isIssueActive(key(1))).toBe(true);
      expect(await store.isIssueActive(key(9))).toBe(false);
      expect(await store.queuedCount(key(1))).toBe(1);
      expect(await store.queuedCount(key(2))).toBe(0);
      expect(await store.counts()).toStrictEqual({ queued: 2, waiting: 0, running: 1, succeeded: 1, failed: 0, canceled: 0 });
      await store.update(c.id, { state: 'canceled', finishedAt: '2025-01-02T00:00:00.000Z' });
      expect(await store.isIssueActive(key(1))).toBe(false);
      // Ids are numeric strings that grow in arrival order (numerically: "10" comes after "9").
      for (let i = 0; i < 8; i++) await accepted(store, 20 + i, `more-${i}`);
      const ids = (await store.recent(100)).map((j) => Number(j.id));
      expect(ids).toEqual([...ids].sort((x, y) => y - x));
      expect(ids.length).toBe(12);
    });

    it('keeps sessions: put, replace, list in key order, delete', async () => {
      const store = await ctx.open();
      const session = { issueKey: key(7), agent: 'opencode', sessionId: 'ses_a', worktreePath: '/w/7', branch: 'kugetsu/issue-7', updatedAt: '2025-01-01T00:00:00.000Z' };
      expect(await store.getSession(key(7))).toBeUndefined();
      await store.putSession({ ...session, issueKey: key(8), sessionId: undefined, worktreePath: '/w/8' });
      await store.putSession(session);
      expect(await store.getSession(key(7))).toStrictEqual(session);
      await store.putSession({ ...session, sessionId: 'ses_b', updatedAt: '2025-01-02T00:00:00.000Z' });
      expect((await store.getSession(key(7)))!.sessionId).toBe('ses_b');
      expect((await store.sessions()).map((s) => [s.issueKey, s.sessionId])).toEqual([
        [key(7), 'ses_b'],
        [key(8), undefined],
      ]);
      await store.deleteSession(key(7));
      await store.deleteSession(key(99)); // unknown: nothing happens
      expect(await store.getSession(key(7))).toBeUndefined();
      expect(await store.sessions()).toHaveLength(1);
    });

    it("keeps a session's export as bytes, returned by getSession and left out of the listing", async () => {
      const store = await ctx.open();
      const bytes = Buffer.from([0, 1, 2, 255, 0, 0x7b, 0x22, 0x5c, 0x75]);
      const session = {
        issueKey: key(7),
        agent: 'opencode',
        sessionId: 'ses_a',
        worktreePath: '/w/7',
        branch: 'kugetsu/issue-7',
        updatedAt: '2025-01-01T00:00:00.000Z',
        export: bytes,
      };
      const { export: _e, ...without } = session;
      await store.putSession(session);
      const stored = (await store.getSession(key(7)))!;
      expect(Buffer.isBuffer(stored.export)).toBe(true);
      expect(stored).toStrictEqual(session);
      expect(await store.sessions()).toStrictEqual([without]);
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      await store.putSession({ ...session, export: big });
      expect((await store.getSession(key(7)))!.export!.equals(big)).toBe(true);
      // Stored as given: without an export, the stored one is gone.
      await store.putSession(without);
      expect(await store.getSession(key(7))).toStrictEqual(without);
    });

    it('remembers repositories (admit does too), listed by name, and keeps cursors', async () => {
      const store = await ctx.open();
      await store.rememberRepo(repo('zeta'));
      await accepted(store, 7);
      await store.rememberRepo({ ...repo('zeta'), defaultBranch: 'trunk' });
      await store.rememberRepo(repo('Beta')); // byte order: upper case sorts first
      expect(await store.knownRepos()).toStrictEqual([repo('Beta'), repo(), { ...repo('zeta'), defaultBranch: 'trunk' }]);
      expect(await store.getCursor('comments:acme/app')).toBeUndefined();
      await store.setCursor('comments:acme/app', '2025-01-01T00:00:00Z');
      await store.setCursor('comments:acme/app', '2025-01-02T00:00:00Z');
      await store.setCursor('comments:acme/other', 'x');
      expect(await store.getCursor('comments:acme/app')).toBe('2025-01-02T00:00:00Z');
      expect(await store.getCursor('comments:acme/other')).toBe('x');
    });
  });
}
