import type { IssueRepoConfig } from './issue-repo-config.js';
import type { IssueRepoGit } from './issue-repo-git.js';
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
 * `steps` there, all in one isolated process (`runIssueRepoScript`):
 * 1. `.git` must be a real directory (else the script exits 3 with a message); `.git/config`
 *    replaced by `issueRepoConfigText` (the agent's settings — hooks path, fsmonitor, filters,
 *    credential helpers, includes — are gone) before any git command of the script reads it,
 *    `.git/commondir` and `.git/config.worktree` removed (they could point git at another
 *    repository or configuration), `objects/info/alternates` = the shared clone's `objects`
 *    directory, the marker file written;
 * 2. `git for-each-ref refs/remotes/origin/` (section `refs`), then `steps.body` (which must not
 *    depend on `refs/remotes/origin/*`: they are brought up to date after it);
 * 3. `refs/remotes/origin/*` made equal to `wanted` (the shared clone's, as the caller just read
 *    them) with one `git update-ref --stdin` transaction — a second isolated process, run only when
 *    they differ; objects come through the alternates.
 * Every git command of the script gets the same hardened settings and environment as `git.run`.
 * Resolves with the script's sections (see {@link IssueRepoScriptResult}); throws the runner's
 * `GitCommandError`.
 */
export async function syncIssueRepo(
  git: IssueRepoGit,
  objects: string,
  config: IssueRepoConfig,
  wanted: ReadonlyMap<string, string>,
  steps?: SyncSteps,
): Promise<IssueRepoScriptResult> {
  const result = await runIssueRepoScript(git, {
    label: steps?.label ?? 'sync',
    objects,
    config,
    ...(steps?.vars ? { vars: steps.vars } : {}),
    body: `reset_repo "$objects" "$config"
section refs 0 git "$@" for-each-ref '--format=%(objectname) %(refname)' refs/remotes/origin/
${steps?.body ?? ''}`,
  });
  const current = parseRefs(sectionOf(result, 'refs').text);
  const lines: string[] = [];
  for (const [ref, sha] of wanted) if (current.get(ref) !== sha) lines.push(`update ${ref} ${sha}`);
  for (const ref of current.keys()) if (!wanted.has(ref)) lines.push(`delete ${ref}`);
  if (lines.length > 0) await git.run(['update-ref', '--stdin'], { input: `${lines.join('\n')}\n` });
  return result;
}

/** `<sha> <refname>` lines → map (symbolic `…/HEAD` entries left out). */
function parseRefs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40}(?:[0-9a-f]{24})?) (refs\/remotes\/origin\/\S+)$/.exec(line.trim());
    if (m && !m[2]!.endsWith('/HEAD')) out.set(m[2]!, m[1]!);
  }
  return out;
}
