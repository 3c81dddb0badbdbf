import { lstat, readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ISSUE_REPO_MARKER } from './issue-repo-script.js';

/** What {@link inspectIssueDir} found. */
export type IssueDirKind = 'missing' | 'empty' | 'repo' | 'linked' | 'foreign' | 'not-a-directory';

/**
 * What is at an issue's worktree path:
 * - `missing`, `empty` (an empty directory);
 * - `repo`: an issue repository kugetsu made (`.git` is a directory, not a symlink, holding
 *   `kugetsu-issue-repo`);
 * - `linked`: a worktree of kugetsu's earlier layout — `.git` is a file `gitdir: <clone>/worktrees/<name>`
 *   pointing into `clonePath`;
 * - `foreign`: a non-empty directory that is neither (someone else's files, or the agent removed `.git`);
 * - `not-a-directory`: a file or symlink.
 * Looks with lstat(2) only (a symlink is never followed); never throws.
 */
export async function inspectIssueDir(path: string, clonePath: string): Promise<IssueDirKind> {
  const self = await lstat(path).catch(() => undefined);
  if (!self) return 'missing';
  if (!self.isDirectory()) return 'not-a-directory';
  if ((await readdir(path).catch(() => [])).length === 0) return 'empty';
  const dotGit = await lstat(join(path, '.git')).catch(() => undefined);
  if (dotGit?.isDirectory()) {
    const marker = await lstat(join(path, '.git', ISSUE_REPO_MARKER)).catch(() => undefined);
    return marker?.isFile() ? 'repo' : 'foreign';
  }
  if (dotGit?.isFile() && dotGit.size < 4096) {
    const target = /^gitdir: (.+)$/m.exec(await readFile(join(path, '.git'), 'utf8').catch(() => ''))?.[1]?.trim();
    if (target && dirname(resolve(target)) === join(clonePath, 'worktrees')) return 'linked';
  }
  return 'foreign';
}
