import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, pushUpstreamCommit } from '../support/git-fixtures.js';
import { setupWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

describe('workspace.publish', () => {
  let fx: WorkspaceFixture;
  beforeEach(() => {
    fx = setupWorkspace();
  });
  afterEach(() => fx.cleanup());

  it('commits untracked and modified files with the bot identity and pushes the branch', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(wt.path, 'README.md'), '# fixture\n\nedited by the agent\n');
    mkdirSync(join(wt.path, 'src'));
    writeFileSync(join(wt.path, 'src', 'new.ts'), 'export {};\n');
    writeFileSync(join(wt.path, '.gitignore'), 'build/\n');
    mkdirSync(join(wt.path, 'build'));
    writeFileSync(join(wt.path, 'build', 'out.js'), 'ignored\n');

    const result = await fx.workspace.publish(fx.repo, wt, 'Fix #1: edit the readme');

    expect(result).toEqual({ committed: true, newCommits: 1, pushed: true, headSha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(git(fx.origin, ['log', '-1', '--format=%H', 'kugetsu/issue-1'])).toBe(result.headSha);
    expect(git(fx.origin, ['log', '-1', '--format=%an <%ae>|%cn <%ce>|%s', 'kugetsu/issue-1'])).toBe(
      'kugetsu <kugetsu@localhost>|kugetsu <kugetsu@localhost>|Fix #1: edit the readme',
    );
    const files = git(fx.origin, ['show', '--name-only', '--format=', 'kugetsu/issue-1']).split('\n').sort();
    expect(files).toEqual(['.gitignore', 'README.md', 'src/new.ts']);
    expect(git(wt.path, ['status', '--porcelain'])).toBe('');
    expect(git(wt.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toBe('origin/kugetsu/issue-1');
    // The shared clone's configuration holds no identity and no credentials; the worktree's
    // repository carries kugetsu's identity for the agent's own commits.
    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');
    expect(() => git(clone, ['config', '--get', 'user.name'])).toThrow();
    expect(git(clone, ['config', '--list', '--local'])).not.toMatch(/credential|extraheader|password/i);
    expect(git(wt.path, ['config', '--get', 'user.name'])).toBe('kugetsu');
  });

  it('uses the configured bot identity', async () => {
    const ws = fx.makeWorkspace({ botName: 'Robo', botEmail: 'robo@example.test' });
    const wt = await ws.prepare(fx.repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(wt.path, 'a.txt'), 'a\n');

    await ws.publish(fx.repo, wt, '--upload-pack=touch /tmp/pwned');

    expect(git(fx.origin, ['log', '-1', '--format=%an <%ae>|%s', 'kugetsu/issue-1'])).toBe('Robo <robo@example.test>|--upload-pack=touch /tmp/pwned');
  });

  it('pushes nothing when the turn changed nothing', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');

    const result = await fx.workspace.publish(fx.repo, wt, 'nothing');

    expect(result).toEqual({ committed: false, newCommits: 0, pushed: false, headSha: wt.startSha });
    expect(git(fx.origin, ['branch', '--list', 'kugetsu/issue-1'])).toBe('');
  });

  it('pushes a commit the agent made itself without adding a kugetsu commit', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(wt.path, 'agent.txt'), 'done\n');
    git(wt.path, ['add', 'agent.txt']);
    git(wt.path, ['commit', '--quiet', '-m', 'agent: add agent.txt']);
    const agentSha = git(wt.path, ['rev-parse', 'HEAD']);

    const result = await fx.workspace.publish(fx.repo, wt, 'leftovers');

    expect(result).toEqual({ committed: false, newCommits: 1, pushed: true, headSha: agentSha });
    expect(git(fx.origin, ['log', '--format=%s', 'kugetsu/issue-1'])).toBe('agent: add agent.txt\ninitial commit');
  });

  it('counts only the commits of this turn on a follow-up', async () => {
    const first = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(first.path, 'one.txt'), '1\n');
    await fx.workspace.publish(fx.repo, first, 'turn 1');

    const second = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(second.path, 'two.txt'), '2\n');
    const result = await fx.workspace.publish(fx.repo, second, 'turn 2');

    expect(second.created).toBe(false);
    expect(result).toMatchObject({ committed: true, newCommits: 1, pushed: true });
    expect(git(fx.origin, ['log', '--format=%s', 'kugetsu/issue-1'])).toBe('turn 2\nturn 1\ninitial commit');
  });

  it('reports a clear push error when the remote branch moved, keeping the commit', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    pushUpstreamCommit(fx.origin, { 'human.txt': 'pushed meanwhile\n' }, { branch: 'kugetsu/issue-1' });
    writeFileSync(join(wt.path, 'agent.txt'), 'agent work\n');

    const error = await fx.workspace.publish(fx.repo, wt, 'agent work').catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'WorkspaceError', phase: 'push' });
    expect((error as Error).message).toMatch(/could not push kugetsu\/issue-1 to .*: the remote branch moved since this turn began/);
    expect(git(wt.path, ['log', '-1', '--format=%s'])).toBe('agent work');
  });

  it('refuses a worktree path outside the state dir', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');

    await expect(fx.workspace.publish(fx.repo, { ...wt, path: fx.root }, 'x')).rejects.toMatchObject({
      phase: 'commit',
      message: expect.stringContaining('not an issue worktree'),
    });
  });
});
