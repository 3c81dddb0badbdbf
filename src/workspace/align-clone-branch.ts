import type { RepoRef } from '../domain/repo-ref.js';
import { readCloneRefs, type CloneRefs } from './read-clone-refs.js';
import { isAncestor } from './rev-parse-ref.js';
import { WorkspaceError } from './types.js';
import { updateCloneRefs } from './update-clone-refs.js';
import type { WorkspaceContext } from './workspace-context.js';

/** The shared clone's refs for an issue's branch, after {@link alignCloneBranch}. */
export interface AlignedBranch {
  /** The commit the issue's branch starts from (now `refs/heads/<branch>` of the clone). */
  base: string;
  /** `refs/remotes/origin/<branch>`, when the branch was pushed. */
  remote: string | undefined;
  /** Every `refs/remotes/origin/*` (ref → commit id), for the issue repository. */
  origin: Map<string, string>;
}

/**
 * Reads the shared clone's refs (`readCloneRefs`, one host git command; unless the caller read
 * them, `known`) and sets
 * `refs/heads/<branch>` there — kugetsu's record of the branch, which also keeps its objects
 * reachable — to `origin/<branch>` when that exists (the pushed branch is the issue's state,
 * whichever worker pushed it), else keeps it, else creates it from `origin/<defaultBranch>`. A
 * record origin no longer contains (the branch was rewritten there) is kept under
 * `refs/kugetsu/superseded/<branch>`, so objects a reused worktree still points at stay reachable.
 * Both updates are one transaction (`updateCloneRefs`; none when nothing changes). Throws
 * {@link WorkspaceError} phase `worktree` when there is no branch to start from, else the runner's
 * `GitCommandError`. The caller holds the repository's lock, has fetched, and validated `branch`.
 */
export async function alignCloneBranch(ctx: WorkspaceContext, repo: RepoRef, clonePath: string, branch: string, known?: CloneRefs): Promise<AlignedBranch> {
  const refs = known ?? (await readCloneRefs(ctx.git, clonePath, branch));
  const { local, remote } = refs;
  let base = remote ?? local;
  const updates: string[] = [];
  if (remote && local && local !== remote && !(await isAncestor(ctx.git, clonePath, local, remote))) {
    updates.push(`update refs/kugetsu/superseded/${branch} ${local}`);
  }
  if (!base) {
    base = refs.origin.get(`refs/remotes/origin/${repo.defaultBranch}`);
    if (!base) {
      throw new WorkspaceError(
        'worktree',
        `origin of ${repo.owner}/${repo.name} has no branch ${repo.defaultBranch} to start ${branch} from; is the repository empty, or was its default branch renamed?`,
      );
    }
  }
  if (base !== local) updates.push(`update refs/heads/${branch} ${base}`);
  await updateCloneRefs(ctx.git, clonePath, updates);
  return { base, remote, origin: refs.origin };
}
