import { issueRepoConfigText, type IssueRepoConfig } from './issue-repo-config.js';
import type { IssueRepoGit } from './issue-repo-git.js';
import { runIssueRepoScript, sectionOf, type ScriptSection } from './issue-repo-script.js';
import { fixOriginRefs, guessTransaction } from './origin-refs-sync.js';

/** What the caller learns from the shared clone, once fetched, for {@link openIssueRepo}. */
export interface OpenTarget {
  /** The shared clone's `refs/remotes/origin/*` (ref → commit id): what the issue repository's must become. */
  refs: ReadonlyMap<string, string>;
  /** Whether `origin/<branch>` exists, so the branch tracks it (`IssueRepoConfig.tracking`). */
  tracking: boolean;
}

/** What {@link openIssueRepo} read in the issue repository. */
export interface OpenedIssueRepo {
  /** `git symbolic-ref --quiet HEAD`: status 0 and HEAD's branch (`refs/heads/…`), 1 and nothing when detached. */
  head: ScriptSection;
  /** `git rev-parse --verify --quiet HEAD^{commit}`: 0 and the commit, 1 and nothing when unborn, or git's failure status. */
  commit: ScriptSection;
  /** The script's standard error (the failing command's message when `commit.status` > 1). */
  stderr: string;
  /** The target the caller gave. */
  target: OpenTarget;
}

// Exit status of the script when the caller gave no target (it closed stdin without a line).
const ABANDONED = 75;

// After the reset, HEAD's branch and commit; then the script waits for the caller's line on stdin
// (`keep|alt 0|1`: whether the configuration's tracking must change, whether a guessed ref
// transaction follows), and after it reads the origin refs. A failed guess is no error: the refs
// are read right after it and fixed by the caller.
const BODY = `reset_repo "$objects" "$config"
section head 1 git "$@" symbolic-ref --quiet HEAD
section commit 255 git "$@" rev-parse --verify --quiet 'HEAD^{commit}'
IFS=' ' read -r which guess || exit ${ABANDONED}
if [ "$which" = alt ]; then rm -rf "$g/config"; printf '%s' "$config_alt" > "$g/config"; fi
if [ "$guess" = 1 ]; then git "$@" update-ref --stdin 2>/dev/null || :; fi
section refs 0 git "$@" for-each-ref '--format=%(objectname) %(refname)' refs/remotes/origin/
`;

/**
 * Opens a reused issue repository for a turn while the caller still fetches the shared clone: one
 * isolated process (`runIssueRepoScript`) that, at once,
 * 1. puts back kugetsu's parts (`reset_repo`: `.git` a real directory, `.git/config` replaced by
 *    `issueRepoConfigText(config)` before any git command reads the repository, `commondir` and
 *    `config.worktree` removed, the alternates and the marker written);
 * 2. reads HEAD's branch and commit (`head`, `commit`);
 * then waits for `target` (the caller resolves it once the clone was fetched and its refs read; it
 * must never reject) and
 * 3. rewrites the configuration once more when `target.tracking` is not `config.tracking`;
 * 4. moves `refs/remotes/origin/*` from `known` (what kugetsu last left there, `ctx.issueRefs`) to
 *    `target.refs` in one transaction that names every expected old value (`guessTransaction`:
 *    nothing applies when the agent changed any of them), then lists them;
 * after which any difference left is fixed by one more isolated process (`fixOriginRefs`), so
 * `refs/remotes/origin/*` equals `target.refs` whatever `known` said. The reads of step 2 never
 * depend on the shared clone's refs, and objects come through the alternates (a fetch only adds
 * objects), so they may run during the fetch. Every git command gets the same hardened settings and
 * environment as `git.run`.
 * Resolves `undefined` when `target` resolved `undefined` (the caller's fetch failed; whatever the
 * script did); else the reads. Throws the runner's `GitCommandError` (a script failure, e.g. exit
 * 3 when `.git` is not a directory).
 */
export async function openIssueRepo(
  git: IssueRepoGit,
  objects: string,
  config: IssueRepoConfig,
  target: Promise<OpenTarget | undefined>,
  known: ReadonlyMap<string, string> | undefined,
): Promise<OpenedIssueRepo | undefined> {
  const input = target.then(
    (t) => {
      if (!t) return '';
      const guess = guessTransaction(known, t.refs);
      return `${t.tracking === config.tracking ? 'keep' : 'alt'} ${guess.length > 0 ? 1 : 0}\n${guess.map((line) => `${line}\n`).join('')}`;
    },
    () => '',
  );
  const [script, given] = await Promise.allSettled([
    runIssueRepoScript(git, { label: 'open', objects, config, vars: { config_alt: issueRepoConfigText({ ...config, tracking: !config.tracking }) }, body: BODY, input }),
    target,
  ]);
  const t = given.status === 'fulfilled' ? given.value : undefined;
  if (!t) return undefined;
  if (script.status === 'rejected') throw script.reason;
  const result = script.value;
  await fixOriginRefs(git, sectionOf(result, 'refs').text, t.refs);
  return { head: sectionOf(result, 'head'), commit: sectionOf(result, 'commit'), stderr: result.stderr, target: t };
}
