/**
 * Table tests for admission (issue 12): what the dispatcher answers a signed delivery — after it
 * is confirmed with Gitea — and which job rows it leaves, through a real in-process kugetsu (real
 * ingress, dispatcher, SQLite store and outbox) against the fake Gitea. Rows: a new command or
 * label (accepted, job queued), the same delivery again and the same comment under another
 * delivery id (already handled, also after a refusal), a label while a job of the issue is queued
 * or running (ignored), a command while one is queued (a second job), senders lacking the role or
 * on the deny list (refused with a reply, no job), the permission endpoint answering 503 (kept as
 * deferred, no job), the per-issue queue cap (refused), the start rate (admitted; the job waits)
 * and kugetsu's own comment (ignored). Each row: status code, body status, reason fragment, the
 * jobs' states and triggers in arrival order, refusal replies on the issue, deferred deliveries.
 * The service runs without a worker (`role: 'ingress'`, jobs stay as admitted) unless a row needs
 * jobs to start (`role: 'all'`, with the fake agent).
 */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { issueCommentPayload, issueLabelPayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea, FakeIssue } from '../../src/sandbox/fake-gitea.js';
import type { Service } from '../../src/service.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-admission-');

type Answer = Awaited<ReturnType<typeof world.deliver>> & { fine: string };
/** What the steps of a row share: the fake, issue #1 (the one asserted on) and #2, the service, the last answer. */
interface World {
  fake: FakeGitea;
  issue: FakeIssue;
  other: FakeIssue;
  s: Service;
  last?: Answer;
}
type Step = (w: World) => Promise<unknown>;

async function send(w: World, fine: string, payload: unknown, delivery?: string): Promise<Answer> {
  w.last = { ...(await world.deliver(fine, payload, delivery ? { delivery } : {})), fine };
  return w.last;
}

/** `login` writes `text` on issue #1 (or #2) and Gitea delivers it. */
const command =
  (login: string, text = '/kugetsu go', on: 'issue' | 'other' = 'issue') =>
  (w: World) => {
    const issue = on === 'issue' ? w.issue : w.other;
    const c = w.fake.addComment('acme/app', issue.number, { body: text, author: login });
    return send(w, 'issue_comment', issueCommentPayload({ repo: world.repo(w.fake), issue, comment: { id: c.id, body: c.body }, sender: w.fake.user(login) }));
  };
/** `login` adds the trigger label to issue #1 and Gitea delivers the new label set. */
const label = (login: string) => (w: World) => {
  w.fake.labelIssue('acme/app', w.issue.number, 'ready', login);
  const labels = w.fake
    .repo('acme/app')
    .labels.filter((l) => w.fake.issue('acme/app', w.issue.number).labelIds.includes(l.id))
    .map((l) => ({ id: l.id, name: l.name }));
  return send(w, 'issue_label', issueLabelPayload({ repo: world.repo(w.fake), issue: { ...w.issue, labels }, sender: w.fake.user(login) }));
};
/** The last delivery's body again, under its own delivery id or a new one (a replay, another hook's copy). */
const again = (id: 'same id' | 'new id') => (w: World) => send(w, w.last!.fine, w.last!.body, id === 'same id' ? w.last!.json.delivery : undefined);
/** A worker claims the oldest queued job (it is `running` from then on). */
const claim: Step = (w) => w.s.store.claim({ workerId: 'table-worker', slots: 1, leaseMs: 600_000, limits: () => ({}), claimed: () => [], rateLimited: () => [] });
/** Waits until no job is queued or running (a service with a worker). */
const settle: Step = (w) => w.s.idle(20_000);
const permission503: Step = async (w) => w.fake.injectFault({ status: 503, times: Infinity, path: /collaborators\/writer\/permission/ });

interface Row {
  name: string;
  env?: Record<string, string>;
  role?: 'ingress' | 'all';
  before?: Step[];
  act: (w: World) => Promise<Answer>;
  status: 200 | 202;
  result: 'accepted' | 'ignored' | 'deferred';
  reason?: string;
  /** `state trigger` of every job, in arrival order. */
  jobs: string[];
  /** The one refusal reply on issue #1 (none when absent). */
  reply?: string;
  deferred?: number;
  /** The last job's waiting detail. */
  waits?: string;
}

