import { rm } from 'node:fs/promises';
import { pathExists } from './path-exists.js';
import { explainGitFailure } from './explain-git-failure.js';
import type { WorkspaceContext } from './workspace-context.js';

/**
 * Removes an issue's worktree: `git worktree remove --force -- <path>` when the shared clone
 * exists and the directory is still there, then deletes whatever is left of the directory and runs
 * `git worktree prune`. The local branch (and any unpushed commits on it) is kept in the shared
 * clone. Returns whether a directory was removed. Throws {@link WorkspaceError} phase `worktree`.
 * The caller holds the repository's lock; `path` was built from validated inputs.
 */
export async function removeWorktreeAt(ctx: WorkspaceContext, clonePath: string, path: string): Promise<boolean> {
  const hadDir = await pathExists(path);
  const hasClone = await pathExists(clonePath);
  try {
    if (hasClone && hadDir) {
      await ctx.git.run(['worktree', 'remove', '--force', '--', path], { cwd: clonePath, okExitCodes: [0, 128] });
    }
    await rm(path, { recursive: true, force: true });
    if (hasClone) await ctx.git.run(['worktree', 'prune'], { cwd: clonePath });
  } catch (error) {
    throw explainGitFailure('worktree', `could not remove worktree ${path}`, error);
  }
  if (hadDir) ctx.logger({ level: 'info', msg: 'removed worktree', path });
  return hadDir;
}
