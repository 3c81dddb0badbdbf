import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import { createService, type Service } from '../../src/service.js';
import { FAKE_AGENT } from '../agents/support.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { createBareOrigin, makeTempDir, removeDir } from '../support/git-fixtures.js';
import { giteaHeaders } from '../support/signed-request.js';
import { memoryLogger } from '../support/test-logger.js';

const SECRET = 'recon-secret';
const gitea = useFakeGitea({ strict: false });
let tmp: string;
let origin: string;
let service: Service | undefined;

beforeEach(() => {
  tmp = makeTempDir('kugetsu-recon-');
  origin = createBareOrigin(tmp);
});
afterEach(async () => {
  await service?.stop(5_000);
  service = undefined;
  removeDir(tmp);
});

async function start() {
  const config = loadConfig(
    {
      GITEA_URL: gitea.fake.baseUrl,
      GITEA_TOKEN: gitea.fake.token,
      KUGETSU_WEBHOOK_SECRET: SECRET,
      KUGETSU_STATE_DIR: path.join(tmp, 'state'),
      KUGETSU_AGENT: 'command',
      KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, 'write:out.txt:{issueKey}']),
      KUGETSU_RECONCILE_INTERVAL_S: '0',
      KUGETSU_REPOS: 'acme/app',
      PATH: process.env.PATH,
    },
    tmp,
  );
  service = createService(config, { logger: memoryLogger().logger, outboxBackoff: { baseMs: 20, maxMs: 200 } });
  await service.start();
  return service;
}

describe('reconciliation acts on what was missed, once', () => {
  it('an issue that got the trigger label while kugetsu was down is picked up at start-up; a missed /kugetsu comment on the next pass; nothing twice', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const missed = fake.addIssue('acme/app', { title: 'Missed while down', body: 'do it', author: 'alice', labels: ['ready'] });
    const other = fake.addIssue('acme/app', { title: 'Not for kugetsu', author: 'alice', labels: ['bug'] });
    fake.addComment('acme/app', other.number, { body: '/kugetsu ancient history before kugetsu knew the repo', author: 'alice' });

    const s = await start();
    await s.reconciler.reconcile(); // the start-up pass runs in the background; a second pass must not duplicate it
    await s.idle();
    const jobs = await s.store.listByIssue(`acme/app#${missed.number}` as never);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ trigger: 'label', state: 'succeeded' });
    expect(fake.issueLabelNames('acme/app', missed.number)).toEqual(['kugetsu/done']);
    expect(await s.store.listByIssue(`acme/app#${other.number}` as never)).toHaveLength(0);

    // A command comment whose delivery never arrived. (The first pass set the cursor to the next
    // whole second — Gitea's resolution — so the comment must come after it.)
    await new Promise((r) => setTimeout(r, 1100));
    const lost = fake.addComment('acme/app', other.number, { body: 'Hm.\n/kugetsu fix the bug', author: 'alice' });
    const plain = fake.addComment('acme/app', other.number, { body: 'just chatting', author: 'bob' });
    expect((await s.reconciler.reconcile()).admitted).toBe(1);
    expect((await s.reconciler.reconcile()).admitted).toBe(0);
    await s.idle();
    const otherJobs = await s.store.listByIssue(`acme/app#${other.number}` as never);
    expect(otherJobs.map((j) => [j.trigger, j.message, j.state])).toEqual([['command', 'fix the bug', 'succeeded']]);
    expect(plain.id).toBeGreaterThan(lost.id);

    // The delivery of that comment arrives late: it is recognised as handled.
    const body = serializePayload(issueCommentPayload({ repo: { owner: 'acme', name: 'app', cloneUrl: origin, htmlUrl: '', defaultBranch: 'main' }, issue: other, comment: { id: lost.id, body: lost.body }, sender: fake.user('alice') }));
    const res = await s.app.request('/webhooks/gitea', { method: 'POST', body, headers: giteaHeaders(body, 'issue_comment', { secret: SECRET }) });
    expect(((await res.json()) as { reason: string }).reason).toContain('already handled');
  });
});
