import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSafeBranchName } from '../../src/workspace/safe-branch-name.js';
import { repoRef, setupWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

describe('isSafeBranchName', () => {
  it.each(['kugetsu/issue-1', 'main', 'feature/x.y', 'release-2.0', 'a_b'])('accepts %j', (name) => {
    expect(isSafeBranchName(name)).toBe(true);
  });

  it.each([
    '',
    '-x',
    '--upload-pack=x',
    'a..b',
    '../x',
    'a//b',
    '/a',
    'a/',
    'a.lock',
    'a/b.lock/c',
    '.a',
    'a/.b',
    'a.',
    'HEAD',
    '@',
    'a@{1}',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[b',
    'a\\b',
    'a\nb',
    'x'.repeat(201),
  ])('refuses %j', (name) => {
    expect(isSafeBranchName(name)).toBe(false);
  });
});

describe('workspace input validation', () => {
  let fx: WorkspaceFixture;
  beforeEach(() => {
    fx = setupWorkspace();
  });
  afterEach(() => fx.cleanup());

  const gitRan = () => fx.logs.some((entry) => entry.msg.startsWith('git'));

  it.each([
    { owner: '--upload-pack=x', name: 'widgets', phase: 'clone' },
    { owner: 'acme', name: '../../x', phase: 'clone' },
    { owner: '..', name: 'x', phase: 'clone' },
    { owner: 'acme', name: '-x', phase: 'clone' },
    { owner: 'acme', name: 'a/b', phase: 'clone' },
  ])('refuses repository $owner/$name before running git', async ({ owner, name, phase }) => {
    const repo = repoRef(fx.origin, owner, name);

    await expect(fx.workspace.prepare(repo, 1, 'kugetsu/issue-1')).rejects.toMatchObject({
      name: 'WorkspaceError',
      phase,
      message: expect.stringContaining('refusing repository'),
    });
    await expect(fx.workspace.removeWorktree(repo, 1)).rejects.toMatchObject({ phase });
    expect(gitRan()).toBe(false);
    expect(readdirSync(fx.stateDir)).toEqual([]);
  });

  it.each(['-x', '--upload-pack=x', 'kugetsu/../x', 'a..b', 'HEAD'])('refuses branch %j before running git', async (branch) => {
    await expect(fx.workspace.prepare(fx.repo, 1, branch)).rejects.toMatchObject({
      phase: 'worktree',
      message: expect.stringContaining('refusing branch'),
    });
    expect(gitRan()).toBe(false);
    expect(readdirSync(fx.stateDir)).toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses issue number %s', async (issue) => {
    await expect(fx.workspace.prepare(fx.repo, issue, 'kugetsu/issue-1')).rejects.toMatchObject({
      phase: 'worktree',
      message: expect.stringContaining('refusing issue number'),
    });
    expect(gitRan()).toBe(false);
  });

  it.each(['--upload-pack=touch x', 'ext::sh -c touch% x', 'relative/path', 'ssh://git@host/a/b.git', 'fd::3'])('refuses clone URL %j', async (cloneUrl) => {
    await expect(fx.workspace.prepare({ ...fx.repo, cloneUrl }, 1, 'kugetsu/issue-1')).rejects.toMatchObject({
      phase: 'clone',
      message: expect.stringContaining('refusing clone URL'),
    });
    expect(gitRan()).toBe(false);
  });

  it('refuses an unsafe default branch', async () => {
    await expect(fx.workspace.prepare({ ...fx.repo, defaultBranch: '--orphan' }, 1, 'kugetsu/issue-1')).rejects.toMatchObject({
      phase: 'clone',
      message: expect.stringContaining('refusing default branch'),
    });
    expect(gitRan()).toBe(false);
  });

  it('refuses a relative state dir at construction', () => {
    expect(() => fx.makeWorkspace({ stateDir: 'state' })).toThrow(/absolute/);
  });
});