const rows: Row[] = [
  { name: 'new command from a writer', act: command('writer'), status: 202, result: 'accepted', jobs: ['queued command'] },
  { name: 'trigger label added by a writer', act: label('writer'), status: 202, result: 'accepted', jobs: ['queued label'] },
  {
    name: 'same delivery again',
    before: [command('writer')],
    act: again('same id'),
    status: 200,
    result: 'ignored',
    reason: 'was already handled (job ',
    jobs: ['queued command'],
  },
  {
    name: 'same comment under another delivery id',
    before: [command('writer')],
    act: again('new id'),
    status: 200,
    result: 'ignored',
    reason: 'this event was already handled under another delivery (job ',
    jobs: ['queued command'],
  },
  {
    name: 'label while a job of the issue is queued',
    before: [command('writer')],
    act: label('writer'),
    status: 200,
    result: 'ignored',
    reason: 'a delegation is already queued or running for acme/app#1',
    jobs: ['queued command'],
  },
  {
    name: 'label while a job of the issue is running',
    before: [command('writer'), claim],
    act: label('writer'),
    status: 200,
    result: 'ignored',
    reason: 'a delegation is already queued or running for acme/app#1',
    jobs: ['running command'],
  },
  {
    name: 'command while a job of the issue is queued',
    before: [command('writer', '/kugetsu a')],
    act: command('writer', '/kugetsu b'),
    status: 202,
    result: 'accepted',
    jobs: ['queued command', 'queued command'],
  },
  {
    name: 'command from a reader',
    act: command('reader'),
    status: 200,
    result: 'ignored',
    reason: 'refused: @reader has read permission on acme/app; write is required',
    jobs: [],
    reply: '@reader needs write permission on acme/app to ask kugetsu for work (you have read permission)',
  },
  {
    name: 'trigger label added by a reader',
    act: label('reader'),
    status: 200,
    result: 'ignored',
    reason: 'refused: @reader has read permission on acme/app',
    jobs: [],
    reply: '@reader needs write permission on acme/app',
  },
  {
    name: 'refused comment under another delivery id: one reply',
    before: [command('reader')],
    act: again('new id'),
    status: 200,
    result: 'ignored',
    reason: 'this event was already handled under another delivery',
    jobs: [],
    reply: '@reader needs write permission',
  },
  {
    name: 'writer on the deny list',
    env: { KUGETSU_DENY_USERS: 'Writer' },
    act: command('writer'),
    status: 200,
    result: 'ignored',
    reason: 'refused: @writer is on KUGETSU_DENY_USERS',
    jobs: [],
    reply: '@writer is not allowed to ask kugetsu for work on this instance.',
  },
  {
    name: 'writer not on the allow list',
    env: { KUGETSU_ALLOW_USERS: 'admin1' },
    act: command('writer'),
    status: 200,
    result: 'ignored',
    reason: 'refused: @writer is not on KUGETSU_ALLOW_USERS',
    jobs: [],
    reply: 'is not on the list of people who may ask kugetsu for work',
  },
  {
    name: 'permission endpoint answers 503',
    before: [permission503],
    act: command('writer'),
    status: 202,
    result: 'deferred',
    reason: 'the permission of @writer cannot be checked',
    jobs: [],
    deferred: 1,
  },
  {
    name: 'over KUGETSU_MAX_QUEUED_PER_ISSUE',
    env: { KUGETSU_MAX_QUEUED_PER_ISSUE: '1' },
    before: [command('writer', '/kugetsu a')],
    act: command('writer', '/kugetsu b'),
    status: 200,
    result: 'ignored',
    reason: 'refused: acme/app#1 already has 1 queued jobs (KUGETSU_MAX_QUEUED_PER_ISSUE=1)',
    jobs: ['queued command'],
    reply: '@writer this issue already has 1 requests waiting for kugetsu',
  },
  {
    name: 'over the start rate: admitted, the job waits',
    role: 'all',
    env: { KUGETSU_RATE_LIMIT_SENDER: '1/h' },
    before: [command('writer', '/kugetsu a', 'other'), settle],
    act: command('writer'),
    status: 202,
    result: 'accepted',
    jobs: ['succeeded command', 'waiting command'],
    waits: '@writer started 1 jobs in the last 60 min',
  },
  {
    name: "kugetsu's own comment with a command line",
    act: (w) => command(w.fake.bot.login)(w),
    status: 200,
    result: 'ignored',
    reason: "sent by kugetsu's own account",
    jobs: [],
  },
];

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  for (const [login, perm] of [
    ['writer', 'write'],
    ['reader', 'read'],
    ['admin1', 'admin'],
  ] as const)
    fake.setPermission('acme/app', login, perm);
  fake.addLabel('acme/app', 'ready');
  return { issue: fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'writer' }), other: fake.addIssue('acme/app', { title: 'Other', author: 'writer' }) };
}

/** Refusal replies on issue `n` (kugetsu's comments with the reply marker). */
const replies = (fake: FakeGitea, n: number) =>
  fake
    .commentsOn('acme/app', n)
    .filter((c) => c.authorId === fake.bot.id && c.body.startsWith('<!-- kugetsu:reply '))
    .map((c) => c.body);

describe('admission', () => {
  it.each(rows)('$name', async (row) => {
    const fake = gitea.fake;
    const s = await world.start([`write:${path.join(world.tmp, 'agent-ran')}:yes`], row.env, { role: row.role ?? 'ingress' });
    const w: World = { fake, s, ...seed(fake) };
    for (const step of row.before ?? []) await step(w);

    const res = await row.act(w);
    expect(res.status).toBe(row.status);
    expect(res.json.status).toBe(row.result);
    if (row.reason) expect(res.json.reason).toContain(row.reason);

    if (row.role === 'all') await s.idle(20_000);
    await vi.waitFor(async () => expect((await s.store.outboxCounts()).pending).toBe(0), { timeout: 5_000 });
    const jobs = (await s.store.recent(20)).reverse();
    expect(jobs.map((j) => `${j.state} ${j.trigger}`)).toEqual(row.jobs);
    if (row.result === 'accepted') expect(jobs.at(-1)).toMatchObject({ id: res.json.job, issueKey: 'acme/app#1' });
    if (row.waits) expect(jobs.at(-1)!.waiting).toMatchObject({ reason: 'rate-limit', detail: expect.stringContaining(row.waits) });
    expect(replies(fake, w.issue.number)).toEqual(row.reply ? [expect.stringContaining(row.reply)] : []);
    expect(await s.store.deferredCount()).toBe(row.deferred ?? 0);
  });
});
