import type { GitRunner } from './git-runner.js';
import type { WorkspaceLogger } from './workspace-options.js';

/** What the workspace steps share; built once by {@link createWorkspace}. */
export interface WorkspaceContext {
  /** Absolute state directory. */
  stateDir: string;
  git: GitRunner;
  logger: WorkspaceLogger;
  /** `user.name` and `user.email` of kugetsu's commits. */
  botName: string;
  botEmail: string;
}
