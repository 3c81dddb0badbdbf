import { describe, expect, it, vi } from 'vitest';
import { replyItem } from '../../src/domain/outbox.js';
import { renderStatusComment } from '../../src/report/render-status-comment.js';
import type { Job } from '../../src/domain/job.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { admitJob, clientFor, markRunning, markSucceeded, pendingItems, seedIssues, startWorker, statusCommentsOf, tempStore } from './outbox-fixtures.js';

const gitea = useFakeGitea({ seed: (fake) => seedIssues(fake, 2) });
/** The look-up before a repeated create: only comments updated since shortly before the item or job. */
const COMMENTS_SINCE = /^\/repos\/acme\/app\/issues\/1\/comments\?since=\d{4}-/;
const COMMENTS_1 = '/repos/acme/app/issues/1/comments';

describe('OutboxWorker: status comments', () => {
  it('coalesces queued → running → succeeded written while it slept into one create', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1);
    await markRunning(store, job);
    await markSucceeded(store, job);

    expect(await worker.drain(2000)).toBe(true);
    fake.expectCalls([{ method: 'POST', path: COMMENTS_1, status: 201 }]);
    const bodies = statusCommentsOf(fake, job);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toContain('✅ **kugetsu** · succeeded');
    expect((await store.get(job.id))?.statusCommentId).toBe(fake.commentsOn('acme/app', 1)[0]?.id);
  });

  it('creates once and then edits, one write per published state', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1);
    expect(await worker.drain(2000)).toBe(true);
    await markRunning(store, job);
    expect(await worker.drain(2000)).toBe(true);
    await markSucceeded(store, job);
    expect(await worker.drain(2000)).toBe(true);

    const id = fake.commentsOn('acme/app', 1)[0]?.id;
    fake.expectCalls([
      { method: 'POST', path: COMMENTS_1, status: 201 },
      { method: 'PATCH', path: `/repos/acme/app/issues/comments/${id}`, status: 200 },
      { method: 'PATCH', path: `/repos/acme/app/issues/comments/${id}`, status: 200 },
    ]);
    expect(statusCommentsOf(fake, job)).toEqual([expect.stringContaining('succeeded')]);
  });

  it('adopts the comment when the create reached Gitea but its answer was lost', async () => {
    const { fake } = gitea;
    const store = tempStore();
    fake.injectFault({ loseResponse: true, method: 'POST', path: COMMENTS_1 });
    const client = clientFor(fake);
    const { worker, log } = startWorker({ store, gitea: client });
    const job = await admitJob(store, 1);

    expect(await worker.drain(2000)).toBe(true);
    const [comment] = fake.commentsOn('acme/app', 1);
    fake.expectCalls([
      { method: 'POST', path: COMMENTS_1, status: 201 },
      { method: 'GET', path: '/user', status: 200 },
      { method: 'GET', path: COMMENTS_SINCE, status: 200 },
      { method: 'PATCH', path: `/repos/acme/app/issues/comments/${comment?.id}`, status: 200 },
    ]);
    expect(statusCommentsOf(fake, job)).toHaveLength(1);
    expect((await store.get(job.id))?.statusCommentId).toBe(comment?.id);
    expect(log.lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['outbox: Gitea is failing; the write will be retried']);
  });

  it('a reply whose create reached Gitea but whose answer was lost is not posted twice', async () => {
    const { fake } = gitea;
    const store = tempStore();
    fake.injectFault({ loseResponse: true, method: 'POST', path: COMMENTS_1 });
    const client = clientFor(fake);
    const { worker } = startWorker({ store, gitea: client });
    const item = replyItem(
      { issueKey: 'acme/app#1', repo: { owner: 'acme', name: 'app' }, replyTo: 1, sender: { login: 'alice' } },
      'comment:acme/app:77:created',
      '@alice needs write permission.',
    );
    const body = (item.op as { body: string }).body;
    await store.enqueue([item]);
    worker.wake();
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.commentsOn('acme/app', 1).map((c) => c.body)).toEqual([body]);
    fake.expectCalls([
      { method: 'POST', path: COMMENTS_1, status: 201 },
      { method: 'GET', path: '/user', status: 200 },
      { method: 'GET', path: COMMENTS_SINCE, status: 200 },
    ]);
  });

  it('adopts a comment a process that died right after creating it left behind', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const job = await admitJob(store, 1);
    // The earlier process posted the comment, then died before storing its id.
    const orphan = fake.addComment('acme/app', 1, { body: renderStatusComment(job), author: fake.bot.login });
    const [item] = await pendingItems(store);
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(item!.createdAt));

    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    expect(await worker.drain(2000)).toBe(true);
    fake.expectCalls([
      { method: 'GET', path: '/user', status: 200 },
      { method: 'GET', path: COMMENTS_SINCE, status: 200 },
      { method: 'PATCH', path: `/repos/acme/app/issues/comments/${orphan.id}`, status: 200 },
    ]);
    expect((await store.get(job.id))?.statusCommentId).toBe(orphan.id);
  });

  it("never adopts someone else's comment that carries the job's marker, nor takes it for a reply already posted", async () => {
    const { fake } = gitea;
    const store = tempStore();
    const job = await admitJob(store, 1);
    // Job ids are sequential: anyone who can comment can pre-post the next job's marker, and a
    // reply's marker is derived from the event it answers.
    const planted = fake.addComment('acme/app', 1, { body: renderStatusComment(job), author: 'mallory' });
    const reply = replyItem(
      { issueKey: 'acme/app#1', repo: { owner: 'acme', name: 'app' }, replyTo: 1, sender: { login: 'alice' } },
      'comment:acme/app:78:created',
      '@alice needs write permission.',
    );
    const replyBody = (reply.op as { body: string }).body;
    fake.addComment('acme/app', 1, { body: replyBody, author: 'mallory' });
    await store.enqueue([reply]);
    const items = await pendingItems(store);
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(Math.max(...items.map((i) => i.createdAt))));

    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    expect(await worker.drain(2000)).toBe(true);
    const stored = (await store.get(job.id))?.statusCommentId;
    expect(stored).not.toBe(planted.id);
    expect(fake.comments.get(stored!)?.authorId).toBe(fake.bot.id);
    expect(fake.comments.get(planted.id)?.body).toBe(renderStatusComment(job)); // never edited
    const bodies = fake
      .commentsOn('acme/app', 1)
      .filter((c) => c.authorId === fake.bot.id)
      .map((c) => c.body);
    expect(bodies).toEqual([expect.stringContaining('kugetsu:status job=1'), replyBody]);
    fake.takeCalls();
  });

  it('creates a new comment when someone deleted the status comment', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1);
    expect(await worker.drain(2000)).toBe(true);
    const first = fake.commentsOn('acme/app', 1)[0]!.id;
    fake.comments.delete(first);
    fake.takeCalls();

    await markRunning(store, job);
    expect(await worker.drain(2000)).toBe(true);
    const second = fake.commentsOn('acme/app', 1)[0]!.id;
    fake.expectCalls([
      { method: 'PATCH', path: `/repos/acme/app/issues/comments/${first}`, status: 404 },
      { method: 'POST', path: COMMENTS_1, status: 201 },
    ]);
    expect(second).not.toBe(first);
    expect((await store.get(job.id))?.statusCommentId).toBe(second);
    expect(statusCommentsOf(fake, job)).toEqual([expect.stringContaining('running')]);
  });

  it('writes a change that coalesced into the item while it was being sent', async () => {
    const { fake } = gitea;
    const store = tempStore();
    let job: Job | undefined;
    // While the create is on the wire, the job starts running: its enqueue coalesces into the
    // pending item being sent, which is then marked done.
    const racing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (new Request(input, init).method === 'POST' && job) await markRunning(store, job);
      return response;
    };
    const { worker } = startWorker({ store, gitea: clientFor(fake, racing) });
    job = await admitJob(store, 1);
    expect(await worker.drain(2000)).toBe(true);

    const id = fake.commentsOn('acme/app', 1)[0]?.id;
    fake.expectCalls([
      { method: 'POST', path: COMMENTS_1, status: 201 },
      { method: 'PATCH', path: `/repos/acme/app/issues/comments/${id}`, status: 200 },
    ]);
    expect(statusCommentsOf(fake, job)).toEqual([expect.stringContaining('🛠️ **kugetsu** · running')]);
  });
});
