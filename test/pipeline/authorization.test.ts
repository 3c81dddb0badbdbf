import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { issueCommentPayload, issueLabelPayload, serializePayload, type TemplateRepo } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea, FakePermission } from '../../src/sandbox/fake-gitea.js';
import { createService, type Service } from '../../src/service.js';
import { FAKE_AGENT } from '../agents/support.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { createBareOrigin, makeTempDir, removeDir } from '../support/git-fixtures.js';
import { giteaHeaders } from '../support/signed-request.js';
import { memoryLogger } from '../support/test-logger.js';

const SECRET = 'authz-secret';
const gitea = useFakeGitea({ strict: false });
let tmp: string;
let origin: string;
let ranFile: string;
let service: Service | undefined;

beforeEach(() => {
  tmp = makeTempDir('kugetsu-authz-');
  origin = createBareOrigin(tmp);
  ranFile = path.join(tmp, 'agent-ran');
});
afterEach(async () => {
  await service?.stop(5_000);
  service = undefined;
  removeDir(tmp);
});

function seed(fake: FakeGitea, options: { botPermission?: FakePermission; private?: boolean } = {}) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: origin, private: options.private ?? false, ...(options.botPermission ? { botPermission: options.botPermission } : {}) });
  for (const [login, perm] of [['writer', 'write'], ['reader', 'read'], ['stranger', 'none'], ['admin1', 'admin']] as const) fake.setPermission('acme/app', login, perm);
  fake.addLabel('acme/app', 'ready');
  return fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'writer' });
}

const repo = (fake: FakeGitea): TemplateRepo => ({ owner: 'acme', name: 'app', cloneUrl: origin, htmlUrl: `${fake.baseUrl}/acme/app`, defaultBranch: 'main' });

async function start(extra: Record<string, string> = {}) {
  const config = loadConfig(
    {
      GITEA_URL: gitea.fake.baseUrl,
      GITEA_TOKEN: gitea.fake.token,
      KUGETSU_WEBHOOK_SECRET: SECRET,
      KUGETSU_STATE_DIR: path.join(tmp, 'state'),
      KUGETSU_AGENT: 'command',
      KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, `write:${ranFile}:yes`]),
      KUGETSU_RECONCILE_INTERVAL_S: '0',
      PATH: process.env.PATH,
      ...extra,
    },
    tmp,
  );
  service = createService(config, { logger: memoryLogger().logger, outboxBackoff: { baseMs: 20, maxMs: 200 } });
  await service.start();
  return service;
}

