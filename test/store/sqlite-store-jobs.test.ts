import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/domain/job.js';
import { admitOptions, delivery, key, newJob, openStore, repo } from './store-fixtures.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';

async function accepted(store: SqliteStore, n: number, deliveryId = `d-${n}`): Promise<Job> {
  const outcome = await store.admit(delivery(deliveryId), newJob(n, { deliveryId }), admitOptions());
  if (outcome.kind !== 'accepted') throw new Error(`expected accepted, got ${outcome.kind}`);
  return outcome.job;
}

describe('SqliteStore jobs', () => {
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
