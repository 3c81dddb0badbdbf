import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { RepoRef } from '../domain/repo-ref.js';
import { alignCloneBranch } from './align-clone-branch.js';
import { explainGitFailure } from './explain-git-failure.js';
import { initIssueRepo } from './init-issue-repo.js';
import type { IssueDirKind } from './inspect-issue-dir.js';
import type { IssueRepoGit } from './issue-repo-git.js';
import { migrateLinkedWorktree } from './migrate-linked-worktree.js';
import { openIssueRepo } from './open-issue-repo.js';
import { parseCloneRefs } from './read-clone-refs.js';
import { reuseIssueRepo } from './reuse-issue-repo.js';
import { syncIssueRepo } from './sync-issue-repo.js';
import { WorkspaceError } from './types.js';
import type { WorkspaceContext } from './workspace-context.js';

/** What {@link checkoutIssueRepo} did. */
export interface CheckoutResult {
  /** True when the directory was made by this call (or was empty). */
  created: boolean;
  /** HEAD of the issue repository when the turn begins. */
  startSha: string;
  /** Unpublished work of a reused worktree set aside because origin's branch moved on (see `catchUpIssueRepo`). */
  setAside?: { ref: string; sha: string };
}

/**
 * Makes `path` — found to be `kind` (`inspectIssueDir`) — the issue's repository with `branch`
 * checked out, while or after `cloneReady` (the shared clone's fetch, see `ensureSharedClone`; the
 * caller's promise, awaited here in every case) settles:
 * 1. in the shared clone, once fetched, `refs/heads/<branch>` is aligned with origin's branch
 *    ({@link alignCloneBranch});
 * 2. a missing or empty `path` becomes a new repository (`git init`, objects borrowed from the
 *    shared clone, the branch at that commit, files checked out) — so a worker that never ran the
 *    issue rebuilds its worktree from the pushed branch; a worktree of the old layout
 *    (a `.git` file linking it to the shared clone) is turned into one, its files kept; an existing
 *    issue repository is reused: opened during the fetch ({@link openIssueRepo}: configuration
 *    rewritten, HEAD read; the clone's refs read and origin refs mirrored once the fetch is done,
 *    in the same isolated process, which sees the clone read-only) and brought up to
 *    `origin/<branch>` ({@link reuseIssueRepo});
 * 3. before any of its git steps there, kugetsu rewrites the repository's configuration and
 *    mirrors `origin/*` into it.
 * Every git command in the issue repository runs isolated (`ctx.issueGit`). Throws `cloneReady`'s
 * error when it rejects (before any other), else {@link WorkspaceError} phase `worktree` when `path`
 * holds something else, the repository has another branch checked out, origin has no default
 * branch, or git fails. The caller holds the repository's lock and has validated every input.
 */
