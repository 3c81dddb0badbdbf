import { isSafeRepoRef, type RepoRef } from '../domain/repo-ref.js';
import { cloneUrlKind, redactUrl } from './clone-url.js';
import { isSafeBranchName } from './safe-branch-name.js';
import { WorkspaceError } from './types.js';

/**
 * Checks everything user-controlled before any path or git argument is built from it, and throws
 * a {@link WorkspaceError} naming the bad value:
 * - phase `clone`: owner/name not `isSafeRepoRef` (e.g. `--upload-pack=x`, `..`, `a/b`), or a
 *   clone URL that is not `https://`, `http://`, `file://` or an absolute path, or a default
 *   branch that is not a safe branch name;
 * - phase `worktree`: an issue number that is not a positive safe integer, or a branch that is not
 *   {@link isSafeBranchName} (e.g. `-x`, `a..b`).
 * `issueNumber` and `branch` are only checked when given.
 */
export function assertSafeTarget(repo: RepoRef, issueNumber?: number, branch?: string): void {
  if (!isSafeRepoRef(repo)) {
    throw new WorkspaceError(
      'clone',
      `refusing repository ${JSON.stringify(`${repo.owner}/${repo.name}`)}: owner and name may only use letters, digits, "_", "-" and "." and may not start with "-" or "."`,
    );
  }
  if (cloneUrlKind(repo.cloneUrl) === undefined) {
    throw new WorkspaceError(
      'clone',
      `refusing clone URL ${JSON.stringify(redactUrl(repo.cloneUrl))} of ${repo.owner}/${repo.name}: ` +
        'only https://, http://, file:// URLs and absolute paths without credentials in them are supported ' +
        "(kugetsu sends GITEA_TOKEN itself; check the repository's clone URL in Gitea's [server] ROOT_URL)",
    );
  }
  if (!isSafeBranchName(repo.defaultBranch)) {
    throw new WorkspaceError('clone', `refusing default branch ${JSON.stringify(repo.defaultBranch)} of ${repo.owner}/${repo.name}: not a plain branch name`);
  }
  if (issueNumber !== undefined && !(Number.isSafeInteger(issueNumber) && issueNumber > 0)) {
    throw new WorkspaceError('worktree', `refusing issue number ${String(issueNumber)}: must be a positive integer`);
  }
  if (branch !== undefined && !isSafeBranchName(branch)) {
    throw new WorkspaceError(
      'worktree',
      `refusing branch ${JSON.stringify(branch)}: a branch name may only use letters, digits, "_", "-", "." and "/", ` +
        'may not start with "-" or "/", and may not contain "..", "//" or a component starting with "."',
    );
  }
}
