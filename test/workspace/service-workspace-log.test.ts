import { describe, expect, it } from 'vitest';
import { issueCommentPayload, serializePayload } from '../../src/sandbox/delivery-templates.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { useServiceWorld } from '../support/service-world.js';

const gitea = useFakeGitea({ strict: false });
const world = useServiceWorld(gitea, 'kugetsu-workspace-log-');

describe("the service's log carries the workspace's", { timeout: 60_000 }, () => {
  it('says when it created a worktree (info) and which git commands ran, with their durations (debug)', async () => {
    const fake = gitea.fake;
    fake.addRepo({ owner: 'acme', name: 'app', cloneUrl: world.origin });
    fake.setPermission('acme/app', 'alice', 'write');
    const issue = fake.addIssue('acme/app', { title: 'Do it', body: 'please', author: 'alice' });
    const s = await world.start(['write:out.txt:{issueKey}']);
    const comment = fake.addComment('acme/app', issue.number, { body: '/kugetsu go', author: 'alice' });
    const payload = serializePayload(issueCommentPayload({ repo: world.repo(fake), issue, comment: { id: comment.id, body: comment.body }, sender: fake.user('alice') }));
    expect((await world.deliver('issue_comment', payload)).status).toBe(202);
    await s.idle();

    const created = world.logs.lines.find((l) => l.msg === 'created worktree');
    expect(created).toMatchObject({ level: 30, repo: 'acme/app', branch: `kugetsu/issue-${issue.number}` });
    // The first delegation clones (the clone's initial fetch fills refs/remotes/origin/* too).
    const clones = world.logs.lines.filter((l) => l.msg === 'git' && Array.isArray(l.args) && l.args[0] === 'clone');
    expect(clones.length).toBe(1);
    expect(clones[0]).toMatchObject({ level: 20, exitCode: 0 });
    expect(typeof clones[0]!.durationMs).toBe('number');
  });
});
