import type { GitRunner } from './git-runner.js';

/**
 * Applies `commands` (`update <ref> <commit>` / `delete <ref>` lines of git-update-ref(1)'s
 * `--stdin` syntax; refs and commit ids validated by the caller) to the shared clone at
 * `clonePath` as one transaction: all or none. The transaction is spelled with `start` and
 * `commit`, for which git prints `start: ok` / `commit: ok` (git ≥ 2.27) — a plain `update-ref`
 * prints nothing, and simple-git waits 50 ms after any command that printed nothing. Throws the
 * runner's `GitCommandError`.
 */
export async function updateCloneRefs(git: GitRunner, clonePath: string, commands: readonly string[]): Promise<void> {
  if (commands.length === 0) return;
  await git.run(['update-ref', '--stdin'], { cwd: clonePath, input: `start\n${commands.join('\n')}\ncommit\n` });
}
