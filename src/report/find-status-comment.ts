import type { GiteaClient } from '../gitea/types.js';
import type { Job } from '../domain/job.js';
import { statusMarker } from './render-status-comment.js';

/**
 * Looks on the issue or PR the job replies to (`job.replyTo`) for a status comment of this job
 * that already exists — one written by kugetsu's own account (`botUserId`) whose body starts with
 * the job's hidden marker (`statusMarker(job)`, which names the job id and issue key). Job ids are
 * sequential, so anyone who can comment could post a future job's marker: a comment by anyone else
 * is never adopted. Used before creating a status
 * comment when an earlier attempt may have reached Gitea even though its answer was lost (a dropped
 * connection after the POST, a crash before the id was stored), so that the retry adopts that
 * comment instead of posting a second one. Returns the oldest match's id, or `undefined`.
 * One `GET /repos/{o}/{r}/issues/{n}/comments?since=…` (comments updated since a minute before the
 * job was created, oldest first: Gitea v1.25.4 swagger `issueGetComments`); rejects with the
 * client's `GiteaError`.
 */
export async function findStatusComment(
  gitea: Pick<GiteaClient, 'listComments'>,
  job: Pick<Job, 'id' | 'issueKey' | 'repo' | 'replyTo' | 'createdAt'>,
  botUserId: number,
): Promise<number | undefined> {
  const marker = statusMarker(job);
  // Only comments updated since shortly before the job was created can be its status comment: a
  // long thread is not read whole (Gitea's `since` filters on update time; a minute covers clock skew).
  const since = new Date(Date.parse(job.createdAt) - 60_000).toISOString();
  const comments = await gitea.listComments(job.repo.owner, job.repo.name, job.replyTo, since);
  return comments.find((c) => c.user.id === botUserId && c.body.startsWith(marker))?.id;
}
