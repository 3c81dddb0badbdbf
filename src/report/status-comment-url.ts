import type { Job } from '../domain/job.js';

/**
 * The web address of the job's status comment, or `undefined` before it exists:
 * `<repo html_url>/issues/<replyTo>#issuecomment-<id>` (Gitea serves a PR's page under `/issues/n`
 * too, redirecting to `/pulls/n`; the anchor is the one Gitea's own `html_url` of a comment uses).
 */
export function statusCommentUrl(job: Pick<Job, 'repo' | 'replyTo' | 'statusCommentId'>): string | undefined {
  if (job.statusCommentId === undefined || !job.repo.htmlUrl) return undefined;
  return `${job.repo.htmlUrl}/issues/${job.replyTo}#issuecomment-${job.statusCommentId}`;
}
