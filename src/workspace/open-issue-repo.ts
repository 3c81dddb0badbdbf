import { issueRepoConfigText, type IssueRepoConfig } from './issue-repo-config.js';
import type { IssueRepoGit } from './issue-repo-git.js';
import { runIssueRepoScript, sectionOf, type ScriptSection } from './issue-repo-script.js';
import { CLONE_REFS_FORMAT } from './read-clone-refs.js';

/** What {@link openIssueRepo} read. */
export interface OpenedIssueRepo {
  /** `git symbolic-ref --quiet HEAD`: status 0 and HEAD's branch (`refs/heads/…`), 1 and nothing when detached. */
  head: ScriptSection;
  /** `git rev-parse --verify --quiet HEAD^{commit}`: 0 and the commit, 1 and nothing when unborn, or git's failure status. */
  commit: ScriptSection;
  /** The shared clone's refs after the fetch: `git for-each-ref` output of `refs/heads/<branch>` and `refs/remotes/origin/` (see `parseCloneRefs`). */
  cloneRefs: string;
  /** The script's standard error (the failing command's message when `commit.status` > 1). */
  stderr: string;
}

// Exit status of the script when the caller's fetch failed (it closed stdin without a line).
const ABANDONED = 75;

// Mirrors the clone's origin refs: input is the clone's `<type> <sha> <ref>` lines, a line `@@`,
// then the issue repository's `[*] <type> <sha> <ref>` lines (its branch's among them). Prints `tracking` or `plain` (whether
// origin/<branch> is a commit in the clone), then the update-ref(1) --stdin lines that make the
// issue repository's refs/remotes/origin/* (symbolic …/HEAD left alone) the clone's commits.
const MIRROR = `/^@@$/ { mine = 1; next }
!mine && NF == 3 { if ($1 == "commit" && index($3, "refs/remotes/origin/") == 1 && $3 !~ /\\/HEAD$/) want[$3] = $2; if ($1 == "commit" && $3 == track) tracked = 1; next }
mine && NF >= 3 && index($NF, "refs/remotes/origin/") == 1 && $NF !~ /\\/HEAD$/ { have[$NF] = $(NF - 1) }
END {
  print (tracked ? "tracking" : "plain")
  for (r in want) if (!(r in have) || have[r] != want[r]) print "update " r " " want[r]
  for (r in have) if (!(r in want)) print "delete " r
}`;

// After the reset: one for-each-ref of the issue's branch (marked `*` when HEAD is on it: then that
// line is HEAD's branch and commit) and origin refs; HEAD read the long way when the branch is
// not HEAD's, unborn, or not a commit (the sections then tell what is wrong). Then the script waits
// for the caller's `go` on stdin (the fetch is done), reads the clone's refs (printed for the
// caller), rewrites the configuration when its tracking guess was wrong, and applies the difference.
const BODY = `reset_repo "$objects" "$config"
nl='
'
mine=$(git "$@" for-each-ref '--format=%(HEAD) %(objecttype) %(objectname) %(refname)' "refs/heads/$branch" refs/remotes/origin/)
first=\${mine%%"$nl"*}
case "$first" in
"* commit "*" refs/heads/$branch") c=\${first#"* commit "}; printf '@@kugetsu head 0\nrefs/heads/%s\n@@kugetsu commit 0\n%s\n' "$branch" "\${c%% *}" ;;
*)
  section head 1 git "$@" symbolic-ref --quiet HEAD
  section commit 255 git "$@" rev-parse --verify --quiet 'HEAD^{commit}'
  ;;
esac
IFS= read -r go || exit ${ABANDONED}
[ "$go" = go ] || exit ${ABANDONED}
section clone 0 git "$@" "--git-dir=$clone" for-each-ref '${CLONE_REFS_FORMAT}' "refs/heads/$branch" refs/remotes/origin/
theirs=$o
tx=$(printf '%s\\n@@\\n%s\\n' "$theirs" "$mine" | awk -v "track=refs/remotes/origin/$branch" "$mirror")
t=\${tx%%"$nl"*}
case "$tx" in *"$nl"*) tx=\${tx#*"$nl"} ;; *) tx= ;; esac
if [ "$t" != "$written" ]; then rm -rf "$g/config"; printf '%s' "$config_alt" > "$g/config"; fi
if [ -n "$tx" ]; then printf '%s\\n' "$tx" | git "$@" update-ref --no-deref --stdin; fi
`;

/**
 * Opens a reused issue repository for a turn while the caller still fetches the shared clone at
 * `clone`: one isolated process (`runIssueRepoScript`; `git`'s view must show `clone` read-only)
 * that, at once,
 * 1. puts back kugetsu's parts (`reset_repo`: `.git` a real directory, `.git/config` replaced by
 *    `issueRepoConfigText(config)` before any git command reads the repository, `commondir` and
 *    `config.worktree` removed, the alternates and the marker written);
 * 2. reads HEAD's branch and commit (`head`, `commit`) and the repository's `refs/remotes/origin/*`;
 * then waits until `fetched` resolves (true: the fetch is done; it must never reject) and
 * 3. reads the clone's refs (`git --git-dir=<clone> for-each-ref`, printed as `cloneRefs`: the
 *    clone is kugetsu's, the issue repository plays no part in that command);
 * 4. rewrites the configuration once more when the branch's tracking (`config.tracking`, a guess)
 *    is wrong — origin/<branch> is a commit in the clone or not;
 * 5. makes `refs/remotes/origin/*` the clone's (commits only, symbolic `…/HEAD` left alone) with one
 *    `git update-ref --no-deref --stdin` of the differences (none when there is none; a symbolic ref
 *    the agent made there is replaced, never followed).
 * Step 2 does not depend on the fetch (the commits it reads come through the alternates, and a
 * fetch only adds objects), so it runs during the fetch; no agent runs between the steps.
 * Every git command gets the same hardened settings and environment as `git.run`.
 * Resolves `undefined` when `fetched` resolved false (the caller's fetch failed; whatever the
 * script did); else the reads. Throws the runner's `GitCommandError` (a script failure, e.g. exit
 * 3 when `.git` is not a directory).
 */
export async function openIssueRepo(git: IssueRepoGit, objects: string, clone: string, config: IssueRepoConfig, fetched: Promise<boolean>): Promise<OpenedIssueRepo | undefined> {
  const input = fetched.then(
    (ok) => (ok ? 'go\n' : ''),
    () => '',
  );
  const [script, done] = await Promise.allSettled([
    runIssueRepoScript(git, {
      label: 'open',
      objects,
      config,
      vars: {
        clone,
        branch: config.branch,
        written: config.tracking ? 'tracking' : 'plain',
        config_alt: issueRepoConfigText({ ...config, tracking: !config.tracking }),
        mirror: MIRROR,
      },
      body: BODY,
      input,
    }),
    fetched,
  ]);
  if (done.status !== 'fulfilled' || !done.value) return undefined;
  if (script.status === 'rejected') throw script.reason;
  const result = script.value;
  return { head: sectionOf(result, 'head'), commit: sectionOf(result, 'commit'), cloneRefs: sectionOf(result, 'clone').text, stderr: result.stderr };
}
