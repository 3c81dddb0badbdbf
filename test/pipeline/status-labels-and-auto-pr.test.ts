import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { issueCommentPayload, issueLabelPayload, serializePayload, type TemplateRepo } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { createService, type Service } from '../../src/service.js';
import { FAKE_AGENT } from '../agents/support.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { createBareOrigin, git, makeTempDir, removeDir } from '../support/git-fixtures.js';
import { giteaHeaders } from '../support/signed-request.js';
import { memoryLogger } from '../support/test-logger.js';

const SECRET = 'status-labels-secret';
const gitea = useFakeGitea();

let tmp: string;
let origin: string;
let service: Service | undefined;

beforeEach(() => {
  tmp = makeTempDir('kugetsu-labels-pr-');
  origin = createBareOrigin(tmp);
});
afterEach(async () => {
  await service?.stop(5_000);
  service = undefined;
  removeDir(tmp);
});

async function startService(fake: FakeGitea, argv: string[]): Promise<Service> {
  const config = loadConfig(
    {
      GITEA_URL: fake.baseUrl,
      GITEA_TOKEN: fake.token,
      KUGETSU_WEBHOOK_SECRET: SECRET,
      KUGETSU_STATE_DIR: path.join(tmp, 'state'),
      KUGETSU_AGENT: 'command',
      KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, ...argv]),
      PATH: process.env.PATH,
    },
    tmp,
  );
  service = createService(config, { logger: memoryLogger().logger });
  await service.start();
  return service;
}

async function deliver(s: Service, fine: string, payload: unknown): Promise<number> {
  const body = serializePayload(payload);
  const res = await s.app.request('/webhooks/gitea', { method: 'POST', body, headers: giteaHeaders(body, fine, { secret: SECRET }) });
  return res.status;
}

describe('state labels, auto-PR and commit statuses through the whole service', () => {
  it('a label trigger ends with kugetsu/done and one PR (Closes #1) shown in the status comment; a follow-up turn sets pending → success on the PR head and opens no second PR', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const ready = fake.addLabel('acme/app', 'ready');
    const issue = fake.addIssue('acme/app', { title: 'Add a greeting', body: 'Please add hello.txt', author: 'alice', labels: ['ready'] });
    const alice = fake.user('alice');
    const repo: TemplateRepo = { owner: 'acme', name: 'app', cloneUrl: origin, htmlUrl: `${fake.baseUrl}/acme/app`, defaultBranch: 'main' };
    const s = await startService(fake, ['write:turn{sessionId}.txt:hello', 'session:sess-1']);

    const labels = [{ id: ready.id, name: 'ready' }];
    expect(await deliver(s, 'issue_label', issueLabelPayload({ repo, issue: { number: issue.number, title: issue.title, body: issue.body, labels }, sender: alice }))).toBe(202);
    await s.idle();

    const branch = 'kugetsu/issue-1';
    const head1 = git(origin, ['rev-parse', branch]);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/done']);
    expect(fake.repo('acme/app').labels.map((l) => `${l.name} #${l.color}`)).toEqual([
      'ready #ededed',
      'kugetsu/queued #c5c8ce',
      'kugetsu/running #1f75cb',
      'kugetsu/done #2ea44f',
      'kugetsu/failed #d73a4a',
    ]);
    const pulls = () => [...fake.repo('acme/app').issues.values()].filter((i) => i.pull);
    const [pr, ...others] = pulls();
    expect(others).toEqual([]);
    expect(pr).toMatchObject({ number: 2, title: 'kugetsu: Add a greeting', pull: { headRef: branch, baseRef: 'main' } });
    expect(pr!.body).toContain('Closes #1');
    const prUrl = `${fake.baseUrl}/acme/app/pulls/2`;
    expect((await s.store.get('1'))?.pullRequest).toEqual({ number: 2, url: prUrl });
    const status1 = fake.commentsOn('acme/app', 1).filter((c) => c.authorId === fake.bot.id);
    expect(status1).toHaveLength(1);
    expect(status1[0]!.body).toContain(`| Pull request | [#2](${prUrl}) |`);
    // The PR was opened at the end of the turn, before its final status: success on the pushed head.
    expect(fake.statusesOf('acme/app').map((st) => [st.sha, st.state, st.context])).toEqual([[head1, 'success', 'kugetsu']]);
    const first = fake.takeCalls().map((c) => `${c.method} ${c.path.replace(/\?.*/, '')}`);
    expect(first.filter((c) => c === 'POST /repos/acme/app/pulls')).toHaveLength(1);
    expect(first.filter((c) => c === 'POST /repos/acme/app/labels')).toHaveLength(4);

    // Follow-up command: the turn runs on a branch with an open PR.
    const comment = fake.addComment('acme/app', 1, { body: '/kugetsu also say goodbye', author: 'alice' });
    expect(
      await deliver(
        s,
        'issue_comment',
        issueCommentPayload({ repo, issue: { number: 1, title: issue.title, body: issue.body }, comment: { id: comment.id, body: comment.body }, sender: alice }),
      ),
    ).toBe(202);
    await s.idle();

    const head2 = git(origin, ['rev-parse', branch]);
    expect(head2).not.toBe(head1);
    expect(pulls()).toHaveLength(1);
    expect((await s.store.get('2'))?.pullRequest).toEqual({ number: 2, url: prUrl });
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/done']);
    const job2Comment = (await s.store.get('2'))?.statusCommentId;
    expect(
      fake
        .statusesOf('acme/app')
        .slice(1)
        .map((st) => [st.sha, st.state, st.description, st.targetUrl]),
    ).toEqual([
      [head1, 'pending', 'kugetsu is working (job 2)', `${fake.baseUrl}/acme/app/issues/1#issuecomment-${job2Comment}`],
      [head2, 'success', 'kugetsu finished (job 2)', `${fake.baseUrl}/acme/app/issues/1#issuecomment-${job2Comment}`],
    ]);
    // The first job's comment is collapsed under the second's.
    const bodies = fake
      .commentsOn('acme/app', 1)
      .filter((c) => c.authorId === fake.bot.id)
      .map((c) => c.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toContain('<details><summary>✅ Superseded by job 2 — succeeded in');
    expect(bodies[1]).toContain('✅ **kugetsu** · succeeded');
    const second = fake.takeCalls().map((c) => `${c.method} ${c.path.replace(/\?.*/, '')}`);
    expect(second.filter((c) => c === 'POST /repos/acme/app/pulls')).toEqual([]);
    expect(second.filter((c) => c === 'GET /repos/acme/app/labels')).toEqual([]); // label ids cached
  });
});
