import type { IssueRepoConfig } from './issue-repo-config.js';
import type { IssueRepoGit } from './issue-repo-git.js';
import { runIssueRepoScript, sectionOf, type ScriptSection } from './issue-repo-script.js';

/**
 * Makes the directory `git` works in (empty, or the files of a worktree of kugetsu's earlier layout
 * whose `.git` link was removed) an issue repository on `config.branch` at commit `base`, in one
 * isolated process (`runIssueRepoScript`): `git init --template= --initial-branch=<branch>`; then,
 * before any other git command reads the repository, its configuration rewritten, the alternates
 * set to `objects` and the marker written (`reset_repo`, as in `syncIssueRepo`); one
 * `git update-ref --stdin` transaction setting every `origin` ref (`originRefs`, the shared
 * clone's `refs/remotes/origin/*`) and `refs/heads/<branch>` = `base`; `symbolic-ref HEAD`;
 * `reset --hard` (`files: 'checkout'`) or `reset --mixed` (`'keep'`: the files stay, differences
 * show as changes); and HEAD read back (`rev-parse --verify --quiet HEAD^{commit}`: status 0 and
 * the commit, or 1 and nothing). Every git command gets the same hardened settings and
 * environment as `git.run`. Throws the runner's `GitCommandError` with the failing command's
 * stderr.
 */
export async function initIssueRepo(
  git: IssueRepoGit,
  objects: string,
  config: IssueRepoConfig,
  originRefs: ReadonlyMap<string, string>,
  base: string,
  files: 'checkout' | 'keep',
): Promise<ScriptSection> {
  const lines = [...originRefs].map(([ref, sha]) => `update ${ref} ${sha}`);
  lines.push(`update refs/heads/${config.branch} ${base}`);
  const result = await runIssueRepoScript(git, {
    label: 'init',
    objects,
    config,
    vars: { branch: config.branch, mode: files === 'keep' ? '--mixed' : '--hard' },
    body: `git "$@" init --quiet --template= "--initial-branch=$branch"
reset_repo "$objects" "$config"
git "$@" update-ref --stdin
git "$@" symbolic-ref HEAD "refs/heads/$branch"
git "$@" reset --quiet "$mode"
section head 1 git "$@" rev-parse --verify --quiet 'HEAD^{commit}'
`,
    input: `${lines.join('\n')}\n`,
  });
  return sectionOf(result, 'head');
}
