import { describe, expect, it } from 'vitest';
import { GiteaError, type GiteaClient } from '../../src/gitea/types.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { admitJob, clientFor, pendingItems, seedIssues, startWorker, statusCommentsOf, tempStore } from './outbox-fixtures.js';

const gitea = useFakeGitea({ seed: (fake) => seedIssues(fake, 2) });

describe('OutboxWorker failures', () => {
  it('records a 4xx as failed, never retries it, and goes on with the other writes', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker, log } = startWorker({ store, gitea: clientFor(fake) });
    const command = fake.addComment('acme/app', 1, { body: '/kugetsu go', author: 'alice' });
    const ready = fake.addLabel('acme/app', 'ready');
    const op = { owner: 'acme', repo: 'app' };
    await store.enqueue([
      { key: 'react:bad', group: 'acme/app#1', op: { kind: 'reaction', ...op, commentId: command.id, content: 'party' } },
      { key: 'label:bad', group: 'acme/app#1', op: { kind: 'remove_label', ...op, number: 1, labelId: 999_999 } },
      { key: 'label:gone', group: 'acme/app#1', op: { kind: 'remove_label', ...op, number: 1, labelId: ready.id } },
      { key: 'react:ok', group: 'acme/app#1', op: { kind: 'reaction', ...op, commentId: command.id, content: 'eyes' } },
      { key: 'status:404', group: 'acme/app#1', op: { kind: 'status_comment', jobId: '404' } },
    ]);
    const job = await admitJob(store, 2);

    expect(await worker.drain(2000)).toBe(true);
    fake.expectCalls(
      [
        { method: 'POST', path: `/repos/acme/app/issues/comments/${command.id}/reactions`, status: 403, body: { content: 'party' } },
        { method: 'DELETE', path: '/repos/acme/app/issues/1/labels/999999', status: 422 },
        { method: 'DELETE', path: `/repos/acme/app/issues/1/labels/${ready.id}`, status: 204 },
        { method: 'POST', path: `/repos/acme/app/issues/comments/${command.id}/reactions`, status: 201, body: { content: 'eyes' } },
        { method: 'POST', path: '/repos/acme/app/issues/2/comments', status: 201 },
      ],
      { ordered: false },
    );
    expect(fake.comments.get(command.id)?.reactions.map((r) => r.content)).toEqual(['eyes']);
    expect(statusCommentsOf(fake, job)).toHaveLength(1);
    expect(await store.outboxCounts()).toEqual({ pending: 0, failed: 3 });

    const failed = log.lines.filter((l) => l.msg === 'outbox: Gitea write failed and will not be retried');
    expect(failed.map((l) => [l.issueKey, l.op, l.attempts])).toEqual([
      ['acme/app#1', 'reaction', 1],
      ['acme/app#1', 'remove_label', 1],
      ['acme/app#1', 'status_comment', 1],
    ]);
    expect(failed.map((l) => l.hint)).toEqual([
      expect.stringContaining("Gitea refused the reaction 'party'"),
      expect.stringContaining('not retried'),
      expect.stringContaining('job was pruned'),
    ]);
  });

  it('retries a 429 and a 503, then succeeds', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker, log } = startWorker({ store, gitea: clientFor(fake) });
    fake.injectFault({ method: 'POST', status: 429, retryAfterSeconds: 1 });
    fake.injectFault({ method: 'GET', status: 503 });
    const job = await admitJob(store, 1);

    expect(await worker.drain(3000)).toBe(true);
    // Before a repeated create, kugetsu asks who it is (GET /user, once) to look only at its own comments.
    fake.expectCalls([
      { method: 'POST', path: '/repos/acme/app/issues/1/comments', status: 429 },
      { method: 'GET', path: '/user', status: 503 },
      { method: 'GET', path: '/user', status: 200 },
      { method: 'GET', path: /^\/repos\/acme\/app\/issues\/1\/comments\?since=/, status: 200 },
      { method: 'POST', path: '/repos/acme/app/issues/1/comments', status: 201 },
    ]);
    expect(statusCommentsOf(fake, job)).toHaveLength(1);
    const retries = log.lines.filter((l) => l.msg === 'outbox: Gitea is failing; the write will be retried');
    // The 429's Retry-After (1 s) replaces the backoff; the 503 has none, so the backoff (10 ms) applies.
    expect(retries.map((l) => [l.attempts, l.retryInMs])).toEqual([
      [1, 1000],
      [2, 10],
    ]);
  });

  it('waits the Retry-After an error exposes instead of the backoff', async () => {
    const store = tempStore();
    const now = Date.now() + 1000;
    const slowDown = Object.assign(new GiteaError('createComment', 429, 'slow down'), { retryAfterMs: 30_000 });
    const stub = {
      currentUser: async () => ({ id: 1, login: 'kugetsu-bot' }),
      listComments: async () => [],
      createComment: async () => {
        throw slowDown;
      },
    } as unknown as GiteaClient;
    await admitJob(store, 1);
    const { worker } = startWorker({ store, gitea: stub, now: () => now });

    expect(await worker.drain(50)).toBe(false);
    const [item] = await pendingItems(store);
    expect(item).toMatchObject({ attempts: 1, nextAttemptAt: now + 30_000, lastError: expect.stringContaining('HTTP 429: slow down') });
  });

  it('survives a store that fails to read the outbox, logs it once, and recovers', async () => {
    const { fake } = gitea;
    const store = tempStore();
    let failures = 3;
    const flaky = new Proxy(store, {
      get(target, prop) {
        if (prop === 'claimOutbox' && failures-- > 0) return async () => Promise.reject(new Error('SQLITE_BUSY: database is locked'));
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { worker, log } = startWorker({ store: flaky, gitea: clientFor(fake) });
    const job = await admitJob(store, 1);

    expect(await worker.drain(2000)).toBe(true);
    fake.expectCalls([{ method: 'POST', path: '/repos/acme/app/issues/1/comments', status: 201 }]);
    expect(statusCommentsOf(fake, job)).toHaveLength(1);
    expect(log.lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual(['outbox: could not read the outbox; retrying with backoff']);
  });
});
