import { createHash } from 'node:crypto';
import type { TransitionKind } from '../domain/job-transitions.js';
import type { NotificationPayload, NotifyEvent, NotifyTarget } from '../domain/job-notification.js';
import type { Job } from '../domain/job.js';
import type { NewOutboxItem } from '../domain/outbox.js';

/**
 * The notification event a transition causes for `job` as it is after the transition, or
 * `undefined` (`start` and `progress` cause none): `admit` → `queued`, `claim` → `started`,
 * `wait` → `waiting`, `interrupt` → `interrupted` (or `failed` after the last attempt),
 * `finish` → the final state, `cancel` → `canceled`.
 */
export function notifyEventOf(kind: TransitionKind, job: Pick<Job, 'state'>): NotifyEvent | undefined {
  switch (kind) {
    case 'admit':
      return 'queued';
    case 'claim':
      return 'started';
    case 'wait':
      return 'waiting';
    case 'interrupt':
      return job.state === 'failed' ? 'failed' : 'interrupted';
    case 'finish':
      return job.state === 'succeeded' || job.state === 'failed' || job.state === 'canceled' ? job.state : undefined;
    case 'cancel':
      return 'canceled';
    case 'start':
    case 'progress':
      return undefined;
  }
}

/** The outbox group of a receiver's notifications: `notify:` and 16 hex digits of the URL's SHA-256 (no URL in logs). */
export function notifyGroup(url: string): string {
  return `notify:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

/** True for the group of a notification (not a Gitea write). */
export function isNotifyGroup(group: string): boolean {
  return group.startsWith('notify:');
}

/**
 * The `notify` outbox items of a transition: one per target that wants the event (a URL named by
 * several targets is decided by the first), each in its receiver's group (`notifyGroup`), so the notifications of one receiver are sent
 * in order (those of a job, and so every job's too) and a slow receiver holds back nothing else.
 * The payload is the job as the transition leaves it. The delivery id is a UUID-shaped hash of the
 * job's Gitea delivery, the job, attempt, event and URL: the same for every retry of the item.
 */
export function notificationItems(kind: TransitionKind, job: Job, targets: readonly NotifyTarget[]): NewOutboxItem[] {
  const event = notifyEventOf(kind, job);
  if (!event || targets.length === 0) return [];
  const seen = new Set<string>();
  const items: NewOutboxItem[] = [];
  for (const target of targets) {
    // The first target naming a URL decides for it (the repository's own before the global ones).
    if (seen.has(target.url)) continue;
    seen.add(target.url);
    if (!target.events.includes(event)) continue;
    const group = notifyGroup(target.url);
    const nth = event === 'waiting' ? `:${job.waiting?.times ?? 1}` : '';
    const key = `${group}:${job.id}:${job.attempt}:${event}${nth}`;
    const delivery = uuidOf(`${job.deliveryId}\n${key}`);
    items.push({ key, group, op: { kind: 'notify', url: target.url, secret: target.secret, payload: notificationPayload(event, delivery, job) } });
  }
  return items;
}

/** The body of a notification about `job` (see {@link NotificationPayload}); text is masked when it is sent. */
export function notificationPayload(event: NotifyEvent, delivery: string, job: Job): NotificationPayload {
  const { owner, name } = job.repo;
  const r = job.result;
  const finished = job.state === 'succeeded' || job.state === 'failed' || job.state === 'canceled';
  return {
    event,
    delivery,
    job: {
      id: job.id,
      state: job.state,
      attempt: job.attempt,
      repository: `${owner}/${name}`,
      ...(job.repo.host ? { host: job.repo.host } : {}),
      issue: job.issueNumber,
      ...(job.issueSnapshot?.title ? { title: job.issueSnapshot.title } : {}),
      ...(job.repo.htmlUrl ? { url: `${job.repo.htmlUrl}/issues/${job.issueNumber}` } : {}),
      trigger: job.trigger,
      sender: job.sender.login,
      branch: job.branch,
      agent: job.agent,
      ...(job.pullRequest ? { pullRequest: { number: job.pullRequest.number, url: job.pullRequest.url } } : {}),
      ...(finished && r
        ? {
            result: {
              exitCode: r.exitCode,
              durationMs: r.durationMs,
              newCommits: r.newCommits,
              pushed: r.pushed,
              timedOut: r.timedOut,
              ...(r.summary ? { summary: r.summary.length > 4000 ? `${r.summary.slice(0, 4000)}…` : r.summary } : {}),
              ...(r.error ? { error: r.error } : {}),
              ...(r.failedPhase ? { failedPhase: r.failedPhase } : {}),
            },
          }
        : {}),
      ...(job.state === 'waiting' && job.waiting ? { waiting: { reason: job.waiting.reason, until: job.waiting.until } } : {}),
      createdAt: job.createdAt,
      ...(job.startedAt ? { startedAt: job.startedAt } : {}),
      ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    },
  };
}

/** A UUID-shaped (8-4-4-4-12 hex) digest of `text`. */
function uuidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
