import type { Redactor } from '../log/redact.js';
import { repoLabel } from '../domain/repo-ref.js';
import type { Job } from '../domain/job.js';
import type { GiteaLinks, JobRow } from './dashboard-types.js';
import type { Viewer } from './viewer.js';
import { workerLabel } from './worker-label.js';

/** The links back to Gitea of a job (from its repository's web URL). */
export function jobLinks(job: Job): GiteaLinks {
  const base = job.repo.htmlUrl?.replace(/\/+$/, '');
  if (!base) return job.pullRequest ? { pullRequest: job.pullRequest.url } : {};
  const issue = `${base}/issues/${job.replyTo}`;
  return {
    repository: base,
    issue,
    ...(job.statusCommentId !== undefined ? { statusComment: `${issue}#issuecomment-${job.statusCommentId}` } : {}),
    branch: `${base}/src/branch/${job.branch.split('/').map(encodeURIComponent).join('/')}`,
    ...(job.pullRequest ? { pullRequest: job.pullRequest.url } : {}),
  };
}

/**
 * A job as a list row: every free text passed through `redact`, the message cut to 200
 * characters. `now` (ms since the epoch) gives a running job's elapsed time; the worker running it
 * is shown as `viewer` may see it ({@link workerLabel}).
 */
export function jobRow(job: Job, redact: Redactor, now: number, viewer: Viewer): JobRow {
  const elapsedMs = job.result ? job.result.durationMs : job.state === 'running' && job.startedAt ? Math.max(0, now - Date.parse(job.startedAt)) : undefined;
  const message = redact(job.message ?? '');
  return {
    id: job.id,
    issueKey: job.issueKey,
    repo: repoLabel(job.repo),
    issueNumber: job.issueNumber,
    replyTo: job.replyTo,
    state: job.state,
    trigger: job.trigger,
    sender: job.sender.login,
    messagePreview: message.length > 200 ? `${message.slice(0, 199)}…` : message,
    attempt: job.attempt,
    agent: job.agent,
    branch: job.branch,
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    ...(elapsedMs !== undefined ? { elapsedMs } : {}),
    ...(job.result ? { exitCode: job.result.exitCode } : {}),
    ...(job.result?.failedPhase ? { failedPhase: job.result.failedPhase } : {}),
    ...(job.result?.error && job.state !== 'succeeded' ? { error: redact(job.result.error) } : {}),
    ...(job.waiting ? { waiting: { reason: job.waiting.reason, detail: redact(job.waiting.detail), until: job.waiting.until } } : {}),
    ...(job.workerId ? { workerId: workerLabel(viewer, job.workerId) } : {}),
    ...(job.cancelRequested ? { cancelRequested: true } : {}),
    ...(job.pullRequest ? { pullRequest: job.pullRequest } : {}),
    links: jobLinks(job),
  };
}
