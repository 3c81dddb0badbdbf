/**
 * Gitea's webhook event types (`X-Gitea-Event-Type`; Gitea v1.25 `modules/webhook/type.go`
 * `HookEventType`, see also shared/docs/gitea-contract.md §1). A delivery's event type becomes a
 * metric label only when it is one of these; anything else is `other` (the header is the
 * sender's text, and a label must stay bounded).
 */
export const GITEA_EVENT_TYPES: ReadonlySet<string> = new Set([
  'create',
  'delete',
  'fork',
  'push',
  'issues',
  'issue_assign',
  'issue_label',
  'issue_milestone',
  'issue_comment',
  'pull_request',
  'pull_request_assign',
  'pull_request_label',
  'pull_request_milestone',
  'pull_request_comment',
  'pull_request_review_approved',
  'pull_request_review_rejected',
  'pull_request_review_comment',
  'pull_request_sync',
  'pull_request_review_request',
  'wiki',
  'repository',
  'release',
  'package',
  'status',
  'schedule',
  'workflow_dispatch',
  'workflow_run',
  'workflow_job',
]);

/** The `event_type` label of a delivery: a known Gitea event type, `unknown` before the signature held, else `other`. */
export function eventTypeLabel(eventType: string | undefined): string {
  if (eventType === undefined) return 'unknown';
  const t = eventType.toLowerCase();
  return GITEA_EVENT_TYPES.has(t) ? t : 'other';
}

/** The `repository` label: `owner/name`, lowercase (Gitea compares names case-insensitively). */
export function repositoryLabel(repo: { owner: string; name: string }): string {
  return `${repo.owner}/${repo.name}`.toLowerCase();
}

/** The `agent` label: the adapter's kind when it is one kugetsu knows, else `other`. */
export function agentLabel(agent: string): string {
  return /^[a-z][a-z0-9-]{0,31}$/.test(agent) ? agent : 'other';
}
