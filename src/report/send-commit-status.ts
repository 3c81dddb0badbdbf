import type { GiteaClient } from '../gitea/types.js';
import type { JobStore } from '../store/job-store.js';
import type { OutboxOp } from '../domain/outbox.js';
import { findOpenPullRequest } from './find-open-pull-request.js';
import { statusCommentUrl } from './status-comment-url.js';

type CommitStatusOp = Extract<OutboxOp, { kind: 'commit_status' }>;

/** What {@link sendCommitStatus} needs. */
export interface CommitStatusDeps {
  store: Pick<JobStore, 'get'>;
  gitea: Pick<GiteaClient, 'listPullRequests' | 'createCommitStatus'>;
}

/**
 * `POST /repos/{o}/{r}/statuses/{sha}` `{state, target_url, description, context}` → 201 (Gitea
 * v1.25.4 swagger `repoCreateStatus`; Gitea shows the newest status per context, so sending one
 * twice is harmless and no create-once guard is needed). With `op.prHead` nothing is written unless
 * an open pull request has that head branch (`GET …/pulls?state=open`). Without `op.targetUrl` the
 * status links to job `op.jobId`'s status comment when it exists. Resolves `true` when a status
 * was written; rejects with the client's `GiteaError`.
 */
export async function sendCommitStatus(op: CommitStatusOp, deps: CommitStatusDeps): Promise<boolean> {
  if (op.prHead !== undefined && !(await findOpenPullRequest(deps.gitea, op.owner, op.repo, op.prHead))) return false;
  let targetUrl = op.targetUrl;
  if (targetUrl === undefined && op.jobId !== undefined) {
    const job = await deps.store.get(op.jobId);
    targetUrl = job && statusCommentUrl(job);
  }
  await deps.gitea.createCommitStatus(op.owner, op.repo, op.sha, {
    state: op.state,
    description: op.description,
    context: op.context,
    ...(targetUrl !== undefined ? { targetUrl } : {}),
  });
  return true;
}
