import { describe, expect, it } from 'vitest';
import { DEFAULT_REPORT_SETTINGS } from '../../src/report/report-items.js';
import { renderStatusComment, statusMarker } from '../../src/report/render-status-comment.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { admitJob, clientFor, seedIssues, startWorker, statusCommentsOf, tempStore } from './outbox-fixtures.js';
import { advance } from './report-fixtures.js';

const gitea = useFakeGitea({ seed: (fake) => seedIssues(fake, 2) });
const settings = { ...DEFAULT_REPORT_SETTINGS, stateLabels: false };

// The collapsed form's golden files: test/golden/status-superseded*.md (render-status-comment.test.ts).
describe('superseded status comments are collapsed', () => {
  it('a new status comment collapses the finished ones of the same issue into one line plus <details>, never a running one', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const first = await admitJob(store, 1, '1');
    await advance(store, first, 'succeeded', { settings });
    expect(await worker.drain(2000)).toBe(true);
    const [firstId] = fake.commentsOn('acme/app', 1).map((c) => c.id);
    fake.takeCalls();

    const second = await admitJob(store, 1, '2');
    expect(await worker.drain(2000)).toBe(true);
    fake.expectCalls([
      { method: 'POST', path: '/repos/acme/app/issues/1/comments', status: 201 },
      { method: 'PATCH', path: `/repos/acme/app/issues/comments/${firstId}`, status: 200 },
    ]);
    const stored = await store.get(first.id);
    expect(stored?.supersededBy).toBe(second.id);
    const [collapsed, current] = [statusCommentsOf(fake, first)[0]!, statusCommentsOf(fake, second)[0]!];
    expect(collapsed).toBe(renderStatusComment(stored!));
    expect(collapsed.startsWith(`${statusMarker(first)}\n\n<details><summary>✅ Superseded by job 2 — succeeded in 3m 12s</summary>\n\n✅ **kugetsu** · succeeded in 3m 12s`)).toBe(
      true,
    );
    expect(collapsed.trimEnd().endsWith('</details>')).toBe(true);
    expect(current).toContain('⏳ **kugetsu** · queued');

    // The second job runs; a third is queued behind it: the running comment is left alone.
    await advance(store, second, 'running', { settings });
    await admitJob(store, 1, '3');
    expect(await worker.drain(2000)).toBe(true);
    expect(statusCommentsOf(fake, second)[0]).toContain('🛠️ **kugetsu** · running');
    expect((await store.get(second.id))?.supersededBy).toBeUndefined();
    // The first keeps its first successor.
    expect((await store.get(first.id))?.supersededBy).toBe(second.id);
    expect(fake.takeCalls().filter((c) => c.method === 'PATCH' && c.path.endsWith(`/${firstId}`))).toEqual([]);
  });

  it('status comments on another thread (the PR) are not collapsed by a new one on the issue', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const onPr = await admitJob(store, 1, '1', { extra: { replyTo: 2 } });
    await advance(store, onPr, 'failed', { settings });
    expect(await worker.drain(2000)).toBe(true);
    await admitJob(store, 1, '2');
    expect(await worker.drain(2000)).toBe(true);

    expect((await store.get(onPr.id))?.supersededBy).toBeUndefined();
    expect(statusCommentsOf(fake, onPr)[0]).toContain('❌ **kugetsu** · failed');
    fake.takeCalls();
  });
});
