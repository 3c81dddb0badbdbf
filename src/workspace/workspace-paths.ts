import { join } from 'node:path';
import { instanceDirs, type RepoRef } from '../domain/repo-ref.js';

/** Where a repository's shared clone and an issue's worktree live under the state dir. */
export interface WorkspacePaths {
  /** `<stateDir>/repos/<owner>/<name>.git` — the bare shared clone (`repos/@<host>/<owner>/…` for an instance other than the first, likewise below). */
  clonePath: string;
  /** `<stateDir>/worktrees/<owner>/<name>` — parent of the repository's issue worktrees. */
  worktreesDir: string;
  /** `<stateDir>/agents/<owner>/<name>` — parent of the repository's issue agent dirs (sandboxed HOME, TMPDIR). */
  agentsDir: string;
}

/**
 * Paths of one repository. `repo.owner`/`repo.name` must already have passed `isSafeRepoRef`
 * (this function does not check), `stateDir` must be absolute.
 */
export function workspacePaths(stateDir: string, repo: Pick<RepoRef, 'owner' | 'name' | 'instance' | 'host'>): WorkspacePaths {
  const at = instanceDirs(repo);
  return {
    clonePath: join(stateDir, 'repos', ...at, repo.owner, `${repo.name}.git`),
    worktreesDir: join(stateDir, 'worktrees', ...at, repo.owner, repo.name),
    agentsDir: join(stateDir, 'agents', ...at, repo.owner, repo.name),
  };
}

/** `<worktreesDir>/issue-<n>` (or `<agentsDir>/issue-<n>`): the worktree (agent dir) of issue `n`, a checked positive integer. */
export function issueWorktreePath(worktreesDir: string, issueNumber: number): string {
  return join(worktreesDir, `issue-${issueNumber}`);
}
