import type { GitRunner } from './git-runner.js';
import type { IssueRefsMemo } from './issue-refs-memo.js';
import type { IssueRepoGit, IssueRepoView } from './issue-repo-git.js';
import type { WorkspaceLogger } from './workspace-options.js';

/** What the workspace steps share; built once by {@link createWorkspace}. */
export interface WorkspaceContext {
  /** Absolute state directory. */
  stateDir: string;
  /** git in the shared clones (kugetsu-owned; the only git that gets the token). */
  git: GitRunner;
  /** git in an issue repository (agent-writable): isolated, no token, hardened (see `issueRepoGit`). */
  issueGit(view: IssueRepoView): IssueRepoGit;
  logger: WorkspaceLogger;
  /**
   * Shared clone path → the `remote.origin.url` this process last found or set there (the clones
   * are kugetsu's alone), so a fetch does not read the configuration back each time.
   */
  originUrls: Map<string, string>;
  /** The origin refs this process last left in each issue repository (a checked guess; see `syncIssueRepo`). */
  issueRefs: IssueRefsMemo;
  /** `user.name` and `user.email` of kugetsu's commits. */
  botName: string;
  botEmail: string;
}
