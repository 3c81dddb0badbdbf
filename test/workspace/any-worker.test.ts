import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentSandbox } from '../../src/agents/agent-sandbox.js';
import { DEFAULT_SANDBOX_SETTINGS } from '../../src/agents/sandbox-settings.js';
import { createWorkspace, type GitWorkspace } from '../../src/workspace/create-workspace.js';
import { hasIssueWorktree } from '../../src/workspace/has-issue-worktree.js';
import type { WorkspaceLogEntry } from '../../src/workspace/workspace-options.js';
import { createBareOrigin, git, makeTempDir, removeDir } from '../support/git-fixtures.js';
import { repoRef } from './workspace-fixture.js';

const BRANCH = 'kugetsu/issue-1';

/**
 * Two workers, each with its own state dir (and its git in the real bwrap sandbox), on one origin:
 * whichever worker takes an issue's turn works on the pushed branch.
 */
describe('any worker can take any issue: the worktree follows the pushed branch', () => {
  let root: string;
  let origin: string;
  let logs: WorkspaceLogEntry[];
  const worker = (name: string): { stateDir: string; ws: GitWorkspace } => {
    const stateDir = join(root, name);
    mkdirSync(stateDir, { recursive: true });
    const ws = createWorkspace({ stateDir, logger: (e) => logs.push(e), isolation: createAgentSandbox(DEFAULT_SANDBOX_SETTINGS, { stateDir }) });
    return { stateDir, ws };
  };
  beforeEach(() => {
    root = makeTempDir('kugetsu-any-worker-');
    origin = createBareOrigin(root);
    logs = [];
  });
  afterEach(() => removeDir(root));
  const repo = () => repoRef(origin);
  const originHead = () => git(origin, ['rev-parse', `refs/heads/${BRANCH}`]);

  it('rebuilds the worktree from the pushed branch on a worker that never had it; a stale clean copy catches up before its next turn', async () => {
    const a = worker('a');
    const b = worker('b');
    expect(hasIssueWorktree(a.stateDir, repo(), 1)).toBe(false);

    const first = await a.ws.prepare(repo(), 1, BRANCH);
    writeFileSync(join(first.path, 'one.txt'), 'turn 1 on A\n');
    const pushed1 = await a.ws.publish(repo(), first, 'turn 1');
    expect(pushed1.pushed).toBe(true);
    expect(hasIssueWorktree(a.stateDir, repo(), 1)).toBe(true);
    expect(hasIssueWorktree(b.stateDir, repo(), 1)).toBe(false);
    // Never a path built from an unsafe name or number.
    expect(hasIssueWorktree(a.stateDir, { owner: '..', name: 'widgets' }, 1)).toBe(false);
    expect(hasIssueWorktree(a.stateDir, repo(), 0)).toBe(false);

    const second = await b.ws.prepare(repo(), 1, BRANCH);
    expect(second).toMatchObject({ created: true, startSha: pushed1.headSha, path: join(b.stateDir, 'worktrees', 'acme', 'widgets', 'issue-1') });
    expect(readFileSync(join(second.path, 'one.txt'), 'utf8')).toBe('turn 1 on A\n');
    expect(git(second.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toBe(`origin/${BRANCH}`);
    writeFileSync(join(second.path, 'two.txt'), 'turn 2 on B\n');
    const pushed2 = await b.ws.publish(repo(), second, 'turn 2');
    expect(pushed2).toMatchObject({ pushed: true, newCommits: 1 });

    const third = await a.ws.prepare(repo(), 1, BRANCH);
    expect(third).toMatchObject({ created: false, startSha: pushed2.headSha });
    expect(third.setAside).toBeUndefined();
    expect(readFileSync(join(third.path, 'two.txt'), 'utf8')).toBe('turn 2 on B\n');
    writeFileSync(join(third.path, 'three.txt'), 'turn 3 on A\n');
    const pushed3 = await a.ws.publish(repo(), third, 'turn 3');
    expect(pushed3).toMatchObject({ pushed: true, newCommits: 1 });
    expect(git(origin, ['log', '--format=%s', `main..${BRANCH}`]).split('\n')).toEqual(['turn 3', 'turn 2', 'turn 1']);
  });

  it("never lets a stale copy's unpushed leftovers override newer pushed work: they are kept on a local ref, never pushed, and the turn starts from the pushed branch", async () => {
    const a = worker('a');
    const b = worker('b');
    const first = await a.ws.prepare(repo(), 1, BRANCH);
    writeFileSync(join(first.path, 'one.txt'), 'turn 1 on A\n');
    await a.ws.publish(repo(), first, 'turn 1');
    // A later turn on A failed: it pushed nothing, leaving a commit of the agent's and uncommitted files.
    writeFileSync(join(first.path, 'draft.txt'), 'committed by the agent, never pushed\n');
    git(first.path, ['add', 'draft.txt']);
    git(first.path, ['commit', '--quiet', '-m', 'agent: draft']);
    writeFileSync(join(first.path, 'one.txt'), 'half-done edit\n');
    writeFileSync(join(first.path, 'scratch.txt'), 'untracked leftover\n');
    // Meanwhile the issue's next turn ran on B and pushed.
    const second = await b.ws.prepare(repo(), 1, BRANCH);
    writeFileSync(join(second.path, 'two.txt'), 'turn 2 on B\n');
    const pushed2 = await b.ws.publish(repo(), second, 'turn 2');

    const third = await a.ws.prepare(repo(), 1, BRANCH);

    expect(third.startSha).toBe(pushed2.headSha);
    expect(third.setAside).toEqual({ ref: expect.stringMatching(/^refs\/kugetsu\/unpublished\/\d{8}T\d{6}Z-[0-9a-f]{12}$/), sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const { ref, sha } = third.setAside!;
    // The worktree is origin's branch exactly: B's work, none of the leftovers.
    expect(git(third.path, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect(readFileSync(join(third.path, 'two.txt'), 'utf8')).toBe('turn 2 on B\n');
    expect(readFileSync(join(third.path, 'one.txt'), 'utf8')).toBe('turn 1 on A\n');
    expect(existsSync(join(third.path, 'draft.txt')) || existsSync(join(third.path, 'scratch.txt'))).toBe(false);
    // The leftovers are kept, whole, in A's issue repository only.
    expect(git(third.path, ['rev-parse', ref])).toBe(sha);
    expect(git(third.path, ['show', `${sha}:one.txt`])).toBe('half-done edit');
    expect(git(third.path, ['show', `${sha}:scratch.txt`])).toBe('untracked leftover');
    expect(git(third.path, ['log', '--format=%s', `${sha}~2..${sha}`]).split('\n')).toEqual(['kugetsu: unpublished changes set aside', 'agent: draft']);
    expect(() => git(origin, ['cat-file', '-e', sha])).toThrow();
    expect(logs.some((e) => e.level === 'warn' && e.msg.includes('set aside') && e.ref === ref)).toBe(true);

    writeFileSync(join(third.path, 'three.txt'), 'turn 3 on A\n');
    const pushed3 = await a.ws.publish(repo(), third, 'turn 3');
    expect(pushed3).toMatchObject({ pushed: true, newCommits: 1 });
    expect(git(origin, ['log', '--format=%s', `main..${BRANCH}`]).split('\n')).toEqual(['turn 3', 'turn 2', 'turn 1']);
    expect(git(origin, ['ls-tree', '--name-only', BRANCH]).split('\n').sort()).toEqual(['README.md', 'one.txt', 'three.txt', 'two.txt']);
  });

  it('keeps unpushed commits of this worker when nobody pushed since: the next turn pushes them', async () => {
    const a = worker('a');
    const first = await a.ws.prepare(repo(), 1, BRANCH);
    writeFileSync(join(first.path, 'one.txt'), '1\n');
    await a.ws.publish(repo(), first, 'turn 1');
    writeFileSync(join(first.path, 'draft.txt'), 'draft\n');
    git(first.path, ['add', 'draft.txt']);
    git(first.path, ['commit', '--quiet', '-m', 'agent: draft of a turn that failed']);
    const draft = git(first.path, ['rev-parse', 'HEAD']);

    const next = await a.ws.prepare(repo(), 1, BRANCH);
    expect(next.setAside).toBeUndefined();
    expect(next.startSha).toBe(draft);
    writeFileSync(join(next.path, 'two.txt'), '2\n');
    const pushed = await a.ws.publish(repo(), next, 'turn 2');
    expect(pushed.pushed).toBe(true);
    expect(git(origin, ['log', '--format=%s', `main..${BRANCH}`]).split('\n')).toEqual(['turn 2', 'agent: draft of a turn that failed', 'turn 1']);
  });

  it("follows a branch rewritten in origin: a reused worktree sets its old history aside, a rebuilt one starts from origin, and kugetsu's old record stays reachable", async () => {
    const a = worker('a');
    const first = await a.ws.prepare(repo(), 1, BRANCH);
    writeFileSync(join(first.path, 'one.txt'), '1\n');
    const old = await a.ws.publish(repo(), first, 'turn 1');
    // A person rewrites the branch: force-pushes a different history.
    const scratch = join(root, 'rewrite');
    git(root, ['clone', '--quiet', origin, scratch]);
    git(scratch, ['checkout', '--quiet', '-b', BRANCH, 'origin/main']);
    writeFileSync(join(scratch, 'rewritten.txt'), 'by hand\n');
    git(scratch, ['add', '.']);
    git(scratch, ['commit', '--quiet', '-m', 'rewritten']);
    git(scratch, ['push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${BRANCH}`]);
    const rewritten = originHead();

    const reused = await a.ws.prepare(repo(), 1, BRANCH);
    expect(reused.startSha).toBe(rewritten);
    expect(reused.setAside?.sha).toBe(old.headSha);
    const clone = join(a.stateDir, 'repos', 'acme', 'widgets.git');
    expect(git(clone, ['rev-parse', `refs/heads/${BRANCH}`])).toBe(rewritten);
    expect(git(clone, ['rev-parse', `refs/kugetsu/superseded/${BRANCH}`])).toBe(old.headSha);

    await a.ws.removeWorktree(repo(), 1);
    const rebuilt = await a.ws.prepare(repo(), 1, BRANCH);
    expect(rebuilt).toMatchObject({ created: true, startSha: rewritten });
    expect(existsSync(join(rebuilt.path, 'rewritten.txt'))).toBe(true);
  });
});
