import { GiteaError, type GiteaClient, type GiteaPullRequest } from '../gitea/types.js';
import type { Redactor } from '../log/redact.js';
import type { JobStore } from '../store/job-store.js';
import { statusCommentItem, type OutboxOp } from '../domain/outbox.js';
import { findOpenPullRequest } from './find-open-pull-request.js';
import { neutralizeMentions } from './neutralize-mentions.js';

type EnsurePullRequestOp = Extract<OutboxOp, { kind: 'ensure_pull_request' }>;

/** What {@link ensurePullRequest} needs. */
export interface PullRequestDeps {
  store: Pick<JobStore, 'get' | 'update'>;
  gitea: Pick<GiteaClient, 'listPullRequests' | 'createPullRequest'>;
  redact: Redactor;
}

/**
 * Opens the issue branch's pull request once: looks for an open PR with head `op.head` first (so a
 * retry after an answer that was lost finds the PR the first attempt opened), and only then
 * `POST /repos/{o}/{r}/pulls` `{title, head, base, body}` (Gitea v1.25.4 swagger
 * `repoCreatePullRequest`; title and body redacted, then every mention but the requester's made
 * inert). Gitea answers 409 when an open PR for the same
 * head and base exists (one opened by someone in between): that PR is adopted. Then the PR's number
 * and URL are stored on job `op.jobId`, with its status comment queued for an update, unless the job
 * already shows that PR. Resolves with the PR; rejects with the client's `GiteaError`.
 */
export async function ensurePullRequest(op: EnsurePullRequestOp, deps: PullRequestDeps): Promise<GiteaPullRequest> {
  const { owner, repo, head, base } = op;
  let pr = await findOpenPullRequest(deps.gitea, owner, repo, head);
  if (!pr) {
    try {
      // Masked first, then mentions made inert (inserting a character could hide a secret from the mask).
      const title = neutralizeMentions(deps.redact(op.title));
      const body = neutralizeMentions(deps.redact(op.body), op.mentions ?? []);
      pr = await deps.gitea.createPullRequest(owner, repo, { title, head, base, body });
    } catch (err) {
      if (!(err instanceof GiteaError && err.status === 409)) throw err;
      pr = await findOpenPullRequest(deps.gitea, owner, repo, head);
      if (!pr) throw err;
    }
  }
  if (op.jobId !== undefined) {
    const job = await deps.store.get(op.jobId);
    if (job && (job.pullRequest?.number !== pr.number || job.pullRequest.url !== pr.htmlUrl)) {
      await deps.store.update(job.id, { pullRequest: { number: pr.number, url: pr.htmlUrl } }, [statusCommentItem(job)]);
    }
  }
  return pr;
}
