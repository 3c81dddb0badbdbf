import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { RepoRef } from '../domain/repo-ref.js';
import { explainGitFailure } from './explain-git-failure.js';
import { inspectIssueDir } from './inspect-issue-dir.js';
import { catchUpIssueRepo, type CatchUp } from './catch-up-issue-repo.js';
import { migrateLinkedWorktree } from './migrate-linked-worktree.js';
import { readCloneRefs } from './read-clone-refs.js';
import { isAncestor } from './rev-parse-ref.js';
import { GitCommandError } from './git-command-error.js';
import { initIssueRepo } from './init-issue-repo.js';
import { sectionOf } from './issue-repo-script.js';
import { syncIssueRepo } from './sync-issue-repo.js';
import { updateCloneRefs } from './update-clone-refs.js';
import { WorkspaceError } from './types.js';
import type { WorkspaceContext } from './workspace-context.js';

// Run by syncIssueRepo after the reset, for a reused repository: HEAD's branch (status 1 and no
// output when detached; above 1 stops the script) and HEAD's commit (status 0 and the id, 1 and
// nothing when unborn; any status is reported, checked only when HEAD is the issue's branch).
const OPEN_STEPS = `section head 1 git "$@" symbolic-ref --quiet HEAD
section commit 255 git "$@" rev-parse --verify --quiet 'HEAD^{commit}'
`;

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
 * Makes `path` the issue's repository with `branch` checked out, after the shared clone was fetched:
 * 1. in the shared clone, `refs/heads/<branch>` (kugetsu's record of the branch, which also keeps
 *    its objects reachable) is set to `origin/<branch>` when that exists (the pushed branch is the
 *    issue's state, whichever worker pushed it), else kept, else created from
 *    `origin/<defaultBranch>`;
 * 2. a missing or empty `path` becomes a new repository (`git init`, objects borrowed from the
 *    shared clone, the branch at that commit, files checked out) — so a worker that never ran the
 *    issue rebuilds its worktree from the pushed branch; a worktree of the old layout
 *    (a `.git` file linking it to the shared clone) is turned into one, its files kept; an existing
 *    issue repository is reused and brought up to `origin/<branch>` ({@link catchUpIssueRepo}:
 *    fast-forwarded when clean, its unpublished work set aside on a local ref when origin moved on,
 *    kept when it is only ahead);
 * 3. before any of its git steps there, kugetsu rewrites the repository's configuration and
 *    mirrors `origin/*` into it (see {@link syncIssueRepo}).
 * Every git command in the issue repository runs isolated (`ctx.issueGit`). Throws
 * {@link WorkspaceError} phase `worktree` when `path` holds something else, the repository has
 * another branch checked out, origin has no default branch, or git fails. The caller holds the
 * repository's lock and has validated every input.
 */
export async function checkoutIssueRepo(ctx: WorkspaceContext, repo: RepoRef, clonePath: string, path: string, branch: string): Promise<CheckoutResult> {
  const host = ctx.git;
  const objects = join(clonePath, 'objects');
  const repoName = `${repo.owner}/${repo.name}`;
  try {
    // kugetsu's branch, origin's and every origin ref (for the issue repository) in one git command.
    const refs = await readCloneRefs(host, clonePath, branch);
    const { local, remote } = refs;
    // The pushed branch is the issue's state (any worker may have pushed the last turn): origin's
    // branch wins over kugetsu's record of it. A record origin no longer contains (the branch was
    // rewritten there) is kept under refs/kugetsu/superseded/, so objects a reused worktree still
    // points at stay reachable in the shared clone.
    let base = remote ?? local;
    const cloneUpdates: string[] = [];
    if (remote && local && local !== remote && !(await isAncestor(host, clonePath, local, remote))) {
      cloneUpdates.push(`update refs/kugetsu/superseded/${branch} ${local}`);
    }
    if (!base) {
      base = refs.origin.get(`refs/remotes/origin/${repo.defaultBranch}`);
      if (!base) {
        throw new WorkspaceError(
          'worktree',
          `origin of ${repoName} has no branch ${repo.defaultBranch} to start ${branch} from; is the repository empty, or was its default branch renamed?`,
        );
      }
    }
    if (base !== local) cloneUpdates.push(`update refs/heads/${branch} ${base}`);
    await updateCloneRefs(host, clonePath, cloneUpdates);

    const git = ctx.issueGit({ worktree: path, objects });
    const config = { cloneUrl: repo.cloneUrl, branch, tracking: remote !== undefined, userName: ctx.botName, userEmail: ctx.botEmail };
    const kind = await inspectIssueDir(path, clonePath);
    await removeLeftovers(path);
    let created = false;
    let caughtUp: CatchUp | undefined;
    // HEAD's commit as read (or set) during this call, so that it need not be read again.
    let knownHead: string | undefined;
    const init = async (dir: string, files: 'checkout' | 'keep') => {
      const head = await initIssueRepo(ctx.issueGit({ worktree: dir, objects }), objects, config, refs.origin, base, files);
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
        ctx.issueRefs.set(path, refs.origin);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      created = true;
      ctx.logger({ level: 'info', msg: 'created worktree', repo: repoName, path, branch, from: base });
    } else if (kind === 'linked') {
      // kugetsu's earlier layout: the files stay (uncommitted work shows as changes), the link goes.
      await migrateLinkedWorktree(path, clonePath);
      ctx.issueRefs.delete(path);
      await init(path, 'keep');
      ctx.issueRefs.set(path, refs.origin);
      ctx.logger({ level: 'info', msg: 'converted worktree to an issue repository', repo: repoName, path, branch, from: base });
    } else if (kind === 'repo') {
      // One isolated process: configuration rewritten, origin refs, HEAD's branch and commit read.
      const opened = await syncIssueRepo(git, objects, config, refs.origin, { known: ctx.issueRefs.get(path), steps: { label: 'open', body: OPEN_STEPS } });
      ctx.issueRefs.set(path, refs.origin);
      const head = sectionOf(opened, 'head').text;
      if (head !== `refs/heads/${branch}`) {
        const actual = head.startsWith('refs/heads/') ? `branch ${head.slice('refs/heads/'.length)}` : 'a detached HEAD';
        throw new WorkspaceError(
          'worktree',
          `worktree ${path} has ${actual} checked out instead of ${branch}; check out ${branch} in it or remove the worktree ` +
            '(/kugetsu reset; its uncommitted changes will be lost), then retry',
        );
      }
      const headRead = sectionOf(opened, 'commit');
      if (headRead.status > 1) throw new GitCommandError(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], headRead.status, opened.stderr.trim());
      const born = headRead.status === 0;
      if (born) knownHead = headRead.text;
      if (!born) {
        // A conversion interrupted before its branch was set: finish it, keeping the files.
        await git.run(['update-ref', `refs/heads/${branch}`, base]);
        await git.run(['reset', '--quiet', '--mixed']);
      } else if (remote) {
        caughtUp = await catchUpIssueRepo(git, remote, { name: ctx.botName, email: ctx.botEmail }, new Date(), knownHead);
        // A fast-forward or a hard reset moved HEAD to exactly origin's branch.
        if (caughtUp.kind === 'fast-forwarded' || caughtUp.kind === 'set-aside') knownHead = caughtUp.to;
        if (caughtUp.kind === 'fast-forwarded') ctx.logger({ level: 'info', msg: 'fast-forwarded worktree to origin', repo: repoName, path, branch, to: remote });
        if (caughtUp.kind === 'set-aside') {
          ctx.logger({
            level: 'warn',
            msg: "origin's branch moved on: set aside this worktree's unpublished work and reset it to origin",
            repo: repoName,
            path,
            branch,
            ref: caughtUp.ref,
            sha: caughtUp.sha,
            to: remote,
          });
        }
      }
    } else {
      const what = kind === 'foreign' ? 'exists but is not a worktree kugetsu made (or its .git was removed)' : 'is not a directory';
      throw new WorkspaceError('worktree', `${path} ${what}; move it away or delete it (/kugetsu reset removes it), then retry`);
    }
    const startSha = knownHead ?? (await git.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okExitCodes: [0, 1] })).stdout.trim();
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(startSha)) throw new WorkspaceError('worktree', `worktree ${path} has no HEAD commit; remove it (/kugetsu reset) and retry`);
    return { created, startSha, ...(caughtUp?.kind === 'set-aside' ? { setAside: { ref: caughtUp.ref, sha: caughtUp.sha } } : {}) };
  } catch (error) {
    if (error instanceof WorkspaceError) throw error;
    throw explainGitFailure('worktree', `could not prepare worktree ${path} on ${branch}`, error);
  }
}

/** Removes `<path>.tmp-*` directories a crash left while creating the repository. */
async function removeLeftovers(path: string): Promise<void> {
  const prefix = `${basename(path)}.tmp-`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) if (name.startsWith(prefix)) await rm(join(dirname(path), name), { recursive: true, force: true });
}
