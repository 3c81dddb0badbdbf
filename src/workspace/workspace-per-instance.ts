import type { RepoRef } from '../domain/repo-ref.js';
import type { Workspace } from './types.js';

/**
 * One {@link Workspace} over several, one per Gitea/Forgejo instance (each with that instance's
 * token only): every call goes to the workspace of `repo`'s instance, chosen by `pick`.
 */
export function workspacePerInstance(pick: (repo: RepoRef) => Workspace): Workspace {
  return {
    prepare: (repo, issueNumber, branch) => pick(repo).prepare(repo, issueNumber, branch),
    publish: (repo, worktree, message) => pick(repo).publish(repo, worktree, message),
    async removeWorktree(repo, issueNumber) {
      await pick(repo).removeWorktree?.(repo, issueNumber);
    },
  };
}
