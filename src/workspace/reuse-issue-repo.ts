import { catchUpIssueRepo, type CatchUp } from './catch-up-issue-repo.js';
import type { AlignedBranch } from './align-clone-branch.js';
import { GitCommandError } from './git-command-error.js';
import type { IssueRepoGit } from './issue-repo-git.js';
import type { OpenedIssueRepo } from './open-issue-repo.js';
import { WorkspaceError } from './types.js';
import type { WorkspaceContext } from './workspace-context.js';

/**
 * Finishes opening a reused issue repository at `path` from what `openIssueRepo` read there
 * (`opened`): HEAD must be `branch` (else {@link WorkspaceError} phase `worktree`: another branch
 * or a detached HEAD is checked out); an unborn branch (a conversion interrupted before its branch
 * was set) gets `aligned.base`, its files kept; a born one is brought up to origin's branch when
 * that exists ({@link catchUpIssueRepo}: fast-forwarded when clean, unpublished work set aside when
 * origin moved on, kept when only ahead; logged). Resolves with HEAD's commit when known without
 * another read (`knownHead`) and the catch-up. Every command runs through `git` (isolated). Throws
 * the runner's `GitCommandError` otherwise.
 */
export async function reuseIssueRepo(
  ctx: WorkspaceContext,
  git: IssueRepoGit,
  path: string,
  branch: string,
  aligned: AlignedBranch,
  opened: OpenedIssueRepo,
  repoName: string,
): Promise<{ knownHead: string | undefined; caughtUp: CatchUp | undefined }> {
  const head = opened.head.text;
  if (head !== `refs/heads/${branch}`) {
    const actual = head.startsWith('refs/heads/') ? `branch ${head.slice('refs/heads/'.length)}` : 'a detached HEAD';
    throw new WorkspaceError(
      'worktree',
      `worktree ${path} has ${actual} checked out instead of ${branch}; check out ${branch} in it or remove the worktree ` +
        '(/kugetsu reset; its uncommitted changes will be lost), then retry',
    );
  }
  const headRead = opened.commit;
  if (headRead.status > 1) throw new GitCommandError(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], headRead.status, opened.stderr.trim());
  if (headRead.status !== 0) {
    // A conversion interrupted before its branch was set: finish it, keeping the files.
    await git.run(['update-ref', `refs/heads/${branch}`, aligned.base]);
    await git.run(['reset', '--quiet', '--mixed']);
    return { knownHead: undefined, caughtUp: undefined };
  }
  const { remote } = aligned;
  if (!remote) return { knownHead: headRead.text, caughtUp: undefined };
  const caughtUp = await catchUpIssueRepo(git, remote, { name: ctx.botName, email: ctx.botEmail }, new Date(), headRead.text);
  if (caughtUp.kind === 'fast-forwarded') ctx.logger({ level: 'info', msg: 'fast-forwarded worktree to origin', repo: repoName, path, branch, to: remote });
  if (caughtUp.kind === 'set-aside') {
    ctx.logger({
      level: 'warn',
      msg: "origin's branch moved on: set aside this worktree's unpublished work and reset it to origin",
      repo: repoName,
      path,
      branch,
      ref: caughtUp.ref,
      sha: caughtUp.sha,
      to: remote,
    });
  }
  // A fast-forward or a hard reset moved HEAD to exactly origin's branch.
  const knownHead = caughtUp.kind === 'fast-forwarded' || caughtUp.kind === 'set-aside' ? caughtUp.to : headRead.text;
  return { knownHead, caughtUp };
}
