import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, pushUpstreamCommit } from '../support/git-fixtures.js';
import { setupWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

/** The git commands kugetsu ran in issue repositories (isolated), as logged at debug. */
function isolatedCommands(fx: WorkspaceFixture): string[][] {
  return fx.logs.filter((l) => l.msg === 'git (issue repository)').map((l) => l.args as string[]);
}

let fx: WorkspaceFixture;
beforeEach(() => {
  fx = setupWorkspace();
});
afterEach(() => fx.cleanup());

describe('workspace.prepare on a reused issue repository', () => {
  it('reads the reused repository and brings its origin refs up to date in one isolated step', async () => {
    const first = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    fx.logs.length = 0;
    const second = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(second).toMatchObject({ created: false, startSha: first.startSha });
    expect(isolatedCommands(fx)).toEqual([['(sh)', 'open']]);

    const upstream = pushUpstreamCommit(fx.origin, { 'later.txt': 'later\n' });
    const feature = pushUpstreamCommit(fx.origin, { 'f.txt': 'f\n' }, { branch: 'feature' });
    fx.logs.length = 0;
    const third = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(third.startSha).toBe(first.startSha);
    expect(isolatedCommands(fx)).toEqual([['(sh)', 'open']]);
    expect(git(third.path, ['rev-parse', 'refs/remotes/origin/main'])).toBe(upstream);
    expect(git(third.path, ['rev-parse', 'refs/remotes/origin/feature'])).toBe(feature);

    // Another process (no memory of what it left there) reads the refs and writes the difference
    // in the same isolated step: it compares them with the clone's there.
    git(fx.origin, ['branch', '-D', 'feature']);
    const other = fx.makeWorkspace();
    fx.logs.length = 0;
    await other.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(isolatedCommands(fx)).toEqual([['(sh)', 'open']]);
    expect(git(third.path, ['for-each-ref', '--format=%(refname)', 'refs/remotes/origin/'])).toBe('refs/remotes/origin/main');
  });

  it('puts back origin refs the agent moved, added or deleted, even when kugetsu remembers them otherwise', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');
    git(wt.path, ['commit', '--quiet', '--allow-empty', '-m', 'agent']);
    const agentSha = git(wt.path, ['rev-parse', 'HEAD']);
    git(wt.path, ['update-ref', 'refs/remotes/origin/main', agentSha]);
    git(wt.path, ['update-ref', 'refs/remotes/origin/planted', agentSha]);
    const upstream = pushUpstreamCommit(fx.origin, { 'later.txt': 'later\n' });
    pushUpstreamCommit(fx.origin, { 'f.txt': 'f\n' }, { branch: 'feature' });

    fx.logs.length = 0;
    await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(isolatedCommands(fx)).toEqual([['(sh)', 'open']]);
    const refs = (dir: string) => git(dir, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/remotes/origin/']);
    expect(refs(wt.path)).toBe(refs(clone));
    expect(git(wt.path, ['rev-parse', 'refs/remotes/origin/main'])).toBe(upstream);

    git(wt.path, ['update-ref', '-d', 'refs/remotes/origin/feature']);
    await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(refs(wt.path)).toBe(refs(clone));
  });

  it("replaces an origin ref the agent made symbolic instead of following it to the issue's branch", async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    git(wt.path, ['commit', '--quiet', '--allow-empty', '-m', 'agent']);
    const agentSha = git(wt.path, ['rev-parse', 'HEAD']);
    git(wt.path, ['symbolic-ref', 'refs/remotes/origin/main', 'refs/heads/kugetsu/issue-1']);
    git(wt.path, ['symbolic-ref', 'refs/remotes/origin/gone', 'refs/heads/kugetsu/issue-1']);
    const upstream = pushUpstreamCommit(fx.origin, { 'later.txt': 'later\n' });

    const again = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');

    expect(again.startSha).toBe(agentSha);
    expect(git(wt.path, ['rev-parse', 'refs/heads/kugetsu/issue-1'])).toBe(agentSha);
    expect(git(wt.path, ['rev-parse', 'refs/remotes/origin/main'])).toBe(upstream);
    expect(() => git(wt.path, ['symbolic-ref', '--quiet', 'refs/remotes/origin/main'])).toThrow();
    expect(git(wt.path, ['for-each-ref', '--format=%(refname)', 'refs/remotes/origin/'])).toBe('refs/remotes/origin/main');
  });

  it('creates a new issue repository in one isolated step', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 3, 'kugetsu/issue-3');
    expect(isolatedCommands(fx)).toEqual([['(sh)', 'init']]);
    expect(wt.startSha).toBe(git(fx.origin, ['rev-parse', 'refs/heads/main']));
    expect(git(wt.path, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/kugetsu/issue-3');
    expect(git(wt.path, ['rev-parse', 'HEAD'])).toBe(wt.startSha);
    expect(git(wt.path, ['rev-parse', 'refs/remotes/origin/main'])).toBe(wt.startSha);
    expect(git(wt.path, ['status', '--porcelain'])).toBe('');
    expect(readFileSync(join(wt.path, '.git', 'objects', 'info', 'alternates'), 'utf8').trim()).toBe(join(fx.stateDir, 'repos', 'acme', 'widgets.git', 'objects'));
  });

  it('refuses a reused repository with a detached HEAD, as before', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    git(wt.path, ['checkout', '--quiet', '--detach']);

    await expect(fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1')).rejects.toMatchObject({
      name: 'WorkspaceError',
      phase: 'worktree',
      message: `worktree ${wt.path} has a detached HEAD checked out instead of kugetsu/issue-1; check out kugetsu/issue-1 in it or remove the worktree (/kugetsu reset; its uncommitted changes will be lost), then retry`,
    });
  });

  it('refuses a reused repository with another branch checked out, even an unborn one', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    git(wt.path, ['checkout', '--quiet', '--orphan', 'elsewhere']);

    await expect(fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1')).rejects.toMatchObject({
      name: 'WorkspaceError',
      phase: 'worktree',
      message: expect.stringContaining(`worktree ${wt.path} has branch elsewhere checked out instead of kugetsu/issue-1;`),
    });
  });

  it('finishes a repository whose branch is unborn (a conversion interrupted before its branch was set), keeping its files', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(wt.path, 'mine.txt'), 'kept\n');
    git(wt.path, ['update-ref', '-d', 'refs/heads/kugetsu/issue-1']);
    expect(() => git(wt.path, ['rev-parse', '--verify', '--quiet', 'HEAD'])).toThrow();

    const again = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(again).toMatchObject({ created: false, startSha: wt.startSha });
    expect(git(wt.path, ['rev-parse', 'HEAD'])).toBe(wt.startSha);
    expect(git(wt.path, ['status', '--porcelain'])).toBe('?? mine.txt');
  });

  it('refuses to work in an issue repository whose .git was replaced by a symlink (publish reads no other repository)', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    const elsewhere = join(fx.root, 'elsewhere');
    mkdirSync(elsewhere);
    renameSync(join(wt.path, '.git'), join(elsewhere, '.git'));
    symlinkSync(join(elsewhere, '.git'), join(wt.path, '.git'));
    writeFileSync(join(wt.path, 'work.txt'), 'work\n');

    await expect(fx.workspace.publish(fx.repo, wt, 'work')).rejects.toMatchObject({
      name: 'WorkspaceError',
      phase: 'commit',
      message: expect.stringContaining(`${wt.path}/.git is not a directory`),
    });
    expect(git(fx.origin, ['branch', '--list', 'kugetsu/issue-1'])).toBe('');
  });
});

