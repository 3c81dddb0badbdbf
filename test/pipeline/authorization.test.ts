import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { issueCommentPayload, issueLabelPayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea, FakePermission } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-authz-');
/** The fake agent writes this file when it runs. */
const ranFile = () => path.join(world.tmp, 'agent-ran');

function seed(fake: FakeGitea, options: { botPermission?: FakePermission; private?: boolean } = {}) {
  fake.addRepo({
    owner: 'acme',
    name: 'app',
    cloneUrl: world.origin,
    private: options.private ?? false,
    ...(options.botPermission ? { botPermission: options.botPermission } : {}),
  });
  for (const [login, perm] of [
    ['writer', 'write'],
    ['reader', 'read'],
    ['stranger', 'none'],
    ['admin1', 'admin'],
  ] as const)
    fake.setPermission('acme/app', login, perm);
  fake.addLabel('acme/app', 'ready');
  return fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'writer' });
}

const start = (extra: Record<string, string> = {}) => world.start([`write:${ranFile()}:yes`], extra);

async function command(fake: FakeGitea, issue: { number: number; title: string; body: string }, login: string, text = '/kugetsu go') {
  const comment = fake.addComment('acme/app', issue.number, { body: text, author: login });
  return world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user(login) }));
}

const replies = (fake: FakeGitea, n: number) =>
  fake
    .commentsOn('acme/app', n)
    .filter((c) => c.authorId === fake.bot.id && /^<!-- kugetsu:reply id=[0-9a-f]{16} -->\n/.test(c.body))
    .map((c) => c.body.replace(/^<!-- kugetsu:reply id=[0-9a-f]{16} -->/, '<!-- kugetsu:reply -->'));

