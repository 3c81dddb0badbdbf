import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { issueCommentPayload, issueLabelPayload, serializePayload, type TemplateRepo } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { createService, type Service } from '../../src/service.js';
import { FAKE_AGENT } from '../agents/support.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { createBareOrigin, makeTempDir, removeDir } from '../support/git-fixtures.js';
import { giteaHeaders } from '../support/signed-request.js';
import { memoryLogger } from '../support/test-logger.js';

const SECRET = 'idem-secret';
const gitea = useFakeGitea({ strict: false });
let tmp: string;
let origin: string;
let service: Service | undefined;

beforeEach(() => {
  tmp = makeTempDir('kugetsu-idem-');
  origin = createBareOrigin(tmp);
});
afterEach(async () => {
  await service?.stop(5_000);
  service = undefined;
  removeDir(tmp);
});

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: origin });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.addLabel('acme/app', 'ready');
  return fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'alice', labels: ['ready'] });
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
      KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, 'write:out.txt:{issueKey}']),
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

async function post(s: Service, fine: string, body: string, options: { delivery?: string; target?: string } = {}) {
  const headers = giteaHeaders(body, fine, { secret: SECRET, ...(options.delivery ? { delivery: options.delivery } : {}) });
  if (options.target) headers['x-gitea-hook-installation-target-type'] = options.target;
  const res = await s.app.request('/webhooks/gitea', { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

describe('exactly once: repeated deliveries and replays start nothing new', () => {
  it('a repeated delivery id, the same body under a new id, and the organisation hook copy are acknowledged and not acted on', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start();
    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu go', author: 'alice' });
    const body = serializePayload(issueCommentPayload({ repo: repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') }));

    const first = await post(s, 'issue_comment', body, { delivery: 'd-1' });
    expect(first.status).toBe(202);
    const again = await post(s, 'issue_comment', body, { delivery: 'd-1' });
    expect(again).toEqual({ status: 200, json: { status: 'ignored', delivery: 'd-1', reason: `ignored: delivery d-1 was already handled (job ${first.json.job})` } });
    const replay = await post(s, 'issue_comment', body, { delivery: 'd-2' });
    expect(replay.json.reason).toBe(`ignored: this event was already handled under another delivery (job ${first.json.job})`);
    const orgCopy = await post(s, 'issue_comment', body, { delivery: 'd-3', target: 'organization' });
    expect(orgCopy.status).toBe(200);
    expect(orgCopy.json.reason).toContain('already handled');

    await s.idle();
    expect(await s.store.listByIssue(`acme/app#${issue.number}` as never)).toHaveLength(1);
    const botComments = fake.commentsOn('acme/app', issue.number).filter((c) => c.authorId === fake.bot.id);
    expect(botComments).toHaveLength(1);
    expect(fake.comments.get(comment.id)?.reactions).toHaveLength(1);
  });

  it('a label delivery replayed after its job finished starts nothing (content key), while a new label change does', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await start();
    const labels = fake.repo('acme/app').labels.map((l) => ({ id: l.id, name: l.name }));
    const payload = issueLabelPayload({ repo: repo(fake), issue: { ...issue, labels }, sender: fake.user('alice') });
    const body = serializePayload(payload);
    expect((await post(s, 'issue_label', body)).status).toBe(202);
    await s.idle();
    const replay = await post(s, 'issue_label', body);
    expect(replay.json.reason).toContain('already handled under another delivery');

    // A person adds the label again later: Gitea sends a new body (its updated_at differs).
    payload.issue.updated_at = new Date(Date.now() + 60_000).toISOString();
    expect((await post(s, 'issue_label', serializePayload(payload))).status).toBe(202);
    await s.idle();
    expect((await s.store.listByIssue(`acme/app#${issue.number}` as never)).map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
  });
});
