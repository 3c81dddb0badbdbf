import type { Job } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import { statusCommentItem } from '../domain/outbox.js';

/**
 * After `job`'s status comment was created: marks the older *finished* jobs of the same issue
 * whose status comments are on the same issue or PR (`replyTo`) as superseded by `job`, each with
 * its status comment queued for an edit in the same commit — the renderer then shows it collapsed
 * (one line, the old content in `<details>`). Queued and running jobs are never touched, and a job
 * already superseded keeps its first successor. Returns the ids of the jobs it marked.
 */
export async function collapseSuperseded(store: Pick<JobStore, 'listByIssue' | 'update'>, job: Job): Promise<string[]> {
  const older = (await store.listByIssue(job.issueKey)).filter(
    (j) =>
      Number(j.id) < Number(job.id) &&
      j.replyTo === job.replyTo &&
      j.statusCommentId !== undefined &&
      j.supersededBy === undefined &&
      (j.state === 'succeeded' || j.state === 'failed' || j.state === 'canceled'),
  );
  for (const old of older) await store.update(old.id, { supersededBy: job.id }, [statusCommentItem(old)]);
  return older.map((j) => j.id);
}
