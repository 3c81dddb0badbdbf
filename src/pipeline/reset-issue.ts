import type { JobStore } from '../store/job-store.js';
import type { DelegationRequest } from '../triggers/intent.js';
import type { Workspace } from '../workspace/types.js';

/**
 * `/kugetsu reset`: forgets the issue's agent session (in the engine, for every worker) and removes
 * this process's worktree of the issue (the pushed branch stays); the next request starts a new
 * session on a worktree built from the pushed branch (the base branch when none was pushed). Other
 * workers' copies are not removed here: they catch up to the pushed branch when they next take the
 * issue. Returns the forgotten session id and
 * whether a worktree was removed. Rejects with the workspace's error when removing fails.
 */
export async function resetIssue(
  deps: { store: Pick<JobStore, 'getSession' | 'deleteSession'>; workspace: Pick<Workspace, 'removeWorktree'> },
  request: Pick<DelegationRequest, 'issueKey' | 'repo' | 'issueNumber'>,
): Promise<{ sessionId: string | undefined; removed: boolean }> {
  const session = await deps.store.getSession(request.issueKey);
  let removed = false;
  if (session && deps.workspace.removeWorktree) {
    await deps.workspace.removeWorktree(request.repo, request.issueNumber);
    removed = true;
  }
  await deps.store.deleteSession(request.issueKey);
  return { sessionId: session?.sessionId, removed };
}
