import { rm } from 'node:fs/promises';
import { pathExists } from './path-exists.js';
import { explainGitFailure } from './explain-git-failure.js';
import type { WorkspaceContext } from './workspace-context.js';

/**
 * Removes an issue's worktree (its repository with it) and its agent dir (the agent's home, e.g.
 * opencode's sessions), then runs `git worktree prune` in the shared clone (which forgets a
 * worktree of kugetsu's earlier layout). Directories are deleted without following symlinks.
 * The branch ref in the shared clone (what was pushed) is kept; commits that were never pushed go
 * with the worktree. Returns whether a worktree directory was removed. Throws
 * {@link WorkspaceError} phase `worktree`. The caller holds the repository's lock; the paths were
 * built from validated inputs.
 */
export async function removeWorktreeAt(ctx: WorkspaceContext, clonePath: string, path: string, agentDir: string): Promise<boolean> {
  const hadDir = await pathExists(path);
  ctx.issueRefs.delete(path);
  try {
    await rm(path, { recursive: true, force: true });
    await rm(agentDir, { recursive: true, force: true });
    if (await pathExists(clonePath)) await ctx.git.run(['worktree', 'prune'], { cwd: clonePath });
  } catch (error) {
    throw explainGitFailure('worktree', `could not remove worktree ${path}`, error);
  }
  if (hadDir) ctx.logger({ level: 'info', msg: 'removed worktree', path });
  return hadDir;
}
