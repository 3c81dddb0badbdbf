import type { RepoRef } from '../domain/repo-ref.js';

/** An issue's worktree, ready for an agent turn. */
export interface PreparedWorktree {
  /** Absolute path of the worktree directory. */
  path: string;
  /** Branch checked out in it, e.g. `kugetsu/issue-7`. */
  branch: string;
  /** Commit the branch pointed at when this turn began (to count new commits afterwards). */
  startSha: string;
  /** True when the worktree was created by this call; false when an earlier turn's was reused. */
  created: boolean;
  /**
   * The issue's agent dir `<state>/agents/<owner>/<name>/issue-<n>` (the sandboxed agent's HOME and
   * TMPDIR; only this issue's turns see it). Created by the sandbox when a turn starts.
   */
  agentDir: string;
  /** The shared clone's `objects` directory the worktree's repository borrows from (read-only for the agent). */
  gitObjects: string;
  /**
   * Set when the reused worktree had work that was never pushed (leftovers of a turn that pushed
   * nothing) while origin's branch moved on (a turn on another worker, or a person, pushed): that
   * work was committed as `sha` and kept under `ref` (`refs/kugetsu/unpublished/…`) in the issue
   * repository only, and the worktree reset to origin's branch.
   */
  setAside?: { ref: string; sha: string };
}

/** Result of committing the agent's leftovers and pushing the branch. */
export interface PublishResult {
  /** True when kugetsu made a commit of changes the agent left uncommitted. */
  committed: boolean;
  /** Commits on the branch since {@link PreparedWorktree.startSha} (the agent's and kugetsu's). */
  newCommits: number;
  /** True when the branch was pushed to origin (only when it had new commits). */
  pushed: boolean;
  /** The branch head after the turn. */
  headSha: string;
}

/**
 * Git side of a job: one shared clone per repository under the state dir (kugetsu's alone) and one
 * worktree per issue, which is a repository of its own (`.git` inside it, objects borrowed from the
 * shared clone) that the agent may change at will: kugetsu never runs git there outside the
 * sandbox, and takes the agent's commits into the shared clone as a bundle. Errors are thrown as {@link WorkspaceError} with the phase (`clone`, `fetch`, `worktree`,
 * `commit`, `push`) and git's stderr with any credentials masked.
 */
export interface Workspace {
  /**
   * Clones the repository on first use (else fetches), then creates the issue's worktree on
   * `branch` from `origin/<branch>` when it was pushed (by any worker), else from
   * `origin/<repo.defaultBranch>` — or reuses it when it exists, brought up to `origin/<branch>`
   * (see {@link PreparedWorktree.setAside}).
   */
  prepare(repo: RepoRef, issueNumber: number, branch: string): Promise<PreparedWorktree>;
  /**
   * Commits everything left uncommitted in the worktree (author = the bot identity, `message` as
   * the commit message) and pushes the branch to origin when it has commits since `startSha`.
   */
  publish(repo: RepoRef, worktree: PreparedWorktree, message: string): Promise<PublishResult>;
  /**
   * Removes the issue's worktree directory and its registration (the branch stays in the shared
   * clone). Optional so that fakes need not implement it; the git workspace does.
   */
  removeWorktree?(repo: RepoRef, issueNumber: number): Promise<void>;
}

/** Phases a workspace failure can belong to; they appear in status comments. */
export type WorkspacePhase = 'clone' | 'fetch' | 'worktree' | 'commit' | 'push';

/**
 * A git failure in the workspace, with the phase it happened in and masked git output. The
 * message says what failed and what to do; a refused input (unsafe owner/name/branch, unsupported
 * clone URL) is reported before any git command runs, in phase `clone` (repository) or `worktree`
 * (issue number, branch).
 */
export class WorkspaceError extends Error {
  override readonly name = 'WorkspaceError';
  constructor(
    readonly phase: WorkspacePhase,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
