import type { RepoRef } from '../domain/repo-ref.js';
import { redactUrl } from './clone-url.js';
import { explainGitFailure } from './explain-git-failure.js';
import { revParseRef } from './rev-parse-ref.js';
import type { PreparedWorktree, PublishResult } from './types.js';
import type { WorkspaceContext } from './workspace-context.js';

/** Commit message used when the caller gives an empty one. */
export const DEFAULT_COMMIT_MESSAGE = 'kugetsu: changes left by the agent';

/**
 * Commits what the agent left uncommitted and pushes the branch:
 * 1. `git add --all -- .` (untracked files included, `.gitignore` respected); when anything is
 *    staged, `git commit --no-verify` with `-c user.name/-c user.email` set to the bot identity
 *    for that one command (and `commit.gpgsign=false`), so no config file is written;
 * 2. `newCommits` = `git rev-list --count <startSha>..HEAD`;
 * 3. when `newCommits > 0`, a plain `git push --set-upstream origin HEAD:refs/heads/<branch>`
 *    (no force; a remote branch that moved is reported as a push error).
 * Throws {@link WorkspaceError} phase `commit` or `push`. The caller holds the repository's lock
 * and has validated the repository, the branch and the worktree path.
 */
export async function publishWorktree(
  ctx: WorkspaceContext,
  repo: RepoRef,
  worktree: PreparedWorktree,
  message: string,
): Promise<PublishResult> {
  const { git } = ctx;
  const cwd = worktree.path;
  let committed = false;
  let headSha: string;
  let newCommits: number;
  try {
    await git.run(['add', '--all', '--', '.'], { cwd });
    const staged = await git.run(['diff', '--cached', '--quiet'], { cwd, okExitCodes: [0, 1] });
    if (staged.exitCode === 1) {
      const text = message.trim() === '' ? DEFAULT_COMMIT_MESSAGE : message;
      await git.run(
        [
          '-c', `user.name=${ctx.botName}`,
          '-c', `user.email=${ctx.botEmail}`,
          '-c', 'commit.gpgsign=false',
          'commit', '--quiet', '--no-verify', `--message=${text}`,
        ],
        { cwd },
      );
      committed = true;
    }
    const head = await revParseRef(git, cwd, 'HEAD');
    if (!head) throw new Error(`worktree ${cwd} has no HEAD commit`);
    headSha = head;
    const count = await git.run(['rev-list', '--count', `${worktree.startSha}..${headSha}`, '--'], { cwd });
    newCommits = Number.parseInt(count.stdout.trim(), 10);
  } catch (error) {
    throw explainGitFailure('commit', `could not commit the agent's changes in ${cwd}`, error);
  }
  if (committed) {
    ctx.logger({ level: 'info', msg: 'committed leftover changes', repo: `${repo.owner}/${repo.name}`, headSha });
  }
  if (newCommits === 0) return { committed, newCommits, pushed: false, headSha };
  try {
    await git.run(['push', '--quiet', '--set-upstream', '--', 'origin', `HEAD:refs/heads/${worktree.branch}`], {
      cwd,
      remoteUrl: repo.cloneUrl,
    });
  } catch (error) {
    throw explainGitFailure('push', `could not push ${worktree.branch} to ${redactUrl(repo.cloneUrl)}`, error);
  }
  ctx.logger({ level: 'info', msg: 'pushed branch', repo: `${repo.owner}/${repo.name}`, branch: worktree.branch, newCommits, headSha });
  return { committed, newCommits, pushed: true, headSha };
}
