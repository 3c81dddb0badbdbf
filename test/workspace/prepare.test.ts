import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, pushUpstreamCommit } from '../support/git-fixtures.js';
import { setupWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

describe('workspace.prepare', () => {
  let fx: WorkspaceFixture;
  beforeEach(() => {
    fx = setupWorkspace();
  });
  afterEach(() => fx.cleanup());

  it('clones a bare shared clone and creates the worktree on a new branch from origin/main', async () => {
    const mainSha = git(fx.origin, ['rev-parse', 'refs/heads/main']);

    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');

    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');
    expect(wt).toEqual({
      path: join(fx.stateDir, 'worktrees', 'acme', 'widgets', 'issue-1'),
      branch: 'kugetsu/issue-1',
      startSha: mainSha,
      created: true,
      agentDir: join(fx.stateDir, 'agents', 'acme', 'widgets', 'issue-1'),
      gitObjects: join(clone, 'objects'),
    });
    expect(git(clone, ['rev-parse', '--is-bare-repository'])).toBe('true');
    expect(git(clone, ['config', '--get', 'remote.origin.fetch'])).toBe('+refs/heads/*:refs/remotes/origin/*');
    expect(git(clone, ['rev-parse', 'refs/remotes/origin/main'])).toBe(mainSha);
    expect(git(wt.path, ['symbolic-ref', '--short', 'HEAD'])).toBe('kugetsu/issue-1');
    expect(existsSync(join(wt.path, 'README.md'))).toBe(true);
    // The worktree is a repository of its own that borrows the shared clone's objects; the shared
    // clone keeps the branch.
    expect(git(wt.path, ['rev-parse', '--git-dir'])).toBe('.git');
    expect(readFileSync(join(wt.path, '.git', 'objects', 'info', 'alternates'), 'utf8')).toBe(`${join(clone, 'objects')}\n`);
    expect(git(clone, ['rev-parse', 'refs/heads/kugetsu/issue-1'])).toBe(mainSha);
    // A new branch does not track origin/main (a `git pull` in it must not merge main).
    expect(() => git(wt.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toThrow();
    // No temp clone directory left next to the real one.
    expect(readdirSync(join(fx.stateDir, 'repos', 'acme'))).toEqual(['widgets.git']);
  });

  it('reuses the worktree on the next turn and fetches new upstream commits', async () => {
    const first = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(first.path, 'notes.txt'), 'work in progress\n');
    const upstreamSha = pushUpstreamCommit(fx.origin, { 'CHANGELOG.md': 'new\n' });

    const second = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');

    expect(second.path).toBe(first.path);
    expect(second.created).toBe(false);
    expect(second.startSha).toBe(first.startSha);
    expect(git(second.path, ['rev-parse', 'origin/main'])).toBe(upstreamSha);
    // The agent's uncommitted file is still there.
    expect(existsSync(join(second.path, 'notes.txt'))).toBe(true);
  });

  it('fast-forwards a reused clean worktree when someone pushed to its branch', async () => {
    const first = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    git(first.path, ['push', '--quiet', 'origin', 'HEAD:refs/heads/kugetsu/issue-1']);
    const humanSha = pushUpstreamCommit(fx.origin, { 'fix.txt': 'by a human\n' }, { branch: 'kugetsu/issue-1' });

    const second = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');

    expect(second.created).toBe(false);
    expect(second.startSha).toBe(humanSha);
    expect(existsSync(join(second.path, 'fix.txt'))).toBe(true);
  });

  it('prepares two issues of one repository concurrently from a single clone', async () => {
    const [a, b] = await Promise.all([fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1'), fx.workspace.prepare(fx.repo, 2, 'kugetsu/issue-2')]);

    expect(a.created && b.created).toBe(true);
    expect(a.path).not.toBe(b.path);
    expect(git(a.path, ['symbolic-ref', '--short', 'HEAD'])).toBe('kugetsu/issue-1');
    expect(git(b.path, ['symbolic-ref', '--short', 'HEAD'])).toBe('kugetsu/issue-2');
    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');
    expect(git(clone, ['fsck', '--no-progress'])).toBe('');
    expect(fx.logs.filter((e) => e.msg === 'cloned repository')).toHaveLength(1);
  });

  it('tracks a branch that already exists on origin (pushed by an earlier run elsewhere)', async () => {
    const earlier = pushUpstreamCommit(fx.origin, { 'agent.txt': 'earlier turn\n' }, { branch: 'kugetsu/issue-5' });

    const wt = await fx.workspace.prepare(fx.repo, 5, 'kugetsu/issue-5');

    expect(wt.created).toBe(true);
    expect(wt.startSha).toBe(earlier);
    expect(git(wt.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toBe('origin/kugetsu/issue-5');
  });

  it('tracks a branch that appeared on origin after the shared clone was made', async () => {
    await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    const pushed = pushUpstreamCommit(fx.origin, { 'other.txt': 'elsewhere\n' }, { branch: 'kugetsu/issue-7' });

    const wt = await fx.workspace.prepare(fx.repo, 7, 'kugetsu/issue-7');

    expect(wt).toMatchObject({ created: true, startSha: pushed });
    expect(git(wt.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toBe('origin/kugetsu/issue-7');
  });

  it('recreates a worktree whose directory was deleted by hand (stale registration)', async () => {
    const first = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    rmSync(first.path, { recursive: true, force: true });

    const second = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');

    expect(second.created).toBe(true);
    expect(second.path).toBe(first.path);
    expect(git(second.path, ['symbolic-ref', '--short', 'HEAD'])).toBe('kugetsu/issue-1');
  });

  it('refuses a directory at the worktree path that is not a worktree', async () => {
    await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    const squatter = join(fx.stateDir, 'worktrees', 'acme', 'widgets', 'issue-9');
    git(fx.root, ['init', '--quiet', squatter]);

    await expect(fx.workspace.prepare(fx.repo, 9, 'kugetsu/issue-9')).rejects.toMatchObject({
      name: 'WorkspaceError',
      phase: 'worktree',
      message: expect.stringContaining('is not a worktree'),
    });
  });

  it('turns a worktree of the earlier layout (a git worktree of the shared clone) into an issue repository, keeping its files', async () => {
    await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');
    const legacy = join(fx.stateDir, 'worktrees', 'acme', 'widgets', 'issue-5');
    git(clone, ['worktree', 'add', '--quiet', '-b', 'kugetsu/issue-5', '--', legacy, 'origin/main']);
    writeFileSync(join(legacy, 'README.md'), '# fixture\n\nuncommitted edit\n');
    writeFileSync(join(legacy, 'new.txt'), 'untracked\n');

    const wt = await fx.workspace.prepare(fx.repo, 5, 'kugetsu/issue-5');

    expect(wt).toMatchObject({ path: legacy, created: false, startSha: git(clone, ['rev-parse', 'refs/remotes/origin/main']) });
    expect(git(legacy, ['rev-parse', '--git-dir'])).toBe('.git');
    expect(
      git(legacy, ['status', '--porcelain'])
        .split('\n')
        .map((l) => l.trim())
        .sort(),
    ).toEqual(['?? new.txt', 'M README.md']);
    expect(git(clone, ['worktree', 'list', '--porcelain'])).not.toContain('issue-5');
  });

  it('reports a repository without its default branch clearly', async () => {
    await expect(fx.workspace.prepare({ ...fx.repo, defaultBranch: 'develop' }, 1, 'kugetsu/issue-1')).rejects.toMatchObject({
      phase: 'worktree',
      message: expect.stringContaining('has no branch develop'),
    });
  });

  it('handles a repository with many files', async () => {
    const big = setupWorkspace({ files: 2000 });
    try {
      const wt = await big.workspace.prepare(big.repo, 3, 'kugetsu/issue-3');
      expect(readdirSync(join(wt.path, 'files'))).toHaveLength(2000);
    } finally {
      big.cleanup();
    }
  });
});
