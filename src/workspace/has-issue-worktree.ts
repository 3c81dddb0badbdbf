import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { isSafeRepoRef, type RepoRef } from '../domain/repo-ref.js';
import { ISSUE_REPO_MARKER } from './issue-repo-script.js';
import { issueWorktreePath, workspacePaths } from './workspace-paths.js';

/**
 * True when this state dir holds the issue's worktree, i.e. an issue repository kugetsu made at
 * `<stateDir>/worktrees/<owner>/<name>/issue-<n>` (its `.git` a directory with kugetsu's marker
 * file). A worker prefers such issues when it claims work (`ClaimRequest.prefer`): it continues
 * them without rebuilding the worktree. Synchronous and cheap (two lstat(2) calls, no symlink
 * followed), since claims call it inside their transaction; false for an unsafe owner/name or
 * issue number, never throws.
 */
export function hasIssueWorktree(stateDir: string, repo: Pick<RepoRef, 'owner' | 'name'>, issueNumber: number): boolean {
  if (!isSafeRepoRef(repo) || !(Number.isSafeInteger(issueNumber) && issueNumber > 0)) return false;
  const dotGit = join(issueWorktreePath(workspacePaths(stateDir, repo).worktreesDir, issueNumber), '.git');
  try {
    return lstatSync(dotGit).isDirectory() && lstatSync(join(dotGit, ISSUE_REPO_MARKER)).isFile();
  } catch {
    return false;
  }
}