describe('workspace.publish in an issue repository', () => {
  it('stages, commits and counts in one isolated step, with the commit message taken literally', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    fx.logs.length = 0;
    expect(await fx.workspace.publish(fx.repo, wt, 'nothing')).toMatchObject({ committed: false, newCommits: 0, pushed: false, headSha: wt.startSha });
    expect(isolatedCommands(fx)).toEqual([['(sh)', 'stage']]);

    writeFileSync(join(wt.path, 'work.txt'), 'work\n');
    const message = 'a $(touch pwned) `touch pwned2` "q" \'r\' $HOME\n\n-- body; exit 3';
    fx.logs.length = 0;
    const result = await fx.workspace.publish(fx.repo, wt, message);
    expect(result).toMatchObject({ committed: true, newCommits: 1, pushed: true });
    // stage, the count of commits the shared clone lacks, the bundle, and the origin refs after the push.
    expect(isolatedCommands(fx).map((args) => args.slice(0, 2))).toEqual([
      ['(sh)', 'stage'],
      ['rev-list', '--count'],
      ['bundle', 'create'],
      ['(sh)', 'sync'],
    ]);
    expect(git(fx.origin, ['log', '-1', '--format=%B', 'kugetsu/issue-1'])).toBe(message);
    expect(git(fx.origin, ['show', 'kugetsu/issue-1:work.txt'])).toBe('work');
    expect(git(wt.path, ['status', '--porcelain'])).toBe('');
    expect(existsSync(join(wt.path, 'pwned')) || existsSync(join(wt.path, 'pwned2'))).toBe(false);
    expect(git(wt.path, ['rev-parse', 'refs/remotes/origin/kugetsu/issue-1'])).toBe(result.headSha);
    expect(git(wt.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toBe('origin/kugetsu/issue-1');
  });
});
