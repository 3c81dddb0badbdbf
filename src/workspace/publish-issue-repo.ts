import { lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { repoLabel, type RepoRef } from '../domain/repo-ref.js';
import { redactUrl } from './clone-url.js';
import { explainGitFailure } from './explain-git-failure.js';
import { sectionOf } from './issue-repo-script.js';
import { readCloneRefs } from './read-clone-refs.js';
import { revParseRef } from './rev-parse-ref.js';
import { syncIssueRepo } from './sync-issue-repo.js';
import { updateCloneRefs } from './update-clone-refs.js';
import { WorkspaceError, type PreparedWorktree, type PublishResult } from './types.js';
import type { WorkspaceContext } from './workspace-context.js';

/** Commit message used when the caller gives an empty one. */
export const DEFAULT_COMMIT_MESSAGE = 'kugetsu: changes left by the agent';

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

// Run by syncIssueRepo after the reset: stage everything; commit when anything is staged (diff
// status 1; above 1 stops the script); HEAD's commit; the commits since the turn began.
const STAGE_STEPS = `git "$@" add --all -- .
section staged 1 git "$@" diff --cached --quiet --ignore-submodules=dirty
if [ "$s" = 1 ]; then git "$@" -c "user.name=$name" -c "user.email=$email" commit --quiet --no-verify "--message=$message"; fi
section head 0 git "$@" rev-parse --verify 'HEAD^{commit}'
section count 0 git "$@" rev-list --count "$start..$o" --
`;

/**
 * Commits what the agent left uncommitted and pushes the branch, without running anything the
 * agent planted and with the token only in the push:
 * 1. the shared clone's origin refs read (`readCloneRefs`, one host git command); in the issue
 *    repository, isolated (`ctx.issueGit`: the sandbox, no token, hardened settings) and in one
 *    process after its configuration was rewritten ({@link syncIssueRepo}): `git add --all -- .`;
 *    when anything is staged, `git commit --no-verify` as the bot identity; HEAD and
 *    `newCommits` = `git rev-list --count <startSha>..HEAD`; its origin refs brought up to date;
 * 2. when there are new commits: the commits the shared clone lacks are written as a bundle
 *    (`git bundle create <file> HEAD --not --remotes=origin`) into a kugetsu-owned scratch dir,
 *    and the shared clone fetches them from it as plain objects (`transfer.fsckObjects=true`) into
 *    `refs/kugetsu/incoming/<branch>` — kugetsu's git never runs in the issue repository itself;
 * 3. the shared clone pushes `<head>:refs/heads/<branch>` (no force, `--no-verify`, hardened, the
 *    token as a header of this one command), records the branch in `refs/heads/<branch>`, and the
 *    issue repository's `origin/*` is brought up to date.
 * Throws {@link WorkspaceError} phase `commit` (steps 1–2) or `push` (3). The caller holds the
 * repository's lock and has validated the repository, the branch and the worktree path.
 */
export async function publishIssueRepo(ctx: WorkspaceContext, repo: RepoRef, clonePath: string, worktree: PreparedWorktree, message: string): Promise<PublishResult> {
  const cwd = worktree.path;
  const objects = join(clonePath, 'objects');
  const git = ctx.issueGit({ worktree: cwd, objects });
  const config = { cloneUrl: repo.cloneUrl, branch: worktree.branch, userName: ctx.botName, userEmail: ctx.botEmail };
  const incoming = `refs/kugetsu/incoming/${worktree.branch}`;
  let committed: boolean;
  let headSha: string;
  let newCommits: number;
  let missing: number;
  let origin: Map<string, string>;
  try {
    const refs = await readCloneRefs(ctx.git, clonePath, worktree.branch);
    origin = refs.origin;
    const text = message.trim() === '' ? DEFAULT_COMMIT_MESSAGE : message;
    const staged = await syncIssueRepo(git, objects, { ...config, tracking: refs.remote !== undefined }, origin, {
      known: ctx.issueRefs.get(cwd),
      steps: { label: 'stage', vars: { start: worktree.startSha, message: text, name: ctx.botName, email: ctx.botEmail }, body: STAGE_STEPS },
    });
    ctx.issueRefs.set(cwd, origin);
    committed = sectionOf(staged, 'staged').status === 1;
    headSha = sectionOf(staged, 'head').text;
    if (!SHA.test(headSha)) throw new Error(`worktree ${cwd} has no HEAD commit`);
    newCommits = Number.parseInt(sectionOf(staged, 'count').text, 10);
    // After syncIssueRepo brought refs/remotes/origin/* up to date.
    missing = newCommits === 0 ? 0 : Number.parseInt((await git.run(['rev-list', '--count', headSha, '--not', '--remotes=origin', '--'])).stdout.trim(), 10);
  } catch (error) {
    throw explainGitFailure('commit', `could not commit the agent's changes in ${cwd}`, error);
  }
  if (committed) ctx.logger({ level: 'info', msg: 'committed leftover changes', repo: repoLabel(repo), headSha });
  if (newCommits === 0) return { committed, newCommits, pushed: false, headSha };

  if (missing > 0) await takeCommits(ctx, cwd, clonePath, incoming, headSha);
  try {
    // --verbose, not --quiet: git then always prints (simple-git waits 50 ms after a silent
    // command); on failure it prints what --quiet would, after a "Pushing to" line.
    await ctx.git.run(['push', '--verbose', '--no-verify', '--', 'origin', `${headSha}:refs/heads/${worktree.branch}`], { cwd: clonePath, remoteUrl: repo.cloneUrl });
  } catch (error) {
    throw explainGitFailure('push', `could not push ${worktree.branch} to ${redactUrl(repo.cloneUrl)}`, error);
  }
  try {
    await updateCloneRefs(ctx.git, clonePath, [`update refs/heads/${worktree.branch} ${headSha}`, ...(missing > 0 ? [`delete ${incoming}`] : [])]);
    // The push also moved the shared clone's refs/remotes/origin/<branch> (origin's fetch refspec
    // maps it; git-push(1)); the rest of origin's refs are as read above, under the same lock.
    const pushed = new Map(origin).set(`refs/remotes/origin/${worktree.branch}`, headSha);
    await syncIssueRepo(git, objects, { ...config, tracking: true }, pushed, { known: origin });
    ctx.issueRefs.set(cwd, pushed);
  } catch (error) {
    // The push happened; a stale record is repaired by the next prepare.
    ctx.logger({
      level: 'warn',
      msg: 'pushed, but could not record the branch',
      repo: repoLabel(repo),
      error: error instanceof Error ? error.message : String(error),
    });
  }
  ctx.logger({ level: 'info', msg: 'pushed branch', repo: repoLabel(repo), branch: worktree.branch, newCommits, headSha });
  return { committed, newCommits, pushed: true, headSha };
}

/**
 * The commits of `headSha` the shared clone lacks: bundled in the issue repository (isolated, the
 * scratch dir its only other writable place) and fetched by the shared clone into `incoming`,
 * which must then point at `headSha`. Throws {@link WorkspaceError} phase `commit`.
 */
async function takeCommits(ctx: WorkspaceContext, worktree: string, clonePath: string, incoming: string, headSha: string): Promise<void> {
  const parent = join(ctx.stateDir, 'tmp');
  await mkdir(parent, { recursive: true });
  const scratch = await mkdtemp(join(parent, 'publish-'));
  const bundle = join(scratch, 'turn.bundle');
  try {
    const git = ctx.issueGit({ worktree, objects: join(clonePath, 'objects'), scratch });
    await git.run(['bundle', 'create', '--quiet', bundle, 'HEAD', '--not', '--remotes=origin']);
    const file = await lstat(bundle);
    if (!file.isFile()) throw new Error(`${bundle} is not a regular file`);
    // --verbose: git then always prints, so simple-git does not wait 50 ms after it.
    await ctx.git.run(['-c', 'transfer.fsckObjects=true', 'fetch', '--verbose', '--no-tags', '--no-write-fetch-head', '--', bundle, `+HEAD:${incoming}`], { cwd: clonePath });
    const got = await revParseRef(ctx.git, clonePath, incoming);
    if (got !== headSha) throw new Error(`the bundle brought ${got ?? 'nothing'}, not the worktree's HEAD ${headSha}`);
  } catch (error) {
    throw explainGitFailure('commit', `could not take the agent's commits from ${worktree} into the shared clone`, error);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
