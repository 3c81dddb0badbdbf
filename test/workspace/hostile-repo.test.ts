import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentSandbox } from '../../src/agents/agent-sandbox.js';
import { DEFAULT_SANDBOX_SETTINGS } from '../../src/agents/sandbox-settings.js';
import { git, pushUpstreamCommit } from '../support/git-fixtures.js';
import { setupWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

/** Every hook git(1) runs during commit, push, fetch, merge, checkout and ref updates (githooks(5)). */
const HOOKS = [
  'pre-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'pre-push',
  'post-checkout',
  'post-merge',
  'reference-transaction',
  'pre-auto-gc',
  'post-rewrite',
  'post-index-change',
  'fsmonitor-watchman',
  'pre-receive',
  'update',
  'post-update',
];

/**
 * What an agent can leave in its repository for kugetsu's git to run (issue 10): hooks in
 * `.git/hooks` and in a `core.hooksPath` of its own, `core.fsmonitor`, a filter driver named by
 * `.gitattributes` and `.git/info/attributes`, `credential.helper`, `core.askPass`, `core.sshCommand`,
 * `core.pager`, an `include.path`, `extensions.worktreeConfig` with a `config.worktree`, and a
 * `commondir` pointing at a repository of its own. Each program writes a mark into `marks` and into
 * the worktree when it runs, and the filter rewrites "plain" as "FILTERED".
 */
function plantTraps(worktree: string, marks: string): void {
  const gitDir = join(worktree, '.git');
  const evil = join(gitDir, 'evil.sh');
  writeFileSync(
    evil,
    `#!/bin/sh\necho "$0 $*" >> '${marks}/ran' 2>/dev/null\necho "$0 $*" >> '${worktree}/HOOK-RAN'\nenv > '${marks}/env-'$$ 2>/dev/null\nsed s/plain/FILTERED/\n`,
  );
  chmodSync(evil, 0o755);
  const ownHooks = join(gitDir, 'evil-hooks');
  mkdirSync(ownHooks, { recursive: true });
  for (const hook of HOOKS) {
    for (const dir of [join(gitDir, 'hooks'), ownHooks]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, hook), `#!/bin/sh\nexec '${evil}' hook-${hook} "$@"\n`);
      chmodSync(join(dir, hook), 0o755);
    }
  }
  writeFileSync(join(gitDir, 'evil.config'), `[core]\n\tfsmonitor = ${evil}\n\thooksPath = ${ownHooks}\n`);
  appendFileSync(
    join(gitDir, 'config'),
    [
      '[core]',
      `\thooksPath = ${ownHooks}`,
      `\tfsmonitor = ${evil}`,
      `\taskPass = ${evil}`,
      `\tsshCommand = ${evil}`,
      `\tpager = ${evil}`,
      `\tattributesFile = ${join(gitDir, 'evil.attributes')}`,
      '[filter "evil"]',
      `\tclean = ${evil} clean`,
      `\tsmudge = ${evil} smudge`,
      '\trequired = true',
      '[credential]',
      `\thelper = !${evil} credential`,
      '[include]',
      `\tpath = ${join(gitDir, 'evil.config')}`,
      '[extensions]',
      '\tworktreeConfig = true',
      '',
    ].join('\n'),
  );
  writeFileSync(join(gitDir, 'config.worktree'), `[core]\n\thooksPath = ${ownHooks}\n\tfsmonitor = ${evil}\n`);
  writeFileSync(join(gitDir, 'evil.attributes'), '* filter=evil\n');
  mkdirSync(join(gitDir, 'info'), { recursive: true });
  writeFileSync(join(gitDir, 'info', 'attributes'), '* filter=evil\n');
  writeFileSync(join(worktree, '.gitattributes'), '* filter=evil\n');
  // A "linked worktree" of a repository the agent made up.
  const fakeCommon = join(gitDir, 'evil-common');
  mkdirSync(join(fakeCommon, 'hooks'), { recursive: true });
  writeFileSync(join(fakeCommon, 'config'), `[core]\n\tfsmonitor = ${evil}\n\thooksPath = ${ownHooks}\n`);
  writeFileSync(join(gitDir, 'commondir'), fakeCommon);
}

