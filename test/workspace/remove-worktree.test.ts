import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git } from '../support/git-fixtures.js';
import { setupWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

describe('workspace.removeWorktree', () => {
  let fx: WorkspaceFixture;
  beforeEach(() => {
    fx = setupWorkspace();
  });
  afterEach(() => fx.cleanup());

  it('removes a dirty worktree and its agent dir but keeps the branch', async () => {
    const wt = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(wt.path, 'dirty.txt'), 'uncommitted\n');
    mkdirSync(join(wt.agentDir, 'home'), { recursive: true });
    writeFileSync(join(wt.agentDir, 'home', 'session.json'), '{}');
    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');

    await fx.workspace.removeWorktree(fx.repo, 1);

    expect(existsSync(wt.path)).toBe(false);
    expect(existsSync(wt.agentDir)).toBe(false);
    expect(git(clone, ['worktree', 'list', '--porcelain'])).not.toContain('issue-1');
    expect(git(clone, ['rev-parse', 'refs/heads/kugetsu/issue-1'])).toBe(wt.startSha);
    const again = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(again.created).toBe(true);
  });

  it('is a no-op for a worktree that does not exist, and cleans a stale registration', async () => {
    await expect(fx.workspace.removeWorktree(fx.repo, 42)).resolves.toBeUndefined();

    const wt = await fx.workspace.prepare(fx.repo, 2, 'kugetsu/issue-2');
    rmSync(wt.path, { recursive: true, force: true });
    await fx.workspace.removeWorktree(fx.repo, 2);

    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');
    expect(git(clone, ['worktree', 'list', '--porcelain'])).not.toContain('issue-2');
  });
});
