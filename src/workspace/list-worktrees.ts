import type { GitRunner } from './git-runner.js';

/** One entry of `git worktree list --porcelain`. */
export interface WorktreeEntry {
  /** Absolute path as git recorded it. */
  path: string;
  /** Full ref checked out (`refs/heads/…`), absent when detached or bare. */
  branch?: string;
  /** True for the bare clone itself. */
  bare: boolean;
  /** True when git considers the registration stale (its directory is gone). */
  prunable: boolean;
}

/**
 * Parses `git worktree list --porcelain -z` run in `clonePath` (git ≥ 2.36 for `-z`; this machine
 * has 2.39). Throws the runner's GitCommandError on failure.
 */
export async function listWorktrees(git: GitRunner, clonePath: string): Promise<WorktreeEntry[]> {
  const { stdout } = await git.run(['worktree', 'list', '--porcelain', '-z'], { cwd: clonePath });
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const field of stdout.split('\0')) {
    if (field === '') {
      if (current) entries.push(current);
      current = undefined;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? '' : field.slice(space + 1);
    if (key === 'worktree') current = { path: value, bare: false, prunable: false };
    else if (!current) continue;
    else if (key === 'branch') current.branch = value;
    else if (key === 'bare') current.bare = true;
    else if (key === 'prunable') current.prunable = true;
  }
  if (current) entries.push(current);
  return entries;
}
