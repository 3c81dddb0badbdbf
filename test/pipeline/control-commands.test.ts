import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueCommentPayload, issueLabelPayload } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-control-');

function seed(fake: FakeGitea) {
  fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
  fake.setPermission('acme/app', 'alice', 'write');
  fake.addLabel('acme/app', 'ready');
  return fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'alice' });
}

async function say(fake: FakeGitea, issue: { number: number; title: string; body: string }, text: string, delivery?: string) {
  const comment = fake.addComment('acme/app', issue.number, { body: text, author: 'alice' });
  return world.deliver(
    'issue_comment',
    issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') }),
    delivery ? { delivery } : {},
  );
}

const replies = (fake: FakeGitea, n: number) =>
  fake
    .commentsOn('acme/app', n)
    .filter((c) => c.authorId === fake.bot.id && /^<!-- kugetsu:reply id=[0-9a-f]{16} -->\n/.test(c.body))
    .map((c) => c.body.split('\n').slice(1).join('\n'));

const until = async (check: () => Promise<boolean> | boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('/kugetsu subcommands', () => {
  it('help lists the commands and the repository settings; a replay does not answer twice', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['exit:0']);
    const first = await say(fake, issue, '/kugetsu help', 'help-1');
    expect(first.json.reason).toBe('ignored: help answered');
    const replay = await world.deliver('issue_comment', first.body);
    expect(replay.json.reason).toBe('ignored: this event was already handled');
    await s.idle();
    const [help] = replies(fake, issue.number);
    expect(replies(fake, issue.number)).toHaveLength(1);
    for (const c of ['/kugetsu <message>', '/kugetsu status', '/kugetsu stop', '/kugetsu retry', '/kugetsu reset', '/kugetsu help']) expect(help).toContain(`\`${c}\``);
    expect(help).toContain('**write** permission or more on acme/app');
    expect(help).toContain("Instructions for the agent: kugetsu's default dev-agent workflow");
    expect(await s.store.recent(5)).toEqual([]);
  });

  it('a near miss gets "did you mean"; a sentence starting with a subcommand word is a message', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['exit:0']);
    expect((await say(fake, issue, '/kugetsu stauts')).json.reason).toBe('ignored: suggest answered');
    expect((await say(fake, issue, '/kugetsu stop the build from failing')).status).toBe(202);
    await s.idle();
    expect(replies(fake, issue.number)[0]).toContain('`/kugetsu stauts` is not a command. Did you mean `/kugetsu status`?');
    expect((await s.store.recent(5)).map((j) => j.message)).toEqual(['stop the build from failing']);
  });

  it('stop kills the running agent (worktree kept) and status shows the jobs', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['write:started.txt:x', 'sleep:20000']);
    expect((await say(fake, issue, '/kugetsu work long')).status).toBe(202);
    await until(async () => (await s.store.get('1'))?.state === 'running' && existsSync(path.join(world.tmp, 'state', 'worktrees', 'acme', 'app', 'issue-1', 'started.txt')));
    const t0 = Date.now();
    expect((await say(fake, issue, '/kugetsu stop')).json.reason).toBe('ignored: stop answered');
    await until(async () => (await s.store.get('1'))?.state === 'canceled');
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(existsSync(path.join(world.tmp, 'state', 'worktrees', 'acme', 'app', 'issue-1'))).toBe(true);
    await say(fake, issue, '/kugetsu status');
    await s.idle();
    const [stopped, status] = replies(fake, issue.number);
    expect(stopped).toContain('Stopped job 1 (running)');
    expect(status).toMatch(/\| 1 \| canceled \| command by @alice \|/);
    expect((await say(fake, issue, '/kugetsu stop')).json.reason).toBe('ignored: stop answered');
    await s.idle();
    expect(replies(fake, issue.number).at(-1)).toContain('Nothing to stop');
  });

  it('retry runs the last failed job again with its message; reset forgets the session and the worktree', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const s = await world.start(['session:ses-1', 'exit:4']);
    expect((await say(fake, issue, '/kugetsu make it so')).status).toBe(202);
    await s.idle();
    expect((await s.store.get('1'))?.state).toBe('failed');
    const retried = await say(fake, issue, '/kugetsu retry');
    expect(retried.status).toBe(202);
    await s.idle();
    expect(await s.store.get(retried.json.job!)).toMatchObject({ message: 'make it so', state: 'failed' });
    expect((await s.store.getSession(`acme/app#${issue.number}` as never))?.sessionId).toBe('ses-1');

    expect((await say(fake, issue, '/kugetsu reset')).json.reason).toBe('ignored: reset answered');
    await s.idle();
    expect(await s.store.getSession(`acme/app#${issue.number}` as never)).toBeUndefined();
    expect(existsSync(path.join(world.tmp, 'state', 'worktrees', 'acme', 'app', 'issue-1'))).toBe(false);
    expect(replies(fake, issue.number).at(-1)).toContain('Forgot the agent session `ses-1`');
  });

  it('removing the trigger label while its job is queued cancels the job', async () => {
    const fake = gitea.fake;
    const issue = seed(fake);
    const other = fake.addIssue('acme/app', { title: 'busy', author: 'alice' });
    const s = await world.start(['sleep:1500'], { KUGETSU_MAX_AGENTS: '1' });
    await say(fake, other, '/kugetsu occupy the only slot');
    fake.labelIssue('acme/app', issue.number, 'ready', 'alice');
    const labels = (ids: string[]) =>
      fake
        .repo('acme/app')
        .labels.filter((l) => ids.includes(l.name))
        .map((l) => ({ id: l.id, name: l.name }));
    const post = async (names: string[]) => {
      const res = await world.deliver('issue_label', issueLabelPayload({ repo: world.repo(fake), issue: { ...issue, labels: labels(names) }, sender: fake.user('alice') }));
      return res.json;
    };
    expect((await post(['ready'])).status).toBe('accepted');
    // A delivery that says the label is gone while Gitea still shows it cancels nothing.
    expect((await post([])).reason).toBe('ignored: not confirmed by Gitea: Gitea still shows the trigger label "ready" on #1');
    fake.labelIssue('acme/app', issue.number, 'ready', 'alice', false);
    const removed = await post([]);
    expect(removed.reason).toBe('ignored: the trigger label was removed: canceled queued job 2');
    await s.idle();
    expect((await s.store.get('2'))?.state).toBe('canceled');
  });
});
