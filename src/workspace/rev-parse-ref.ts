import type { GitRunner } from './git-runner.js';

/**
 * The commit a full ref name (e.g. `refs/remotes/origin/main`, or `HEAD`) points at, or
 * `undefined` when it does not exist. `ref` must be a validated, fully spelled ref (never user text
 * starting with `-`). Throws the runner's GitCommandError for other failures.
 */
export async function revParseRef(git: GitRunner, cwd: string, ref: string): Promise<string | undefined> {
  const { stdout, exitCode } = await git.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    cwd,
    okExitCodes: [0, 1],
  });
  return exitCode === 0 ? stdout.trim() : undefined;
}

/** True when commit `ancestor` is reachable from `descendant` (`git merge-base --is-ancestor`). */
export async function isAncestor(git: GitRunner, cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  const { exitCode } = await git.run(['merge-base', '--is-ancestor', ancestor, descendant], { cwd, okExitCodes: [0, 1] });
  return exitCode === 0;
}
