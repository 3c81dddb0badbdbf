import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-sandbox-modes-');

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  fake.setPermission('acme/app', 'alice', 'write');
  return fake.addIssue('acme/app', { title: 'Add a greeting', body: 'Please add hello.txt', author: 'alice' });
}

async function command(fake: FakeGitea, n: number, text: string) {
  const issue = fake.issue('acme/app', n);
  const comment = fake.addComment('acme/app', n, { body: `/kugetsu ${text}`, author: 'alice' });
  const res = await world.deliver(
    'issue_comment',
    issueCommentPayload({
      repo: world.repo(fake),
      issue: { number: n, title: issue.title, body: issue.body },
      comment: { id: comment.id, body: comment.body },
      sender: fake.user('alice'),
    }),
  );
  expect(res.status).toBe(202);
}

const statusOf = (fake: FakeGitea, n: number) =>
  fake
    .commentsOn('acme/app', n)
    .filter((c) => c.authorId === fake.bot.id)
    .at(-1)?.body ?? '';

describe('sandbox settings at the service level', () => {
  it('KUGETSU_AGENT_SANDBOX=off runs agents, and says so at start-up, in /healthz and under every status comment', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['write:hello.txt:hi'], { KUGETSU_AGENT_SANDBOX: 'off' });

    await command(fake, issue.number, 'please');
    await s.idle();

    const warning = world.logs.lines.find((l) => l.level === 40 && /KUGETSU_AGENT_SANDBOX=off/.test(l.msg));
    expect(warning?.msg).toMatch(/agents run without a sandbox, as kugetsu's user — they can read its token/);
    expect(await (await s.app.request('/healthz')).json()).toMatchObject({ sandbox: 'off' });
    const body = statusOf(fake, issue.number);
    expect(body).toContain('✅ **kugetsu** · succeeded');
    expect(body.trimEnd().split('\n').at(-1)).toMatch(/^<sub>⚠️ This kugetsu runs agents \*\*without a sandbox\*\* \(`KUGETSU_AGENT_SANDBOX=off`\)/);
  });

  it('where bubblewrap cannot run, kugetsu logs what to change at start-up and fails each job before any agent runs', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['write:ran.txt:the agent ran'], { KUGETSU_BWRAP: '/nonexistent/bwrap' });

    await command(fake, issue.number, 'please');
    await s.idle();

    const error = world.logs.lines.find((l) => l.level === 50 && /agent sandbox cannot run here/.test(l.msg));
    expect(error?.msg).toContain('kugetsu refuses to start agents');
    expect(error?.fix).toMatch(/apt-get install bubblewrap/);
    const body = statusOf(fake, issue.number);
    expect(body).toContain('❌ **kugetsu** · failed');
    expect(body).toContain('**Failed while: agent.** kugetsu refuses to run agents without their sandbox');
    expect(body).toContain('install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), or set KUGETSU_AGENT_SANDBOX=off');
    expect(existsSync(path.join(world.tmp, 'state', 'worktrees', 'acme', 'app', `issue-${issue.number}`))).toBe(false);
    expect(body).not.toContain('without a sandbox**');
  });
});
