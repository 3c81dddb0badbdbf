import type { JobStore } from '../store/job-store.js';
import type { DelegationRequest } from '../triggers/intent.js';
import type { Workspace } from '../workspace/types.js';

/**
 * `/kugetsu reset`: forgets the issue's agent session and removes its worktree (the pushed branch
 * stays); the next request starts fresh from the base branch. Returns the forgotten session id and
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
