import { afterEach, describe, expect, it } from 'vitest';
import { giteaRoute } from '../../src/gitea/gitea-routes.js';
import { notificationItems } from '../../src/report/notification-items.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { startNotifyReceiver, type NotifyReceiver } from '../support/notify-receiver.js';
import { admitJob, clientFor, seedIssues, startWorker, tempStore } from './outbox-fixtures.js';

const gitea = useFakeGitea({ seed: (fake) => seedIssues(fake, 2), strict: false });

const receivers: NotifyReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('notifications in the outbox', () => {
  it('a receiver holding its answer holds back neither the Gitea writes nor another receiver; its own next notification waits behind it', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const slow = await startNotifyReceiver();
    const quick = await startNotifyReceiver();
    receivers.push(slow, quick);
    let release: () => void = () => undefined;
    slow.hold = new Promise<void>((resolve) => (release = resolve));
    try {
      const job = await admitJob(store, 1);
      const running = { ...job, state: 'running' as const, startedAt: new Date().toISOString() };
      const toSlow = [{ url: `${slow.url}/slow`, events: ['queued', 'started'] as const, secret: 'global' as const }];
      await store.enqueue([
        ...notificationItems('admit', job, toSlow),
        ...notificationItems('claim', running, toSlow),
        ...notificationItems('admit', job, [{ url: `${quick.url}/quick`, events: ['queued'], secret: 'global' }]),
      ]);
      const { worker } = startWorker({ store, gitea: clientFor(fake) });
      // The job's status comment (a Gitea write) and the quick receiver's notification get through
      // while the slow receiver holds its first answer.
      await until('the Gitea write and the quick receiver', () => fake.commentsOn('acme/app', 1).length === 1 && quick.received.some((r) => r.status === 200));
      expect(slow.received.map((r) => [r.json?.event, r.status])).toEqual([['queued', 0]]);
      release();
      expect(await worker.drain(20_000)).toBe(true);
      expect(slow.received.map((r) => [r.json?.event, r.status])).toEqual([
        ['queued', 200],
        ['started', 200],
      ]);
    } finally {
      release();
    }
  });
});

describe('giteaRoute: a request to Gitea named by its swagger route template', () => {
  const root = 'https://gitea.example/sub/api/v1';
  it.each([
    ['GET', 'https://gitea.example/sub/api/v1/repos/acme/app/issues/12', 'GET /repos/{owner}/{repo}/issues/{index}'],
    ['GET', 'https://gitea.example/sub/api/v1/repos/acme/app/issues/comments?since=x', 'GET /repos/{owner}/{repo}/issues/comments'],
    ['PATCH', 'https://gitea.example/sub/api/v1/repos/a%2Fb/c/issues/comments/9', 'PATCH /repos/{owner}/{repo}/issues/comments/{id}'],
    ['delete', 'https://gitea.example/sub/api/v1/repos/acme/app/issues/3/labels/44', 'DELETE /repos/{owner}/{repo}/issues/{index}/labels/{id}'],
    ['POST', 'https://gitea.example/sub/api/v1/repos/acme/app/statuses/abc123', 'POST /repos/{owner}/{repo}/statuses/{sha}'],
    ['GET', 'https://gitea.example/sub/api/v1/user', 'GET /user'],
    ['GET', 'https://gitea.example/sub/api/v1/repos/acme/app/issues/x', 'other'],
    ['PUT', 'https://gitea.example/sub/api/v1/repos/acme/app', 'other'],
    ['GET', 'https://gitea.example/api/v1/user', 'other'],
    ['GET', 'not a url', 'other'],
  ])('%s %s → %s', (method, url, route) => {
    expect(giteaRoute(method, url, root)).toBe(route);
  });
});
