import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import { FAKE_AGENT } from '../agents/support.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { git } from '../support/git-fixtures.js';
import { useServiceWorld, WORLD_SECRET } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-settings-');

beforeEach(() => {
  mkdirSync(path.join(world.tmp, 'webhooks', 'acme'), { recursive: true });
});

/** The default agent (repositories without their own `agent:` use it). */
const DEFAULT_AGENT = ['write:default.txt:default agent'];
/** The host environment a repository's `agent.env` may pass through. */
const HOST_ENV = { REPO_AGENT_NOTE: 'from the host' };

/** What {@link useServiceWorld}'s `start` gives `loadConfig`, for a test that expects it to throw. */
const env = () => ({
  GITEA_URL: gitea.fake.baseUrl,
  GITEA_TOKEN: gitea.fake.token,
  KUGETSU_WEBHOOK_SECRET: WORLD_SECRET,
  KUGETSU_STATE_DIR: path.join(world.tmp, 'state'),
  KUGETSU_AGENT: 'command',
  KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, ...DEFAULT_AGENT]),
  KUGETSU_RECONCILE_INTERVAL_S: '0',
  PATH: process.env.PATH,
  ...HOST_ENV,
});

describe('per-repository settings from webhooks/ reach the whole pipeline', () => {
  it("a repository's command word, agent, agent env, branch template and auto-PR switch are used; other repositories keep the defaults", async () => {
    writeFileSync(
      path.join(world.tmp, 'webhooks', 'acme', 'app.yaml'),
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
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const issue = fake.addIssue('acme/app', { title: 'x', author: 'alice' });
    const service = await world.start(DEFAULT_AGENT, HOST_ENV);
    const say = async (text: string) => {
      const c = fake.addComment('acme/app', issue.number, { body: text, author: 'alice' });
      return (await world.deliver('issue_comment', issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: c.id, body: c.body }, sender: fake.user('alice') }))).json;
    };
    expect((await say('/kugetsu do it')).reason).toBe('ignored: comment has no line starting with /bot');
    expect((await say('/bot do it')).status).toBe('accepted');
    await service.idle();
    const [job] = await service.store.recent(1);
    expect(job).toMatchObject({ state: 'succeeded', branch: 'bot/1-work', agent: 'command' });
    expect(git(world.origin, ['show', 'bot/1-work:repo.txt'])).toBe('repo agent');
    expect(job!.result!.outputTail).toContain('REPO_AGENT_NOTE=from the host');
    expect(job!.pullRequest).toBeUndefined();
    expect([...fake.repo('acme/app').issues.values()].filter((i) => i.pull)).toHaveLength(0);
  });

  it('a broken file stops start-up with file, line and what to fix', () => {
    writeFileSync(path.join(world.tmp, 'webhooks', 'acme', 'app.yaml'), 'repository: acme/app\ntrigger_label: [ready]\n');
    let error: unknown;
    try {
      loadConfig(env(), world.tmp);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/webhooks\/acme\/app\.yaml:2:1: unknown key "trigger_label"; did you mean "trigger_labels"\?/);
  });
});
