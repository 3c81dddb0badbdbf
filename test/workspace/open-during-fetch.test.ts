import { renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentSandbox } from '../../src/agents/agent-sandbox.js';
import { DEFAULT_SANDBOX_SETTINGS } from '../../src/agents/sandbox-settings.js';
import type { IsolatedRunner } from '../../src/workspace/issue-repo-git.js';
import { git, pushUpstreamCommit } from '../support/git-fixtures.js';
import { startGitHttpServer, type GitHttpServer } from './git-http-server.js';
import { repoRef, setupWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

const TOKEN = 'kugetsu-open-during-fetch-token';

let fx: WorkspaceFixture;
let server: GitHttpServer | undefined;
beforeEach(() => {
  fx = setupWorkspace();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  fx.cleanup();
});

describe('workspace.prepare opens a reused issue repository while the shared clone fetches', () => {
  it('starts the isolated open before origin answers the fetch, and the turn still sees what the fetch brought', { timeout: 30_000 }, async () => {
    // The first isolated process of a follow-up is the open. Origin holds its answer to the fetch's
    // pack request until the open started (at most 5 s, so that a workspace that opens only after
    // the fetch fails here rather than hangs).
    let opened: () => void = () => undefined;
    let openStarted = new Promise<void>((resolve) => (opened = resolve));
    let hold = false;
    let packSent = false;
    let openedDuringFetch = false;
    const sandbox = createAgentSandbox({ ...DEFAULT_SANDBOX_SETTINGS, mode: 'off' }, { stateDir: fx.stateDir });
    const isolation: IsolatedRunner = {
      run: (options) => {
        if (hold && !packSent) openedDuringFetch = true;
        opened();
        return sandbox.run(options);
      },
    };
    const gate = async (req: IncomingMessage) => {
      if (!hold || !req.url?.endsWith('/git-upload-pack')) return;
      await Promise.race([openStarted, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      packSent = true;
    };
    server = await startGitHttpServer(fx.root, TOKEN, 0, gate);
    const ws = fx.makeWorkspace({ token: TOKEN, isolation });
    const repo = repoRef(`${server.baseUrl}/origin.git`);
    const first = await ws.prepare(repo, 1, 'kugetsu/issue-1');
    writeFileSync(join(first.path, 'notes.txt'), 'work in progress\n');

    // Origin moves between the turns: a new commit on main and the branch pushed elsewhere.
    const upstream = pushUpstreamCommit(fx.origin, { 'later.txt': 'later\n' });
    const pushed = pushUpstreamCommit(fx.origin, { 'other.txt': 'elsewhere\n' }, { branch: 'kugetsu/issue-1' });
    openStarted = new Promise<void>((resolve) => (opened = resolve));
    hold = true;
    const second = await ws.prepare(repo, 1, 'kugetsu/issue-1');

    expect(openedDuringFetch).toBe(true);
    expect(git(second.path, ['rev-parse', 'refs/remotes/origin/main'])).toBe(upstream);
    expect(git(second.path, ['rev-parse', 'refs/remotes/origin/kugetsu/issue-1'])).toBe(pushed);
    // The branch now tracks origin's (the configuration written before the fetch did not know it).
    expect(git(second.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toBe('origin/kugetsu/issue-1');
    // Uncommitted work and origin's new commit on the branch: set aside, the turn starts from origin.
    expect(second).toMatchObject({ created: false, startSha: pushed });
    expect(second.setAside?.ref).toMatch(/^refs\/kugetsu\/unpublished\//);
  });

  it('reports a failed fetch as such, leaves no process behind, and the next turn works', async () => {
    const first = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    const moved = join(fx.root, 'away.git');
    renameSync(fx.origin, moved);

    const error = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'WorkspaceError', phase: 'fetch' });

    renameSync(moved, fx.origin);
    const upstream = pushUpstreamCommit(fx.origin, { 'later.txt': 'later\n' });
    const again = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(again).toMatchObject({ created: false, startSha: first.startSha });
    expect(git(again.path, ['rev-parse', 'refs/remotes/origin/main'])).toBe(upstream);
  });

  it('gives a reused repository the tracking configuration its branch needs when origin/<branch> appears or goes between turns, in one isolated step', async () => {
    const first = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    git(first.path, ['push', '--quiet', 'origin', 'HEAD:refs/heads/kugetsu/issue-1']);
    const isolated = () => fx.logs.filter((l) => l.msg === 'git (issue repository)').map((l) => l.args as string[]);

    fx.logs.length = 0;
    const second = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(isolated()).toEqual([['(sh)', 'open']]);
    expect(git(second.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toBe('origin/kugetsu/issue-1');

    git(fx.origin, ['branch', '-D', 'kugetsu/issue-1']);
    fx.logs.length = 0;
    const third = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(isolated()).toEqual([['(sh)', 'open']]);
    expect(() => git(third.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toThrow();
    expect(git(third.path, ['for-each-ref', '--format=%(refname)', 'refs/remotes/origin/'])).toBe('refs/remotes/origin/main');
  });

  it("follows origin's branch when it names an annotated tag rather than a commit (git peels it)", async () => {
    const first = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    const pushed = pushUpstreamCommit(fx.origin, { 'other.txt': 'elsewhere\n' }, { branch: 'kugetsu/issue-1' });
    git(fx.origin, ['-c', 'user.name=t', '-c', 'user.email=t@example.test', 'tag', '--annotate', '--message=odd', 'odd-tag', pushed]);
    const tagObject = git(fx.origin, ['rev-parse', 'refs/tags/odd-tag']);
    // git update-ref refuses a non-commit on a branch; a hand-written loose ref does not ask.
    writeFileSync(join(fx.origin, 'refs', 'heads', 'kugetsu', 'issue-1'), `${tagObject}\n`);

    const second = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');

    expect(tagObject).not.toBe(pushed);
    expect(second).toMatchObject({ created: false, startSha: pushed });
    expect(git(first.path, ['rev-parse', 'refs/remotes/origin/kugetsu/issue-1'])).toBe(pushed);
    expect(git(first.path, ['rev-parse', '--abbrev-ref', '@{upstream}'])).toBe('origin/kugetsu/issue-1');
  });
});
