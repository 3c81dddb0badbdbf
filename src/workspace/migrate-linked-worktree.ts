import { readFile, rm, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Detaches a worktree of kugetsu's earlier layout (a `git worktree` of the shared clone, `.git` a
 * file `gitdir: <clonePath>/worktrees/<name>`) so that it can become an issue repository: removes
 * the `.git` file and the registration directory in the shared clone (the branch ref stays there).
 * The files in the worktree are kept. Only a registration directly under `<clonePath>/worktrees/`
 * is removed. Throws the fs error.
 */
export async function migrateLinkedWorktree(path: string, clonePath: string): Promise<void> {
  const text = await readFile(join(path, '.git'), 'utf8');
  const target = /^gitdir: (.+)$/m.exec(text)?.[1]?.trim();
  if (target && dirname(resolve(target)) === join(clonePath, 'worktrees')) await rm(resolve(target), { recursive: true, force: true });
  await unlink(join(path, '.git'));
}
