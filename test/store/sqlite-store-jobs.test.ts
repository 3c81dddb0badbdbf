import { describe, expect, it } from 'vitest';
import type { Job, JobResult } from '../../src/store/job.js';
import { admitOptions, delivery, key, newJob, openStore, repo, steppingClock } from './store-fixtures.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';

async function accepted(store: SqliteStore, n: number, deliveryId = `d-${n}`): Promise<Job> {
  const outcome = await store.admit(delivery(deliveryId), newJob(n, { deliveryId }), admitOptions());
  if (outcome.kind !== 'accepted') throw new Error(`expected accepted, got ${outcome.kind}`);
  return outcome.job;
}

const result: JobResult = {
  exitCode: 1,
  timedOut: false,
  canceled: false,
  durationMs: 1234,
  sessionId: 'ses_1',
  outputTail: 'line 1\nline 2 "quoted" ✓',
  summary: 'did things',
  newCommits: 2,
  pushed: true,
  headSha: 'abc123',
  failedPhase: 'push',
  error: 'push rejected',
};

describe('SqliteStore jobs', () => {
  it('admits a job with every field and the store-owned ones set', async () => {
    const store = openStore({ now: steppingClock() });
    const job = await accepted(store, 7);
    expect(job).toStrictEqual({ ...newJob(7), id: '1', state: 'queued', attempt: 1, createdAt: '2025-01-01T00:00:00.000Z' });
    expect(await store.get('1')).toStrictEqual(job);
  });

  it('round-trips every optional field and the JSON fields through update and get', async () => {
    const store = openStore({ now: steppingClock() });
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
    };
    const updated = await store.update(job.id, patch);
    const expected: Job = { ...job, ...patch };
    expect(updated).toStrictEqual(expected);
    expect(await store.get(job.id)).toStrictEqual(expected);
  });

  it('clears an optional field patched with undefined and ignores undefined for required ones', async () => {
    const store = openStore();
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
    const store = openStore();
    const { commentId: _c, triggerLabelId: _t, ...bare } = newJob(8);
    const outcome = await store.admit(delivery('d-8'), bare, admitOptions());
    expect(outcome.kind).toBe('accepted');
    const job = await store.get('1');
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
    const store = openStore();
    const job = await accepted(store, 7);
    job.repo.name = 'mutated';
    job.sender.login = 'mallory';
    job.state = 'failed';
    const fetched = (await store.get(job.id))!;
    expect(fetched.repo).toEqual(repo());
    expect(fetched.sender.login).toBe('alice');
    fetched.repo.fullName = 'x/y';
    expect((await store.get(job.id))!.repo.fullName).toBe('acme/app');
  });

  it('appends a history row on insert and on every state change, not on other changes', async () => {
    const store = openStore({ now: steppingClock() });
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
  });

  it('rejects an update of an unknown job id, naming it', async () => {
    const store = openStore();
    await expect(store.update('41', { state: 'running' })).rejects.toThrow('job 41 does not exist');
    await expect(store.update('not-a-number', { state: 'running' })).rejects.toThrow('job not-a-number does not exist');
    expect(await store.get('41')).toBeUndefined();
  });

  it('lists by issue in arrival order, unfinished oldest first, recent newest first, counts zero-filled', async () => {
    const store = openStore();
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
    expect(await store.counts()).toStrictEqual({ queued: 2, waiting: 0, running: 1, succeeded: 1, failed: 0, canceled: 0 });
    await store.update(c.id, { state: 'canceled', finishedAt: '2025-01-02T00:00:00.000Z' });
    expect(await store.isIssueActive(key(1))).toBe(false);
  });

  it('keeps sessions: put, replace, list, delete', async () => {
    const store = openStore();
    const session = { issueKey: key(7), agent: 'opencode', sessionId: 'ses_a', worktreePath: '/w/7', branch: 'kugetsu/issue-7', updatedAt: '2025-01-01T00:00:00.000Z' };
    expect(await store.getSession(key(7))).toBeUndefined();
    await store.putSession(session);
    await store.putSession({ ...session, issueKey: key(8), sessionId: undefined, worktreePath: '/w/8' });
    expect(await store.getSession(key(7))).toStrictEqual(session);
    await store.putSession({ ...session, sessionId: 'ses_b', updatedAt: '2025-01-02T00:00:00.000Z' });
    expect((await store.getSession(key(7)))!.sessionId).toBe('ses_b');
    expect((await store.sessions()).map((s) => [s.issueKey, s.sessionId])).toEqual([
      [key(7), 'ses_b'],
      [key(8), undefined],
    ]);
    await store.deleteSession(key(7));
    expect(await store.getSession(key(7))).toBeUndefined();
    expect(await store.sessions()).toHaveLength(1);
  });

  it("keeps a session's export as bytes: given back whole, replaced or cleared by the next put, left out of the list", async () => {
    const store = openStore();
    // Bytes that are not text: a NUL, a lone UTF-8 continuation byte, 0xff.
    const blob = Buffer.concat([Buffer.from('{"info":{"id":"ses_a"}}'), Buffer.from([0x00, 0x80, 0xff])]);
    const session = { issueKey: key(7), agent: 'opencode', sessionId: 'ses_a', worktreePath: '/w/7', branch: 'kugetsu/issue-7', updatedAt: '2025-01-01T00:00:00.000Z' };
    await store.putSession({ ...session, export: blob });
    const stored = await store.getSession(key(7));
    expect(Buffer.isBuffer(stored!.export)).toBe(true);
    expect(stored!.export!.equals(blob)).toBe(true);
    expect((await store.sessions())[0]).not.toHaveProperty('export');
    const next = Buffer.from('second turn');
    await store.putSession({ ...session, export: next });
    expect((await store.getSession(key(7)))!.export!.equals(next)).toBe(true);
    await store.putSession(session);
    expect(await store.getSession(key(7))).toStrictEqual(session);
  });

  it('remembers repositories (admit does too) and keeps cursors', async () => {
    const store = openStore();
    await accepted(store, 7);
    await store.rememberRepo(repo('zeta'));
    await store.rememberRepo({ ...repo('zeta'), defaultBranch: 'trunk' });
    expect(await store.knownRepos()).toStrictEqual([repo(), { ...repo('zeta'), defaultBranch: 'trunk' }]);
    expect(await store.getCursor('comments:acme/app')).toBeUndefined();
    await store.setCursor('comments:acme/app', '2025-01-01T00:00:00Z');
    await store.setCursor('comments:acme/app', '2025-01-02T00:00:00Z');
    expect(await store.getCursor('comments:acme/app')).toBe('2025-01-02T00:00:00Z');
  });

  it('knows an admitted event by delivery id or by event key', async () => {
    const store = openStore();
    await store.admit(delivery('d-1', 'comment:acme/app:5:created'), newJob(1), admitOptions());
    expect(await store.hasEvent('d-1')).toBe(true);
    expect(await store.hasEvent('comment:acme/app:5:created')).toBe(true);
    expect(await store.hasEvent('comment:acme/app:6:created')).toBe(false);
  });
});
