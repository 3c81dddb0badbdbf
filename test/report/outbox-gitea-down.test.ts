import { describe, expect, it, vi } from 'vitest';
import { statusMarker } from '../../src/report/render-status-comment.js';
import type { FakeGiteaCall } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { admitJob, clientFor, markRunning, markSucceeded, pendingItems, seedIssues, startWorker, statusCommentsOf, tempStore } from './outbox-fixtures.js';

const gitea = useFakeGitea({ seed: (fake) => seedIssues(fake, 3) });

/** The successful writes (POST/PATCH answered 2xx) to issue `n` and its comments, in arrival order. */
function writesTo(calls: readonly FakeGiteaCall[], n: number, commentIds: number[]): string[] {
  return calls
    .filter((c) => c.method !== 'GET' && c.status >= 200 && c.status < 300)
    .filter((c) => c.path === `/repos/acme/app/issues/${n}/comments` || commentIds.some((id) => c.path === `/repos/acme/app/issues/comments/${id}`))
    .map((c) => `${c.method} ${String((c.body as { body?: string }).body).split('\n')[0]}`);
}

describe('OutboxWorker while Gitea is down', () => {
  it('drops nothing, backs off, then catches up in order with one comment per job', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker, log } = startWorker({ store, gitea: clientFor(fake) });

    // Job a already has its status comment when Gitea goes away.
    const a = await admitJob(store, 1, 'a');
    expect(await worker.drain(2000)).toBe(true);
    fake.takeCalls();
    fake.goDown();

    await markRunning(store, a);
    const b = await admitJob(store, 2, 'b');
    await store.enqueue([{ key: 'reply:2', group: b.issueKey, op: { kind: 'comment', owner: 'acme', repo: 'app', number: 2, body: 'a plain reply' } }]);
    const c = await admitJob(store, 2, 'c');
    const d = await admitJob(store, 3, 'd');
    worker.wake();

    // Each issue's first write is retried with growing waits; the later writes of issue 2 wait behind it.
    await vi.waitFor(
      async () => {
        const items = await pendingItems(store);
        const attempts = Object.fromEntries(items.map((i) => [i.key, i.attempts]));
        expect(attempts[`status:${a.id}`]).toBeGreaterThanOrEqual(3);
        expect(attempts[`status:${b.id}`]).toBeGreaterThanOrEqual(3);
        expect(attempts[`status:${d.id}`]).toBeGreaterThanOrEqual(3);
        expect(attempts['reply:2']).toBe(0);
        expect(attempts[`status:${c.id}`]).toBe(0);
      },
      { timeout: 3000, interval: 10 },
    );
    expect(await worker.drain(30)).toBe(false); // bounded while down

    // More state changes while down coalesce into the pending items.
    await markSucceeded(store, a);
    await markRunning(store, b);
    await markSucceeded(store, b);
    await markRunning(store, c);

    fake.goUp();
    fake.failNext(2, 503); // a bumpy return
    expect(await worker.drain(5000)).toBe(true);
    const calls = fake.takeCalls();

    expect(statusCommentsOf(fake, a)).toEqual([expect.stringContaining('✅ **kugetsu** · succeeded')]);
    expect(statusCommentsOf(fake, b)).toEqual([expect.stringContaining('✅ **kugetsu** · succeeded')]);
    expect(statusCommentsOf(fake, c)).toEqual([expect.stringContaining('🛠️ **kugetsu** · running')]);
    expect(statusCommentsOf(fake, d)).toEqual([expect.stringContaining('⏳ **kugetsu** · queued')]);
    expect(fake.commentsOn('acme/app', 2)).toHaveLength(3);

    // Issue 1's comment was only ever edited; issue 2's writes arrived in the order they were queued.
    const aId = (await store.get(a.id))!.statusCommentId!;
    expect(writesTo(calls, 1, [aId])).toEqual([`PATCH ${statusMarker(a)}`]);
    expect(writesTo(calls, 2, [])).toEqual([`POST ${statusMarker(b)}`, 'POST a plain reply', `POST ${statusMarker(c)}`]);
    expect(calls.some((call) => call.status === 0)).toBe(true);
    expect(calls.filter((call) => call.status === 503)).toHaveLength(2);

    // One warn line per item that started failing, none at error level, a catch-up line each.
    const warned = log.lines.filter((l) => l.level === 40);
    expect(warned.map((l) => l.issueKey).sort()).toEqual(['acme/app#1', 'acme/app#2', 'acme/app#3']);
    expect(log.lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(log.lines.filter((l) => l.msg === 'outbox: Gitea write went through after retries').length).toBeGreaterThanOrEqual(3);
    expect(await store.outboxCounts()).toEqual({ pending: 0, failed: 0 });
  });
});
