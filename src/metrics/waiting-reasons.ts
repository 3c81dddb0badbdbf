import type { Job } from '../store/job.js';

/**
 * Why the unfinished jobs (`JobReader.unfinished()`, oldest first) that do not run wait, counted:
 * a `waiting` job by its `waiting.reason` (`rate-limit`, `gitea`, `budget`); a `queued` job behind
 * an older unfinished job of its issue as `issue`; any other queued job as `slot` (next of its
 * issue, waiting for an agent slot). The same rule as `JobReader.position`, over one read.
 */
export function waitingReasons(unfinished: readonly Job[]): Record<string, number> {
  const out: Record<string, number> = { slot: 0, issue: 0, 'rate-limit': 0, gitea: 0, budget: 0 };
  const seenIssues = new Set<string>();
  const ordered = [...unfinished].sort((a, b) => Number(a.id) - Number(b.id) || a.createdAt.localeCompare(b.createdAt));
  for (const job of ordered) {
    const behind = seenIssues.has(job.issueKey);
    seenIssues.add(job.issueKey);
    if (job.state === 'waiting') out[job.waiting?.reason ?? 'rate-limit'] = (out[job.waiting?.reason ?? 'rate-limit'] ?? 0) + 1;
    else if (job.state === 'queued') out[behind ? 'issue' : 'slot']! += 1;
  }
  return out;
}