async function command(s: Service, fake: FakeGitea, issue: { number: number; title: string; body: string }, login: string, text = '/kugetsu go') {
  const comment = fake.addComment('acme/app', issue.number, { body: text, author: login });
  const body = serializePayload(issueCommentPayload({ repo: repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user(login) }));
  const res = await s.app.request('/webhooks/gitea', { method: 'POST', body, headers: giteaHeaders(body, 'issue_comment', { secret: SECRET }) });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

const replies = (fake: FakeGitea, n: number) =>
  fake.commentsOn('acme/app', n).filter((c) => c.authorId === fake.bot.id && c.body.startsWith('<!-- kugetsu:reply -->')).map((c) => c.body);

describe('only the right people make an agent run', () => {
  it.each([
    ['reader', 'read', false],
    // On a public repository everyone can read; "none" exists on private ones (Gitea's access model).
    ['stranger', 'no', true],
  ])('a command from %s (%s permission) is refused with a reply; no job, no agent', async (login, has, isPrivate) => {
    const fake = gitea.fake;
    const issue = seed(fake, { private: isPrivate });
    const s = await start();
    const res = await command(s, fake, issue, login);
    expect(res.status).toBe(200);
    expect(res.json.reason).toBe(`ignored: refused: @${login} has ${has === 'no' ? 'none' : has} permission on acme/app; write is required`);
    await s.idle();
    expect(await s.store.recent(10)).toEqual([]);
    expect(replies(fake, issue.number)).toEqual([`<!-- kugetsu:reply -->\n@${login} needs write permission on acme/app to ask kugetsu for work (you have ${has} permission). Ask a maintainer to run it for you.\n`]);
    expect(existsSync(ranFile)).toBe(false);
  });

  it('the label trigger checks the person who added the label (the event sender), not the issue author', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start();
    fake.labelIssue('acme/app', issue.number, 'ready', 'reader');
    const labels = fake.repo('acme/app').labels.map((l) => ({ id: l.id, name: l.name }));
    const body = serializePayload(issueLabelPayload({ repo: repo(fake), issue: { ...issue, labels }, sender: fake.user('reader') }));
    const res = await s.app.request('/webhooks/gitea', { method: 'POST', body, headers: giteaHeaders(body, 'issue_label', { secret: SECRET }) });
    expect(((await res.json()) as { reason: string }).reason).toContain('refused: @reader has read permission');
    await s.idle();
    expect(await s.store.recent(10)).toEqual([]);
  });

  it('a 403 from the permission endpoint refuses, and the reply says the bot needs admin access', async () => {
    const fake = gitea.fake;
    const issue = seed(fake, { botPermission: 'write' });
    const s = await start();
    const res = await command(s, fake, issue, 'writer');
    expect(res.json.reason).toBe("ignored: refused: kugetsu's account may not read permissions on acme/app (403)");
    await s.idle();
    expect(replies(fake, issue.number)[0]).toContain('its account needs admin access to the repository');
    expect(await s.store.recent(10)).toEqual([]);
  });

  it('deny and allow lists are exact logins, on top of the role', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start({ KUGETSU_DENY_USERS: 'Admin1', KUGETSU_ALLOW_USERS: 'writer,admin1,admin' });
    expect((await command(s, fake, issue, 'admin1')).json.reason).toBe('ignored: refused: @admin1 is on KUGETSU_DENY_USERS');
    fake.setPermission('acme/app', 'writer2', 'write');
    expect((await command(s, fake, issue, 'writer2')).json.reason).toBe('ignored: refused: @writer2 is not on KUGETSU_ALLOW_USERS');
    expect((await command(s, fake, issue, 'writer')).status).toBe(202);
    await s.idle();
    expect((await s.store.recent(10)).map((j) => j.sender.login)).toEqual(['writer']);
  });

  it('refusals can be silent', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start({ KUGETSU_REFUSAL_REPLY: '0' });
    expect((await command(s, fake, issue, 'reader')).json.reason).toContain('refused');
    await s.idle();
    expect(replies(fake, issue.number)).toEqual([]);
  });

  it('when Gitea cannot answer at admission the job is kept and the permission is checked before the run', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start();
    fake.injectFault({ status: 503, times: 1, path: /collaborators\/reader\/permission/ });
    const res = await command(s, fake, issue, 'reader');
    expect(res.status).toBe(202);
    await s.idle();
    const [job] = await s.store.recent(1);
    expect(job).toMatchObject({ state: 'failed', result: { failedPhase: 'authorize' } });
    expect(job!.result!.error).toContain('@reader needs write permission');
    expect(existsSync(ranFile)).toBe(false);
  });

  it('per-sender rate limit and queued jobs per issue, each with a clear reply', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start({ KUGETSU_RATE_LIMIT_SENDER: '2/h', KUGETSU_MAX_QUEUED_PER_ISSUE: '5' });
    expect((await command(s, fake, issue, 'writer', '/kugetsu one')).status).toBe(202);
    expect((await command(s, fake, issue, 'writer', '/kugetsu two')).status).toBe(202);
    const third = await command(s, fake, issue, 'writer', '/kugetsu three');
    expect(third.json.reason).toBe('ignored: refused: @writer is over KUGETSU_RATE_LIMIT_SENDER (2 per 3600 s)');
    await s.idle();
    expect(replies(fake, issue.number).at(-1)).toMatch(/@writer you have asked kugetsu for 2 jobs recently, the most allowed per 60 min; ask again in \d+ min\./);
  });

  it('at most N queued jobs per issue', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const other = fake.addIssue('acme/app', { title: 'Other', author: 'writer' });
    const s = await start({ KUGETSU_MAX_QUEUED_PER_ISSUE: '1', KUGETSU_MAX_AGENTS: '1', KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, 'sleep:1500']) });
    // The only agent slot is busy with another issue, so the issue's jobs stay queued.
    expect((await command(s, fake, other, 'writer', '/kugetsu long')).status).toBe(202);
    expect((await command(s, fake, issue, 'writer', '/kugetsu a')).status).toBe(202);
    const second = await command(s, fake, issue, 'writer', '/kugetsu b');
    expect(second.json.reason).toBe('ignored: refused: acme/app#1 already has 1 queued jobs (KUGETSU_MAX_QUEUED_PER_ISSUE=1)');
    await s.idle();
    expect(replies(fake, issue.number)).toEqual(['<!-- kugetsu:reply -->\n@writer this issue already has 1 requests waiting for kugetsu; wait until they have run, then ask again.\n']);
  });
});
