import type { IssueRepoConfig } from './issue-repo-config.js';
import type { IssueRepoGit } from './issue-repo-git.js';
import { fixOriginRefs, guessTransaction } from './origin-refs-sync.js';
import { runIssueRepoScript, sectionOf, type IssueRepoScriptResult } from './issue-repo-script.js';

/** More steps for {@link syncIssueRepo}'s isolated process, after the repository was reset and its refs read. */
export interface SyncSteps {
  /** Name in logs and errors, e.g. `open` (checkout) or `stage` (publish). */
  label: string;
  /** Shell variables the steps read (see `runIssueRepoScript`). */
  vars?: Record<string, string>;
  /** Shell text: its git commands are `git "$@" …`; what the caller needs is printed with `section`. */
  body: string;
}

/**
 * Puts back kugetsu's parts of an issue repository before kugetsu's git works in it, and runs
 * `options.steps` there, all in one isolated process (`runIssueRepoScript`):
 * 1. `.git` must be a real directory (else the script exits 3 with a message); `.git/config`
 *    replaced by `issueRepoConfigText` (the agent's settings — hooks path, fsmonitor, filters,
 *    credential helpers, includes — are gone) before any git command of the script reads it,
 *    `.git/commondir` and `.git/config.worktree` removed (they could point git at another
 *    repository or configuration), `objects/info/alternates` = the shared clone's `objects`
 *    directory, the marker file written;
 * 2. when `options.known` (the origin refs kugetsu last left there, `ctx.issueRefs`) differs from
 *    `wanted`: one `git update-ref --stdin` transaction from `known` to `wanted` in which every
 *    change names the value it expects (`create`, `update <new> <old>`, `delete <old>`), so it
 *    applies all or nothing, and nothing when the agent changed any of those refs;
 * 3. `git for-each-ref refs/remotes/origin/` (section `refs`), then `options.steps.body`;
 * 4. the refs read in 3 compared with `wanted` (the shared clone's, as the caller just read them):
 *    any difference left (no `known`, a stale guess, refs the agent added or moved) is written by
 *    one more `git update-ref --stdin` — a second isolated process. So afterwards
 *    `refs/remotes/origin/*` equals `wanted` whatever `known` said; objects come through the
 *    alternates. The steps must not depend on those refs (they may be fixed only after them).
 * Every git command of the script gets the same hardened settings and environment as `git.run`.
 * Resolves with the script's sections (see {@link IssueRepoScriptResult}); throws the runner's
 * `GitCommandError`.
 */
export async function syncIssueRepo(
  git: IssueRepoGit,
  objects: string,
  config: IssueRepoConfig,
  wanted: ReadonlyMap<string, string>,
  options: { known?: ReadonlyMap<string, string> | undefined; steps?: SyncSteps } = {},
): Promise<IssueRepoScriptResult> {
  const { known, steps } = options;
  const guess = guessTransaction(known, wanted);
  const result = await runIssueRepoScript(git, {
    label: steps?.label ?? 'sync',
    objects,
    config,
    vars: { ...steps?.vars, guess: guess.length > 0 ? '1' : '' },
    // A failed guess is no error: the refs are read right after it and fixed below.
    body: `reset_repo "$objects" "$config"
if [ -n "$guess" ]; then git "$@" update-ref --stdin 2>/dev/null || :; fi
section refs 0 git "$@" for-each-ref '--format=%(objectname) %(refname)' refs/remotes/origin/
${steps?.body ?? ''}`,
    ...(guess.length > 0 ? { input: `${guess.join('\n')}\n` } : {}),
  });
  await fixOriginRefs(git, sectionOf(result, 'refs').text, wanted);
  return result;
}