describe('only the right people make an agent run', () => {
  it.each([
    ['reader', 'read', false],
    // On a public repository everyone can read; "none" exists on private ones (Gitea's access model).
    ['stranger', 'no', true],
  ])('a command from %s (%s permission) is refused with a reply; no job, no agent', async (login, has, isPrivate) => {
    const fake = gitea.fake;
    const issue = seed(fake, { private: isPrivate });
    const s = await start();
    const res = await command(fake, issue, login);
    expect(res.status).toBe(200);
    expect(res.json.reason).toBe(`ignored: refused: @${login} has ${has === 'no' ? 'none' : has} permission on acme/app; write is required`);
    await s.idle();
    expect(await s.store.recent(10)).toEqual([]);
    expect(replies(fake, issue.number)).toEqual([
      `<!-- kugetsu:reply -->\n@${login} needs write permission on acme/app to ask kugetsu for work (you have ${has} permission). Ask a maintainer to run it for you.\n`,
    ]);
    expect(existsSync(ranFile())).toBe(false);
  });

  it('the label trigger checks the person who added the label (the event sender), not the issue author', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start();
    fake.labelIssue('acme/app', issue.number, 'ready', 'reader');
    const labels = fake.repo('acme/app').labels.map((l) => ({ id: l.id, name: l.name }));
    const res = await world.deliver('issue_label', issueLabelPayload({ repo: world.repo(fake), issue: { ...issue, labels }, sender: fake.user('reader') }));
    expect(res.json.reason).toContain('refused: @reader has read permission');
    await s.idle();
    expect(await s.store.recent(10)).toEqual([]);
  });

  it('a 403 from the permission endpoint refuses, and the reply says the bot needs admin access', async () => {
    const fake = gitea.fake;
    const issue = seed(fake, { botPermission: 'write' });
    const s = await start();
    const res = await command(fake, issue, 'writer');
    expect(res.json.reason).toBe("ignored: refused: kugetsu's account may not read permissions on acme/app (403)");
    await s.idle();
    expect(replies(fake, issue.number)[0]).toContain('its account needs admin access to the repository');
    expect(await s.store.recent(10)).toEqual([]);
  });

  it('deny and allow lists are exact logins, on top of the role', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start({ KUGETSU_DENY_USERS: 'Admin1', KUGETSU_ALLOW_USERS: 'writer,admin1,admin' });
    expect((await command(fake, issue, 'admin1')).json.reason).toBe('ignored: refused: @admin1 is on KUGETSU_DENY_USERS');
    fake.setPermission('acme/app', 'writer2', 'write');
    expect((await command(fake, issue, 'writer2')).json.reason).toBe('ignored: refused: @writer2 is not on KUGETSU_ALLOW_USERS');
    expect((await command(fake, issue, 'writer')).status).toBe(202);
    await s.idle();
    expect((await s.store.recent(10)).map((j) => j.sender.login)).toEqual(['writer']);
  });

  it('refusals can be silent', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start({ KUGETSU_REFUSAL_REPLY: '0' });
    expect((await command(fake, issue, 'reader')).json.reason).toContain('refused');
    await s.idle();
    expect(replies(fake, issue.number)).toEqual([]);
  });

  it('when Gitea cannot answer the permission check, the delivery is kept (202 deferred) and decided once it answers: a reader is refused, a writer runs', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start();
    fake.injectFault({ status: 503, times: Infinity, path: /collaborators\/(reader|writer)\/permission/ });
    const reader = await command(fake, issue, 'reader');
    expect(reader.status).toBe(202);
    expect(reader.json).toMatchObject({ status: 'deferred', reason: expect.stringContaining('permission of @reader cannot be checked') });
    const other = fake.addIssue('acme/app', { title: 'Other', author: 'writer' });
    const writer = await command(fake, other, 'writer');
    expect(writer.json.status).toBe('deferred');
    await new Promise((resolve) => setTimeout(resolve, 300)); // retries happen while Gitea still fails
    expect(await s.store.recent(10)).toEqual([]); // nothing admitted on the payload's word
    expect(await s.store.deferredCount()).toBe(2);
    fake.clearFaults();
    await vi.waitFor(async () => expect(await s.store.deferredCount()).toBe(0), { timeout: 5_000 });
    await s.idle();
    const jobs = await s.store.recent(10);
    expect(jobs.map((j) => [j.sender.login, j.issueKey, j.state])).toEqual([['writer', `acme/app#${other.number}`, 'succeeded']]);
    expect(replies(fake, issue.number)).toEqual([expect.stringContaining('@reader needs write permission on acme/app')]);
  });

  it('a sender over the start rate is not refused: the job waits, its status comment says why and when it starts', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const others = [fake.addIssue('acme/app', { title: 'Two', author: 'writer' }), fake.addIssue('acme/app', { title: 'Three', author: 'writer' })];
    const s = await start({ KUGETSU_RATE_LIMIT_SENDER: '2/h', KUGETSU_MAX_QUEUED_PER_ISSUE: '5' });
    for (const target of [issue, ...others]) expect((await command(fake, target, 'writer', `/kugetsu work on #${target.number}`)).status).toBe(202);
    await s.idle();
    const jobs = (await s.store.recent(10)).reverse();
    expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'waiting']);
    const waiting = jobs[2]!;
    expect(waiting.waiting).toMatchObject({ reason: 'rate-limit', detail: '@writer started 2 jobs in the last 60 min, the most allowed' });
    // It starts when the first of the two starts leaves the hour.
    expect(Date.parse(waiting.waiting!.until)).toBe(Date.parse(jobs[0]!.startedAt!) + 3_600_000);
    const status = fake
      .commentsOn('acme/app', others[1]!.number)
      .filter((c) => c.authorId === fake.bot.id)
      .map((c) => c.body);
    expect(status).toEqual([expect.stringContaining('Waiting for a rate limit: @writer started 2 jobs in the last 60 min, the most allowed. It starts by itself at')]);
    expect(replies(fake, others[1]!.number)).toEqual([]);
  });

  it('at most N queued jobs per issue', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const other = fake.addIssue('acme/app', { title: 'Other', author: 'writer' });
    const s = await world.start(['sleep:1500'], { KUGETSU_MAX_QUEUED_PER_ISSUE: '1', KUGETSU_MAX_AGENTS: '1' });
    // The only agent slot is busy with another issue, so the issue's jobs stay queued.
    expect((await command(fake, other, 'writer', '/kugetsu long')).status).toBe(202);
    expect((await command(fake, issue, 'writer', '/kugetsu a')).status).toBe(202);
    const second = await command(fake, issue, 'writer', '/kugetsu b');
    expect(second.json.reason).toBe('ignored: refused: acme/app#1 already has 1 queued jobs (KUGETSU_MAX_QUEUED_PER_ISSUE=1)');
    await s.idle();
    expect(replies(fake, issue.number)).toEqual([
      '<!-- kugetsu:reply -->\n@writer this issue already has 1 requests waiting for kugetsu; wait until they have run, then ask again.\n',
    ]);
  });
});
