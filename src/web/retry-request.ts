import { randomUUID } from 'node:crypto';
import type { Actor, DelegationRequest } from '../domain/delegation.js';
import type { AdmissionSource } from '../pipeline/admission-source.js';
import type { Job } from '../domain/job.js';

/**
 * What the dashboard hands to `ControlCommands.handle` as a `/kugetsu retry` of `job`'s issue on
 * behalf of `sender`: the request as if the person had commented `/kugetsu retry` on the issue or
 * pull request the job reported to (no comment, so no 👀 reaction), and an admission source whose
 * event key is `dashboard:retry:<job id>` — a second click on the same job is a duplicate, not a
 * second job.
 */
export function dashboardRetry(job: Job, sender: Actor): { request: DelegationRequest; source: AdmissionSource } {
  const request: DelegationRequest = {
    issueKey: job.issueKey,
    repo: job.repo,
    issueNumber: job.issueNumber,
    replyTo: job.replyTo,
    trigger: 'command',
    message: job.message,
    sender,
    ...(job.onPullRequest ? { onPullRequest: job.onPullRequest } : {}),
    ...(job.issueSnapshot ? { issueSnapshot: job.issueSnapshot } : {}),
  };
  return {
    request,
    source: { id: `dashboard-${randomUUID()}`, eventType: 'dashboard_retry', eventKey: `dashboard:retry:${job.id}`, receivedAt: new Date().toISOString() },
  };
}
