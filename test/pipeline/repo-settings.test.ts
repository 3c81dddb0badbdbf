import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import { createService, type Service } from '../../src/service.js';
import { FAKE_AGENT } from '../agents/support.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { createBareOrigin, git, makeTempDir, removeDir } from '../support/git-fixtures.js';
import { giteaHeaders } from '../support/signed-request.js';
import { memoryLogger } from '../support/test-logger.js';

const SECRET = 'settings-secret';
const gitea = useFakeGitea({ strict: false });
let tmp: string;
let origin: string;
let service: Service | undefined;

beforeEach(() => {
  tmp = makeTempDir('kugetsu-settings-');
  origin = createBareOrigin(tmp);
  mkdirSync(path.join(tmp, 'webhooks', 'acme'), { recursive: true });
});
afterEach(async () => {
  await service?.stop(5_000);
  service = undefined;
  removeDir(tmp);
});

const env = () => ({
  GITEA_URL: gitea.fake.baseUrl,
  GITEA_TOKEN: gitea.fake.token,
  KUGETSU_WEBHOOK_SECRET: SECRET,
  KUGETSU_STATE_DIR: path.join(tmp, 'state'),
  KUGETSU_AGENT: 'command',
  KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, 'write:default.txt:default agent']),
  KUGETSU_RECONCILE_INTERVAL_S: '0',
  REPO_AGENT_NOTE: 'from the host',
  PATH: process.env.PATH,
});

describe('per-repository settings from webhooks/ reach the whole pipeline', () => {
  it("a repository's command word, agent, agent env, branch template and auto-PR switch are used; other repositories keep the defaults", async () => {
    writeFileSync(
      path.join(tmp, 'webhooks', 'acme', 'app.yaml'),
      [
        'repository: acme/app',
        'command: /bot',
        'branch_template: bot/{number}-work',
        'auto_pr: false',
        'agent:',
        '  kind: command',
        `  argv: [node, ${JSON.stringify(FAKE_AGENT)}, "env:REPO_AGENT_NOTE", "write:repo.txt:repo agent"]`,
        '  env: [REPO_AGENT_NOTE]',
        '',
      ].join('\n'),
    );
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const issue = fake.addIssue('acme/app', { title: 'x', author: 'alice' });
    service = createService(loadConfig(env(), tmp), { logger: memoryLogger().logger });
    await service.start();
    const say = async (text: string) => {
      const c = fake.addComment('acme/app', issue.number, { body: text, author: 'alice' });
      const body = serializePayload(
        issueCommentPayload({ repo: { owner: 'acme', name: 'app', cloneUrl: origin, htmlUrl: '', defaultBranch: 'main' }, issue, comment: { id: c.id, body: c.body }, sender: fake.user('alice') }),
      );
      const res = await service!.app.request('/webhooks/gitea', { method: 'POST', body, headers: giteaHeaders(body, 'issue_comment', { secret: SECRET }) });
      return (await res.json()) as { status: string; reason?: string };
    };
    expect((await say('/kugetsu do it')).reason).toBe('ignored: comment has no line starting with /bot');
    expect((await say('/bot do it')).status).toBe('accepted');
    await service.idle();
    const [job] = await service.store.recent(1);
    expect(job).toMatchObject({ state: 'succeeded', branch: 'bot/1-work', agent: 'command' });
    expect(git(origin, ['show', 'bot/1-work:repo.txt'])).toBe('repo agent');
    expect(job!.result!.outputTail).toContain('REPO_AGENT_NOTE=from the host');
    expect(job!.pullRequest).toBeUndefined();
    expect([...fake.repo('acme/app').issues.values()].filter((i) => i.pull)).toHaveLength(0);
  });

  it('a broken file stops start-up with file, line and what to fix', () => {
    writeFileSync(path.join(tmp, 'webhooks', 'acme', 'app.yaml'), 'repository: acme/app\ntrigger_label: [ready]\n');
    let error: unknown;
    try {
      loadConfig(env(), tmp);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/webhooks\/acme\/app\.yaml:2:1: unknown key "trigger_label"; did you mean "trigger_labels"\?/);
  });
});
