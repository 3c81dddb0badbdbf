import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/log/redact.js';
import { notificationItems } from '../../src/report/notification-items.js';
import { NotificationError, sendNotification, type NotifyOp } from '../../src/report/send-notification.js';
import type { Job } from '../../src/domain/job.js';
import { startNotifyReceiver, type NotifyReceiver } from '../support/notify-receiver.js';

const receivers: NotifyReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const JOB: Job = {
  id: '7',
  issueKey: 'acme/app#3' as Job['issueKey'],
  deliveryId: 'd-1',
  state: 'failed',
  attempt: 1,
  repo: { owner: 'acme', name: 'app', fullName: 'acme/app', cloneUrl: 'http://g/acme/app.git', defaultBranch: 'main', htmlUrl: 'http://g/acme/app' },
  issueNumber: 3,
  replyTo: 3,
  trigger: 'label',
  message: '',
  sender: { id: 2, login: 'alice' },
  branch: 'kugetsu/issue-3',
  agent: 'opencode',
  createdAt: '2026-11-25T10:00:00.000Z',
  startedAt: '2026-11-25T10:00:01.000Z',
  finishedAt: '2026-11-25T10:02:00.000Z',
  issueSnapshot: { title: 'Fix it', body: 'b' },
  result: {
    exitCode: 1,
    timedOut: false,
    canceled: false,
    durationMs: 119_000,
    outputTail: 'tail',
    newCommits: 0,
    pushed: false,
    failedPhase: 'agent',
    error: 'the agent printed tok-SECRET-1234 and failed',
  },
};

function opFor(url: string, job: Job = JOB): NotifyOp {
  const [item] = notificationItems('finish', job, [{ url, events: ['failed', 'succeeded'], secret: 'global' }]);
  return item!.op as NotifyOp;
}

async function receiver(key?: string) {
  const r = await startNotifyReceiver(key);
  receivers.push(r);
  return r;
}

const deps = (secret?: string) => ({
  redact: createRedactor(['tok-SECRET-1234']),
  secretFor: () => secret,
  getJob: async () => undefined,
  now: () => Date.parse('2026-11-25T10:00:00Z'),
});

describe('sendNotification', () => {
  it('POSTs the redacted payload signed like Gitea signs deliveries, with the stable delivery id', async () => {
    const r = await receiver('k-1');
    const op = opFor(`${r.url}/in`);
    await sendNotification(op, deps('k-1'));
    await sendNotification(op, deps('k-1'));
    const [a, b] = r.received;
    expect(a!.verified).toBe(true);
    expect(a!.headers['x-kugetsu-signature']).toBe(createHmac('sha256', 'k-1').update(a!.raw).digest('hex'));
    expect(a!.headers['x-kugetsu-delivery']).toBe(b!.headers['x-kugetsu-delivery']);
    expect(a!.headers['x-kugetsu-event']).toBe('failed');
    expect(a!.raw).not.toContain('tok-SECRET-1234');
    expect(a!.json!.job).toMatchObject({
      id: '7',
      state: 'failed',
      repository: 'acme/app',
      issue: 3,
      url: 'http://g/acme/app/issues/3',
      title: 'Fix it',
      result: { exitCode: 1, error: 'the agent printed *** and failed', failedPhase: 'agent' },
    });
  });

  it('is unsigned without a key', async () => {
    const r = await receiver();
    await sendNotification(opFor(r.url), deps());
    expect(r.received[0]!.headers['x-kugetsu-signature']).toBeUndefined();
    expect(r.received[0]!.headers['x-hub-signature-256']).toBeUndefined();
  });

  it.each([
    [503, {}, true, undefined],
    [500, {}, true, undefined],
    [408, {}, true, undefined],
    [429, { 'retry-after': '7' }, true, 7000],
    [404, {}, false, undefined],
    [401, {}, false, undefined],
    [302, { location: 'http://127.0.0.1:1/elsewhere' }, false, undefined],
  ])('an answer %i (headers %j) → NotificationError, retryable or not, Retry-After honoured', async (status, headers, retryable, retryAfterMs) => {
    const r = await receiver();
    r.answer = () => ({ status, headers });
    const error = await sendNotification(opFor(r.url), deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationError);
    expect(error).toMatchObject({ status, retryable, retryAfterMs, message: `notification receiver answered HTTP ${status}` });
    // A redirect is not followed.
    expect(r.received).toHaveLength(1);
  });

  it('no receiver listening → a retryable network error (status 0) that names no URL', async () => {
    const r = await receiver();
    const url = `${r.url}/gone?token=hidden-token`;
    await r.close();
    receivers.splice(0);
    const error = await sendNotification(opFor(url), deps()).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, retryable: true });
    expect((error as Error).message).not.toContain('hidden-token');
  });

  it("only the events a target wants, one item per URL, in the receiver's group", () => {
    const targets = [
      { url: 'https://a.example/', events: ['succeeded'] as const, secret: 'global' as const },
      { url: 'https://b.example/', events: ['queued', 'failed'] as const, secret: 'repository' as const },
      { url: 'https://a.example/', events: ['failed'] as const, secret: 'global' as const },
    ];
    const items = notificationItems('finish', JOB, targets);
    expect(items.map((i) => (i.op as NotifyOp).url)).toEqual(['https://b.example/']);
    expect(notificationItems('progress', JOB, targets)).toEqual([]);
    expect(notificationItems('start', JOB, targets)).toEqual([]);
    const queued = notificationItems('admit', { ...JOB, state: 'queued' }, targets);
    expect(queued).toHaveLength(1);
    expect(queued[0]!.group).not.toBe(JOB.issueKey);
    expect(queued[0]!.group).toBe(items[0]!.group);
    expect(queued[0]!.key).not.toBe(items[0]!.key);
  });
});