export async function checkoutIssueRepo(
  ctx: WorkspaceContext,
  repo: RepoRef,
  clonePath: string,
  path: string,
  branch: string,
  kind: IssueDirKind,
  cloneReady: Promise<unknown>,
): Promise<CheckoutResult> {
  const objects = join(clonePath, 'objects');
  const repoName = `${repo.owner}/${repo.name}`;
  try {
    await removeLeftovers(path);
    const git = ctx.issueGit({ worktree: path, objects });
    const identity = { cloneUrl: repo.cloneUrl, branch, userName: ctx.botName, userEmail: ctx.botEmail };
    if (kind === 'repo') {
      // Opened while the shared clone fetches when the clone exists (its objects are what the
      // repository borrows, and a fetch only adds to them); origin refs mirrored once it is done.
      if (!(await isDirectory(clonePath))) await cloneReady;
      let failure: unknown;
      const fetched = cloneReady.then(
        () => true,
        (error: unknown) => {
          failure = error;
          return false;
        },
      );
      // The tracking kugetsu last wrote is the likely one; the script corrects it when not.
      const tracking = ctx.issueRefs.get(path)?.has(`refs/remotes/origin/${branch}`) ?? false;
      const viewing = ctx.issueGit({ worktree: path, objects, clone: clonePath });
      const opened = await openIssueRepo(viewing, objects, clonePath, { ...identity, tracking }, fetched);
      if (!opened) throw failure ?? new Error('the shared clone was not fetched');
      const { refs, odd } = parseCloneRefs(opened.cloneRefs, branch);
      const aligned = await alignCloneBranch(ctx, repo, clonePath, branch, odd ? undefined : refs);
      // A branch ref that is no commit itself: its peeled commit is what the repository must mirror.
      if (odd) await syncIssueRepo(git, objects, { ...identity, tracking: aligned.remote !== undefined }, aligned.origin);
      ctx.issueRefs.set(path, aligned.origin);
      const { knownHead, caughtUp } = await reuseIssueRepo(ctx, git, path, branch, aligned, opened, repoName);
      const startSha = knownHead ?? (await readHead(git));
      checkStart(path, startSha);
      return { created: false, startSha, ...(caughtUp?.kind === 'set-aside' ? { setAside: { ref: caughtUp.ref, sha: caughtUp.sha } } : {}) };
    }
    await cloneReady;
    const aligned = await alignCloneBranch(ctx, repo, clonePath, branch);
    const { base } = aligned;
    const config = { ...identity, tracking: aligned.remote !== undefined };
    // HEAD's commit as set by git init's script, so that it need not be read again.
    let knownHead: string | undefined;
    const init = async (dir: string, files: 'checkout' | 'keep') => {
      const head = await initIssueRepo(ctx.issueGit({ worktree: dir, objects }), objects, config, aligned.origin, base, files);
      if (head.status === 0) knownHead = head.text;
    };
    if (kind === 'missing' || kind === 'empty') {
      // Built beside the real path and renamed into place, so that a crash never leaves half a repository there.
      const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      await mkdir(tmp, { recursive: true });
      try {
        ctx.issueRefs.delete(path);
        await init(tmp, 'checkout');
        await rm(path, { recursive: true, force: true });
        await rename(tmp, path);
        ctx.issueRefs.set(path, aligned.origin);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      ctx.logger({ level: 'info', msg: 'created worktree', repo: repoName, path, branch, from: base });
    } else if (kind === 'linked') {
      // kugetsu's earlier layout: the files stay (uncommitted work shows as changes), the link goes.
      await migrateLinkedWorktree(path, clonePath);
      ctx.issueRefs.delete(path);
      await init(path, 'keep');
      ctx.issueRefs.set(path, aligned.origin);
      ctx.logger({ level: 'info', msg: 'converted worktree to an issue repository', repo: repoName, path, branch, from: base });
    } else {
      const what = kind === 'foreign' ? 'exists but is not a worktree kugetsu made (or its .git was removed)' : 'is not a directory';
      throw new WorkspaceError('worktree', `${path} ${what}; move it away or delete it (/kugetsu reset removes it), then retry`);
    }
    const startSha = knownHead ?? (await readHead(git));
    checkStart(path, startSha);
    return { created: kind === 'missing' || kind === 'empty', startSha };
  } catch (error) {
    if (error instanceof WorkspaceError) throw error;
    throw explainGitFailure('worktree', `could not prepare worktree ${path} on ${branch}`, error);
  }
}

/** HEAD's commit, or an empty string when unborn. */
async function readHead(git: IssueRepoGit): Promise<string> {
  return (await git.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okExitCodes: [0, 1] })).stdout.trim();
}

/** Throws {@link WorkspaceError} phase `worktree` when `startSha` is not a commit id. */
function checkStart(path: string, startSha: string): void {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(startSha)) throw new WorkspaceError('worktree', `worktree ${path} has no HEAD commit; remove it (/kugetsu reset) and retry`);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Removes `<path>.tmp-*` directories a crash left while creating the repository. */
async function removeLeftovers(path: string): Promise<void> {
  const prefix = `${basename(path)}.tmp-`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) if (name.startsWith(prefix)) await rm(join(dirname(path), name), { recursive: true, force: true });
}
