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

/**
 * True when commit `ancestor` (a full commit id) is reachable from `descendant`: their merge base
 * (`git merge-base`) is `ancestor` itself — every common ancestor of the two is then an ancestor
 * of `ancestor`, so it is the only best one. Not `merge-base --is-ancestor`, which prints nothing
 * (simple-git waits 50 ms after such a command); exit status 1 (no common ancestor) also means no.
 */
export async function isAncestor(git: GitRunner, cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  const { stdout, exitCode } = await git.run(['merge-base', ancestor, descendant], { cwd, okExitCodes: [0, 1] });
  return exitCode === 0 && stdout.trim() === ancestor;
}
