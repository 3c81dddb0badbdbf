import { mkdir, readdir, realpath, rmdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { RepoRef } from '../domain/repo-ref.js';
import { pathExists } from './path-exists.js';
import { explainGitFailure } from './explain-git-failure.js';
import { listWorktrees, type WorktreeEntry } from './list-worktrees.js';
import { isAncestor, revParseRef } from './rev-parse-ref.js';
import { WorkspaceError } from './types.js';
import type { WorkspaceContext } from './workspace-context.js';

/**
 * Makes `path` a worktree of `clonePath` with `branch` checked out, after the clone was fetched:
 * 1. `git worktree prune` (forgets worktrees whose directory was deleted by hand);
 * 2. a registered worktree at `path` on `branch` is reused (`created: false`); when it is clean and
 *    `origin/<branch>` is strictly ahead of it (someone pushed to the branch), it is fast-forwarded;
 * 3. otherwise the worktree is created: on the local branch if it exists (fast-forwarded to
 *    `origin/<branch>` when that is strictly ahead), else tracking `origin/<branch>` when the branch
 *    exists on origin (pushed by an earlier run elsewhere), else as a new branch from
 *    `origin/<defaultBranch>` without upstream.
 * Throws {@link WorkspaceError} phase `worktree` when `path` holds something else (another
 * branch, a directory that is not a worktree), when origin has no default branch, or when git
 * fails. The caller holds the repository's lock and has validated every input.
 */
export async function checkoutWorktree(
  ctx: WorkspaceContext,
  repo: RepoRef,
  clonePath: string,
  path: string,
  branch: string,
): Promise<{ created: boolean }> {
  const { git } = ctx;
  const repoName = `${repo.owner}/${repo.name}`;
  try {
    const exists = await pathExists(path);
    // A stale registration (its directory deleted by hand) only matters when the worktree must be
    // created again; a reused worktree skips the prune (a silent git command costs simple-git 50 ms).
    if (!exists) await git.run(['worktree', 'prune'], { cwd: clonePath });
    const entry = await findEntry(await listWorktrees(git, clonePath), path);
    if (exists) {
      if (entry) {
        if (entry.branch !== `refs/heads/${branch}`) {
          const actual = entry.branch ? `branch ${entry.branch.replace(/^refs\/heads\//, '')}` : 'a detached HEAD';
          throw new WorkspaceError(
            'worktree',
            `worktree ${path} has ${actual} checked out instead of ${branch}; check out ${branch} in it or remove ` +
              'the worktree (its uncommitted changes will be lost), then retry',
          );
        }
        await fastForwardIfClean(ctx, path, branch, repoName);
        return { created: false };
      }
      if ((await readdir(path)).length > 0) {
        throw new WorkspaceError(
          'worktree',
          `${path} exists but is not a worktree of ${clonePath}; move it away or delete it, then retry`,
        );
      }
      await rmdir(path);
    }
    await mkdir(dirname(path), { recursive: true });
    const local = await revParseRef(git, clonePath, `refs/heads/${branch}`);
    const remote = await revParseRef(git, clonePath, `refs/remotes/origin/${branch}`);
    let args: string[];
    if (local && remote && local !== remote && (await isAncestor(git, clonePath, local, remote))) {
      args = ['worktree', 'add', '--quiet', '--track', '-B', branch, '--', path, `origin/${branch}`];
    } else if (local) {
      // A bare clone copies origin's branches as local ones; give such a copy its upstream.
      if (remote) await git.run(['branch', '--quiet', `--set-upstream-to=origin/${branch}`, branch], { cwd: clonePath });
      args = ['worktree', 'add', '--quiet', '--', path, branch];
    } else if (remote) {
      args = ['worktree', 'add', '--quiet', '--track', '-b', branch, '--', path, `origin/${branch}`];
    } else {
      if (!(await revParseRef(git, clonePath, `refs/remotes/origin/${repo.defaultBranch}`))) {
        throw new WorkspaceError(
          'worktree',
          `origin of ${repoName} has no branch ${repo.defaultBranch} to start ${branch} from; is the repository ` +
            'empty, or was its default branch renamed?',
        );
      }
      args = ['worktree', 'add', '--quiet', '--no-track', '-b', branch, '--', path, `origin/${repo.defaultBranch}`];
    }
    await git.run(args, { cwd: clonePath });
    ctx.logger({ level: 'info', msg: 'created worktree', repo: repoName, path, branch, from: args.at(-1) });
    return { created: true };
  } catch (error) {
    if (error instanceof WorkspaceError) throw error;
    throw explainGitFailure('worktree', `could not prepare worktree ${path} on ${branch}`, error);
  }
}

/** Fast-forwards a reused worktree to `origin/<branch>` when it is clean and strictly behind. */
async function fastForwardIfClean(ctx: WorkspaceContext, path: string, branch: string, repo: string): Promise<void> {
  const remote = await revParseRef(ctx.git, path, `refs/remotes/origin/${branch}`);
  const head = await revParseRef(ctx.git, path, 'HEAD');
  if (!remote || !head || remote === head || !(await isAncestor(ctx.git, path, head, remote))) return;
  const status = await ctx.git.run(['status', '--porcelain', '--untracked-files=all'], { cwd: path });
  if (status.stdout.trim() !== '') {
    ctx.logger({ level: 'warn', msg: 'origin branch is ahead but worktree is dirty; not fast-forwarding', repo, path, branch });
    return;
  }
  await ctx.git.run(['merge', '--ff-only', '--quiet', remote], { cwd: path });
  ctx.logger({ level: 'info', msg: 'fast-forwarded worktree to origin', repo, path, branch, to: remote });
}

async function findEntry(entries: WorktreeEntry[], path: string): Promise<WorktreeEntry | undefined> {
  const wanted = await canonical(path);
  for (const entry of entries) {
    if (!entry.bare && (await canonical(entry.path)) === wanted) return entry;
  }
  return undefined;
}

async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}