/** The same kind of traps in the shared clone (with the sandbox on, agents cannot reach it; this tests the hardened host git). */
function plantCloneTraps(clone: string, marks: string): void {
  const evil = join(clone, 'evil.sh');
  writeFileSync(evil, `#!/bin/sh\necho "$0 $*" >> '${marks}/ran'\nenv > '${marks}/clone-env-'$$\n`);
  chmodSync(evil, 0o755);
  for (const hook of HOOKS) {
    writeFileSync(join(clone, 'hooks', hook), `#!/bin/sh\nexec '${evil}' clone-hook-${hook} "$@"\n`);
    chmodSync(join(clone, 'hooks', hook), 0o755);
  }
  appendFileSync(join(clone, 'config'), `[core]\n\tfsmonitor = ${evil}\n\taskPass = ${evil}\n[credential]\n\thelper = !${evil} credential\n`);
}

describe.each([
  ['with the sandbox off (hardened git only)', 'off' as const],
  ['inside the bwrap sandbox', 'bwrap' as const],
])("kugetsu's git in an agent-touched repository, %s", (_name, mode) => {
  let fx: WorkspaceFixture;
  let marks: string;
  beforeEach(() => {
    fx = setupWorkspace();
    marks = join(fx.root, 'marks');
    mkdirSync(marks);
  });
  afterEach(() => fx.cleanup());

  it('runs none of the planted hooks, fsmonitor, filters, helpers or includes when it commits, pushes and fast-forwards', async () => {
    const ws = fx.makeWorkspace({ token: 'kugetsu-test-token-1234', isolation: createAgentSandbox({ ...DEFAULT_SANDBOX_SETTINGS, mode }, { stateDir: fx.stateDir }) });
    const wt = await ws.prepare(fx.repo, 1, 'kugetsu/issue-1');
    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');
    plantTraps(wt.path, marks);
    plantCloneTraps(clone, marks);
    writeFileSync(join(wt.path, 'work.txt'), 'plain text\n');

    const published = await ws.publish(fx.repo, wt, 'agent work');

    expect(published).toMatchObject({ committed: true, newCommits: 1, pushed: true });
    // Nothing ran: no marks, and the content went out unfiltered.
    expect(readdirSync(marks)).toEqual([]);
    expect(existsSync(join(wt.path, 'HOOK-RAN'))).toBe(false);
    expect(git(fx.origin, ['show', 'kugetsu/issue-1:work.txt'])).toBe('plain text');
    expect(git(fx.origin, ['ls-tree', '--name-only', 'kugetsu/issue-1']).split('\n')).not.toContain('HOOK-RAN');
    // kugetsu's configuration is back, the agent's settings and its commondir are gone.
    const config = readFileSync(join(wt.path, '.git', 'config'), 'utf8');
    expect(config).not.toMatch(/evil|hooksPath|fsmonitor|filter|credential|include|worktreeConfig/);
    expect(existsSync(join(wt.path, '.git', 'commondir'))).toBe(false);
    expect(existsSync(join(wt.path, '.git', 'config.worktree'))).toBe(false);

    // A follow-up turn: someone pushed to the branch, the agent plants everything again, kugetsu
    // fast-forwards the worktree (checkout: smudge filters, post-checkout/post-merge hooks) and publishes.
    const human = pushUpstreamCommit(fx.origin, { 'human.txt': 'plain from a human\n' }, { branch: 'kugetsu/issue-1' });
    plantTraps(wt.path, marks);
    const again = await ws.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(again.startSha).toBe(human);
    expect(readFileSync(join(wt.path, 'human.txt'), 'utf8')).toBe('plain from a human\n');
    plantTraps(wt.path, marks);
    writeFileSync(join(wt.path, 'more.txt'), 'plain again\n');
    await ws.publish(fx.repo, again, 'more agent work');

    expect(readdirSync(marks)).toEqual([]);
    expect(existsSync(join(wt.path, 'HOOK-RAN'))).toBe(false);
    expect(git(fx.origin, ['show', 'kugetsu/issue-1:more.txt'])).toBe('plain again');
    // The token never reached a file of either repository.
    for (const dir of [clone, join(wt.path, '.git')]) {
      for (const f of ['config', 'FETCH_HEAD', 'packed-refs']) {
        if (existsSync(join(dir, f))) expect(readFileSync(join(dir, f), 'utf8'), `${dir}/${f}`).not.toContain('kugetsu-test-token-1234');
      }
    }
  });
});
