import type { GitRunner } from './git-runner.js';
import { issueRepoConfigText, type IssueRepoConfig } from './issue-repo-config.js';
import type { IssueRepoGit } from './issue-repo-git.js';

/** Name of the file kugetsu keeps in an issue repository's `.git` to recognise it as its own. */
export const ISSUE_REPO_MARKER = 'kugetsu-issue-repo';

// Runs in the issue repository's worktree (inside the sandbox). $1 = the shared objects directory;
// stdin = the configuration. `.git` must be a real directory (an agent could have replaced it).
const RESET_SCRIPT = `set -eu
g=.git
if [ -L "$g" ] || [ ! -d "$g" ]; then echo "kugetsu: $PWD/.git is not a directory" >&2; exit 3; fi
rm -rf "$g/config" "$g/commondir" "$g/config.worktree" "$g/objects/info/alternates"
cat > "$g/config"
mkdir -p "$g/objects/info"
printf '%s\\n' "$1" > "$g/objects/info/alternates"
: > "$g/${ISSUE_REPO_MARKER}"
`;

/**
 * Puts back kugetsu's parts of an issue repository before kugetsu's git works in it:
 * 1. `.git/config` replaced by {@link issueRepoConfigText} (the agent's settings — hooks path,
 *    fsmonitor, filters, credential helpers, includes — are gone), `.git/commondir` and
 *    `.git/config.worktree` removed (they could point git at another repository or configuration),
 *    `objects/info/alternates` = the shared clone's `objects` directory, the marker file written;
 * 2. `refs/remotes/origin/*` made equal to the shared clone's (`originRefs` when the caller just
 *    read them, else `git for-each-ref` there; then one `git update-ref --stdin` transaction here;
 *    objects come through the alternates).
 * Throws the runners' `GitCommandError` (a `.git` that is not a directory exits 3 with a message).
 */
export async function syncIssueRepo(
  hostGit: GitRunner,
  clonePath: string,
  git: IssueRepoGit,
  objects: string,
  config: IssueRepoConfig,
  originRefs?: ReadonlyMap<string, string>,
): Promise<void> {
  await git.sh(RESET_SCRIPT, [objects], { input: issueRepoConfigText(config) });
  const wanted = originRefs ?? parseRefs((await hostGit.run(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/remotes/origin/'], { cwd: clonePath })).stdout);
  const current = parseRefs((await git.run(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/remotes/origin/'])).stdout);
  const lines: string[] = [];
  for (const [ref, sha] of wanted) if (current.get(ref) !== sha) lines.push(`update ${ref} ${sha}`);
  for (const ref of current.keys()) if (!wanted.has(ref)) lines.push(`delete ${ref}`);
  if (lines.length > 0) await git.run(['update-ref', '--stdin'], { input: `${lines.join('\n')}\n` });
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
