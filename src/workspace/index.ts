/** Public surface of the workspace: the git side of a job. */
export { createWorkspace, type GitWorkspace } from './create-workspace.js';
export { isSafeBranchName } from './safe-branch-name.js';
export type { WorkspaceLogEntry, WorkspaceLogger, WorkspaceOptions } from './workspace-options.js';
export { WorkspaceError, type PreparedWorktree, type PublishResult, type Workspace, type WorkspacePhase } from './types.js';
