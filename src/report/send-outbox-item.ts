import { MARKER_PREFIX } from '../domain/marker.js';
import type { IssueKey } from '../domain/issue-key.js';
import { GiteaError, type GiteaClient } from '../gitea/types.js';
import type { Redactor } from '../log/redact.js';
import type { Job } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import type { OutboxItem } from '../domain/outbox.js';
import { findStatusComment } from './find-status-comment.js';
import { neutralizeMentions } from './neutralize-mentions.js';
import { renderStatusComment, type RenderContext } from './render-status-comment.js';
import { sendCommitStatus } from './send-commit-status.js';
import { sendNotification, type NotifyDeps } from './send-notification.js';
import { ensurePullRequest } from './send-pull-request.js';
import { sendStateLabel } from './send-state-label.js';
import type { StateLabelCache } from './state-label-cache.js';
import { issueLabelKey } from './state-labels.js';

/** What {@link sendOutboxItem} needs. `now` is ms since the epoch (used for elapsed times). */
export interface SendDeps {
  store: Pick<JobStore, 'get' | 'update' | 'listByIssue'>;
  gitea: GiteaClient;
  /** The state label ids per repository (created on first use). */
  labels: StateLabelCache;
  redact: Redactor;
  renderContext: (job: Job) => RenderContext | Promise<RenderContext>;
  now: () => number;
  /**
   * kugetsu's own account id (`GET /user`): only its comments are looked for before a repeated
   * create. Rejects (a retryable `GiteaError`) when Gitea cannot say yet.
   */
  botUserId: () => Promise<number>;
  /** For `notify` items: the HMAC key of a receiver, and the timeout (see `sendNotification`). */
  notify?: Pick<NotifyDeps, 'secretFor' | 'timeoutMs' | 'fetch'>;
}

/** What was sent: for a status comment, the job as it was rendered (the worker re-checks it). */
export interface SendOutcome {
  job?: Job;
  /** True when the status comment was created by this write (not adopted, not edited). */
  created?: boolean;
  /**
   * For a write rendered from the store when sent (a state label): true when what was written is
   * already out of date, so the worker enqueues the item again (a change that coalesced into it
   * while it was being sent).
   */
  stale?: () => Promise<boolean>;
}

/** The job of a `status_comment` item no longer exists (pruned): not retryable. */
export class JobGoneError extends Error {
  override readonly name = 'JobGoneError';
  constructor(readonly jobId: string) {
    super(`job ${jobId} no longer exists`);
  }
}

/**
 * Performs one outbox item against Gitea. Resolves when Gitea did it (or it was already so);
 * rejects with the client's {@link GiteaError} (check `.retryable`) or {@link JobGoneError}.
 *
 * - `status_comment`: renders the job's *current* state (then `redact`, then every `@mention` but
 *   the requester's made inert: {@link neutralizeMentions}). Without a stored
 *   `statusCommentId` it creates the comment on `job.replyTo` and stores the id; but when
 *   `mayExist` (an earlier attempt of this item may have reached Gitea) it first looks for a
 *   comment carrying the job's marker and adopts it (create-once). With an id it edits; an edit
 *   answered 404 (the comment was deleted) creates a new comment the same way.
 * - `reaction`: `POST …/reactions` (Gitea answers 201 new, 200 existing: both success).
 * - `remove_label`: `DELETE …/labels/{id}`; 404 means the label is already off: success.
 * - `comment`: `POST …/comments`, redacted, mentions but `op.mentions` made inert (a reply whose
 *   first line is a kugetsu marker is looked for before a repeated attempt).
 * - `state_label`: see {@link sendStateLabel}; `stale` tells whether the issue's state moved on.
 * - `ensure_pull_request`: see {@link ensurePullRequest} (looks before it creates).
 * - `commit_status`: see {@link sendCommitStatus}.
 * - `notify`: a job notification to its receiver, not to Gitea: see {@link sendNotification}
 *   (rejects with a `NotificationError`).
 */
export async function sendOutboxItem(item: OutboxItem, mayExist: boolean, deps: SendDeps): Promise<SendOutcome> {
  const op = item.op;
  switch (op.kind) {
    case 'status_comment':
      return sendStatusComment(op.jobId, mayExist, deps);
    case 'reaction':
      await deps.gitea.addCommentReaction(op.owner, op.repo, op.commentId, op.content);
      return {};
    case 'remove_label':
      try {
        await deps.gitea.removeIssueLabel(op.owner, op.repo, op.number, op.labelId);
      } catch (err) {
        if (!(err instanceof GiteaError && err.status === 404)) throw err;
      }
      return {};
    case 'comment': {
      const body = neutralizeMentions(deps.redact(op.body), op.mentions ?? []);
      // A reply whose first line is a kugetsu marker is looked for before a repeated attempt, so a
      // lost answer does not become a second reply.
      const marker = body.split('\n', 1)[0]!;
      if (mayExist && marker.startsWith(`${MARKER_PREFIX}reply id=`)) {
        const bot = await deps.botUserId();
        // Comments updated since shortly before this item was queued (a minute covers clock skew).
        const existing = await deps.gitea.listComments(op.owner, op.repo, op.number, new Date(item.createdAt - 60_000).toISOString());
        if (existing.some((c) => c.user.id === bot && c.body.split('\n', 1)[0] === marker)) return {};
      }
      await deps.gitea.createComment(op.owner, op.repo, op.number, body);
      return {};
    }
    case 'state_label': {
      const applied = await sendStateLabel(op, deps);
      return { stale: async () => issueLabelKey(await deps.store.listByIssue(op.issueKey as IssueKey), op.state) !== applied };
    }
    case 'ensure_pull_request':
      await ensurePullRequest(op, deps);
      return {};
    case 'commit_status':
      await sendCommitStatus(op, deps);
      return {};
    case 'notify':
      await sendNotification(op, { redact: deps.redact, now: deps.now, getJob: (id) => deps.store.get(id), secretFor: () => undefined, ...deps.notify });
      return {};
  }
}

async function sendStatusComment(jobId: string, mayExist: boolean, deps: SendDeps): Promise<SendOutcome> {
  const job = await deps.store.get(jobId);
  if (!job) throw new JobGoneError(jobId);
  // Masked first, then every mention but the requester's made inert (the comment quotes the
  // request and the agent's output, and is sent again on every state change).
  const body = neutralizeMentions(deps.redact(renderStatusComment(job, await deps.renderContext(job), new Date(deps.now()))), [job.sender.login]);
  const { owner, name } = job.repo;
  if (job.statusCommentId !== undefined) {
    try {
      await deps.gitea.editComment(owner, name, job.statusCommentId, body);
      return { job };
    } catch (err) {
      if (!(err instanceof GiteaError && err.status === 404)) throw err;
    }
  }
  const found = mayExist ? await findStatusComment(deps.gitea, job, await deps.botUserId()) : undefined;
  if (found !== undefined && found !== job.statusCommentId) {
    // Adopt the comment an earlier attempt created, then bring it to the current state.
    await deps.store.update(jobId, { statusCommentId: found });
    await deps.gitea.editComment(owner, name, found, body);
    return { job };
  }
  const { id } = await deps.gitea.createComment(owner, name, job.replyTo, body);
  await deps.store.update(jobId, { statusCommentId: id });
  return { job, created: true };
}
