import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { startNotifyReceiver, type NotifyReceiver, type ReceivedNotification } from '../support/notify-receiver.js';
import { parsePromText } from '../support/prometheus-text.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-notify-');

const receivers: NotifyReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
async function receiver(key?: string): Promise<NotifyReceiver> {
  const r = await startNotifyReceiver(key);
  receivers.push(r);
  return r;
}

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  fake.setPermission('acme/app', 'alice', 'write');
  return fake.addIssue('acme/app', { title: 'Add the thing', body: 'please', author: 'alice' });
}

/** alice asks for work on `issue` with a command; the delivery is accepted. */
async function ask(fake: FakeGitea, issue: { number: number }): Promise<string> {
  const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu go', author: 'alice' });
  const body = serializePayload(
    issueCommentPayload({ repo: world.repo(fake), issue: fake.issue('acme/app', issue.number), comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') }),
  );
  const answer = await world.deliver('issue_comment', body);
  expect(answer.status).toBe(202);
  return answer.json.job!;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const taken = (r: NotifyReceiver) => r.received.filter((x) => x.status >= 200 && x.status < 300);
const events = (list: readonly ReceivedNotification[]) => list.map((x) => x.json?.event);

describe('job notifications', { timeout: 120_000 }, () => {
  it('are signed, verified by the receiver, and each delivered once across a 503 outage of the receiver and a kugetsu restart', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const hook = await receiver('notify-key-123');
    let down = true;
    hook.answer = () => (down ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 });
    const env = { KUGETSU_NOTIFY_URLS: `${hook.url}/hook?token=s3cr3t-path-token`, KUGETSU_NOTIFY_SECRET: 'notify-key-123' };
    const first = await world.start(['write:out.txt:{issueKey}'], env);
    const jobId = await ask(fake, issue);
    await until('the job to succeed and the receiver to be tried', async () => (await first.store.get(jobId))?.state === 'succeeded' && hook.received.length >= 2);
    await first.stop(1_000);
    const duringOutage = hook.received.length;
    expect(taken(hook)).toEqual([]);

    // kugetsu starts again on the same state; the receiver is back.
    const second = await world.start(['write:out.txt:{issueKey}'], env);
    down = false;
    await second.idle();
    expect(hook.received.length).toBeGreaterThan(duringOutage);

    const ok = taken(hook);
    expect(events(ok)).toEqual(['queued', 'started', 'succeeded']);
    const deliveries = ok.map((x) => x.json!.delivery);
    expect(new Set(deliveries).size).toBe(3);
    for (const x of hook.received) {
      expect(x.path).toBe('/hook?token=s3cr3t-path-token');
      expect(x.verified).toBe(true);
      expect(x.headers['x-hub-signature-256']).toBe(`sha256=${x.headers['x-kugetsu-signature']}`);
      expect(x.headers['x-kugetsu-event']).toBe(x.json!.event);
      expect(x.headers['x-kugetsu-delivery']).toBe(x.json!.delivery);
      expect(x.headers['content-type']).toBe('application/json');
      expect(x.headers.authorization).toBeUndefined();
      expect(x.raw).not.toContain(fake.token);
    }
    // A retried notification keeps its delivery id: every refused attempt was one of the three.
    for (const x of hook.received.filter((r) => r.status === 503)) expect(deliveries).toContain(x.json!.delivery);

    const job = (await second.store.get(jobId))!;
    const last = ok[2]!.json!;
    expect(last.job).toMatchObject({
      id: jobId,
      state: 'succeeded',
      attempt: 1,
      repository: 'acme/app',
      issue: issue.number,
      title: 'Add the thing',
      url: `${fake.baseUrl}/acme/app/issues/${issue.number}`,
      trigger: 'command',
      sender: 'alice',
      branch: job.branch,
      agent: 'command',
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      result: { exitCode: 0, durationMs: job.result!.durationMs, newCommits: job.result!.newCommits, pushed: job.result!.pushed, timedOut: false },
    });
    expect(ok[0]!.json!.job).toMatchObject({ state: 'queued' });
    expect(ok[0]!.json!.job.result).toBeUndefined();
    expect(ok[1]!.json!.job).toMatchObject({ state: 'running' });

    // The outage was logged without the receiver's URL (its token).
    const lines = world.logs.lines;
    expect(lines.some((l) => l.msg === 'outbox: the notification receiver is failing; the notification will be retried' && l.status === 503)).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-path-token');
  });

  it('a receiver answering 4xx fails its notifications (logged with the status, not retried) and holds back neither another receiver nor the Gitea writes', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const gone = await receiver();
    gone.answer = () => ({ status: 410 });
    const fine = await receiver();
    const s = await world.start(['write:out.txt:{issueKey}'], {
      KUGETSU_NOTIFY_URLS: `${gone.url}/a, ${fine.url}/b`,
      KUGETSU_NOTIFY_EVENTS: 'queued,started,succeeded,failed,canceled,waiting,interrupted',
    });
    await ask(fake, issue);
    await s.idle();
    expect(events(gone.received)).toEqual(['queued', 'started', 'succeeded']);
    expect(events(taken(fine))).toEqual(['queued', 'started', 'succeeded']);
    // Unsigned without a key.
    expect(fine.received.every((x) => x.headers['x-kugetsu-signature'] === undefined)).toBe(true);
    const failed = world.logs.lines.filter((l) => l.msg === 'outbox: notification failed and will not be retried');
    expect(failed.map((l) => l.status)).toEqual([410, 410, 410]);
    // The status comment was written as usual.
    expect(fake.commentsOn('acme/app', issue.number).filter((c) => c.authorId === fake.bot.id)).toHaveLength(1);
    const metrics = parsePromText(await (await s.app.request('/metrics')).text());
    expect(metrics.value('kugetsu_outbox_failures_total', { operation: 'notify' })).toBe(3);
    expect(metrics.value('kugetsu_outbox_sent_total', { operation: 'notify' })).toBe(3);
    expect(metrics.value('kugetsu_outbox_failed', { operation: 'notify' })).toBe(3);
  });

  it("a repository's own receivers (notify: in webhooks/) get its chosen events, signed with its own key", async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const global = await receiver('global-key');
    const own = await receiver('acme-key');
    fs.mkdirSync(path.join(world.tmp, 'webhooks', 'acme'), { recursive: true });
    fs.writeFileSync(
      path.join(world.tmp, 'webhooks', 'acme', 'app.yaml'),
      `repository: acme/app\nnotify:\n  urls: [${own.url}/acme]\n  events: [succeeded, failed]\n  secret_env: ACME_NOTIFY_KEY\n`,
    );
    const s = await world.start(['write:out.txt:{issueKey}'], { KUGETSU_NOTIFY_URLS: global.url, KUGETSU_NOTIFY_SECRET: 'global-key', ACME_NOTIFY_KEY: 'acme-key' });
    await ask(fake, issue);
    await s.idle();
    expect(events(global.received)).toEqual(['queued', 'started', 'succeeded']);
    expect(global.received.every((x) => x.verified)).toBe(true);
    expect(events(own.received)).toEqual(['succeeded']);
    expect(own.received[0]!.verified).toBe(true);
  });
});
