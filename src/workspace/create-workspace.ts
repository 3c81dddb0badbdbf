import { isAbsolute, join, normalize } from 'node:path';
import { createAgentSandbox } from '../agents/agent-sandbox.js';
import { DEFAULT_SANDBOX_SETTINGS } from '../agents/sandbox-settings.js';
import type { RepoRef } from '../domain/repo-ref.js';
import { assertSafeTarget } from './assert-safe-target.js';
import { checkoutIssueRepo } from './checkout-issue-repo.js';
import { ensureSharedClone } from './ensure-shared-clone.js';
import { createGitRunner } from './git-runner.js';
import { inspectIssueDir } from './inspect-issue-dir.js';
import { createIssueRefsMemo } from './issue-refs-memo.js';
import { issueRepoGit } from './issue-repo-git.js';
import { createKeyedLock } from './keyed-lock.js';
import { publishIssueRepo } from './publish-issue-repo.js';
import { removeWorktreeAt } from './remove-worktree.js';
import { createSecretMasker } from './secret-masker.js';
import { WorkspaceError, type PreparedWorktree, type PublishResult, type Workspace } from './types.js';
import type { WorkspaceContext } from './workspace-context.js';
import type { WorkspaceLogger, WorkspaceOptions } from './workspace-options.js';
import { issueWorktreePath, workspacePaths } from './workspace-paths.js';

/** The git-backed {@link Workspace}; `removeWorktree` is always present. */
export interface GitWorkspace extends Workspace {
  removeWorktree(repo: RepoRef, issueNumber: number): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * Creates the git workspace: one bare shared clone per repository at
 * `<stateDir>/repos/<owner>/<name>.git` (kugetsu's alone) and one worktree per issue at
 * `<stateDir>/worktrees/<owner>/<name>/issue-<n>` — a repository of its own whose objects come from
 * the shared clone, where only isolated git runs (`options.isolation`) — with its agent dir at
 * `<stateDir>/agents/<owner>/<name>/issue-<n>`. Every operation on one repository runs under an
 * in-process lock for that repository (concurrent `prepare`s of two issues never race on the
 * shared clone); different repositories proceed in parallel. The lock is per process: two kugetsu
 * processes must not share one state dir.
 *
 * Inputs are validated before any path or git argument is built (see `assertSafeTarget`). The
 * token travels only in the environment of network commands (see `httpAuthConfig`); it and its
 * base64 form are masked in every error message and log entry.
 *
 * Throws `TypeError` at once when `stateDir` is not absolute; the methods throw
 * {@link WorkspaceError}.
 */
export function createWorkspace(options: WorkspaceOptions): GitWorkspace {
  if (!isAbsolute(options.stateDir)) {
    throw new TypeError(`workspace stateDir must be an absolute path, got ${JSON.stringify(options.stateDir)}`);
  }
  const stateDir = normalize(options.stateDir);
  const sink = options.logger;
  const logger: WorkspaceLogger = (entry) => {
    try {
      sink?.(entry);
    } catch {
      // A broken logger must not break a job.
    }
  };
  const mask = createSecretMasker(options.token);
  const baseEnv = options.baseEnv ?? process.env;
  const timeoutMs = options.gitTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const isolation = options.isolation ?? createAgentSandbox({ ...DEFAULT_SANDBOX_SETTINGS, mode: 'off' }, { stateDir });
  const basePath = baseEnv.PATH || '/usr/local/bin:/usr/bin:/bin';
  const ctx: WorkspaceContext = {
    stateDir,
    logger,
    botName: options.botName ?? 'kugetsu',
    botEmail: options.botEmail ?? 'kugetsu@localhost',
    git: createGitRunner({ baseEnv, token: options.token, tokenOrigin: options.tokenOrigin, mask, logger, timeoutMs }),
    issueGit: (view) => issueRepoGit(isolation, view, { basePath, mask, logger, timeoutMs }),
    originUrls: new Map(),
    issueRefs: createIssueRefsMemo(),
  };
  const lock = createKeyedLock();
  const lockKey = (repo: RepoRef) => `${repo.owner}/${repo.name}`;

  return {
    async prepare(repo, issueNumber, branch): Promise<PreparedWorktree> {
      assertSafeTarget(repo, issueNumber, branch);
      const { clonePath, worktreesDir, agentsDir } = workspacePaths(stateDir, repo);
      const path = issueWorktreePath(worktreesDir, issueNumber);
      const agentDir = issueWorktreePath(agentsDir, issueNumber);
      return lock.run(lockKey(repo), async () => {
        const kind = await inspectIssueDir(path, clonePath);
        // A reused worktree is opened while the clone fetches (see checkoutIssueRepo), and that
        // fetch leaves git's automatic maintenance to the next one that precedes a new worktree
        // (publishing a turn's commits fetches a bundle with it too). The catch only keeps an early
        // fetch failure from counting as unhandled: checkoutIssueRepo throws it, and the lock is
        // held until the fetch has ended, whatever happened.
        const cloneReady = ensureSharedClone(ctx, repo, clonePath, { autoMaintenance: kind !== 'repo' });
        cloneReady.catch(() => undefined);
        try {
          const { created, startSha, setAside } = await checkoutIssueRepo(ctx, repo, clonePath, path, branch, kind, cloneReady);
          return { path, branch, startSha, created, agentDir, gitObjects: join(clonePath, 'objects'), ...(setAside ? { setAside } : {}) };
        } finally {
          await cloneReady.catch(() => undefined);
        }
      });
    },

    async publish(repo, worktree, message): Promise<PublishResult> {
      assertSafeTarget(repo, undefined, worktree.branch);
      const { worktreesDir } = workspacePaths(stateDir, repo);
      const issue = /^issue-([1-9]\d*)$/.exec(worktree.path.slice(worktreesDir.length + 1));
      if (!worktree.path.startsWith(`${worktreesDir}/`) || !issue) {
        throw new WorkspaceError('commit', `refusing to publish ${JSON.stringify(worktree.path)}: not an issue worktree under ${worktreesDir}`);
      }
      if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(worktree.startSha)) {
        throw new WorkspaceError('commit', `refusing to publish: startSha ${JSON.stringify(worktree.startSha)} is not a commit id`);
      }
      const { clonePath } = workspacePaths(stateDir, repo);
      return lock.run(lockKey(repo), () => publishIssueRepo(ctx, repo, clonePath, worktree, message));
    },

    async removeWorktree(repo, issueNumber): Promise<void> {
      assertSafeTarget(repo, issueNumber);
      const { clonePath, worktreesDir, agentsDir } = workspacePaths(stateDir, repo);
      await lock.run(lockKey(repo), () => removeWorktreeAt(ctx, clonePath, issueWorktreePath(worktreesDir, issueNumber), issueWorktreePath(agentsDir, issueNumber)));
    },
  };
}
