/**
 * Gitea's webhook event types, in Gitea's order (`X-Gitea-Event-Type`; Gitea v1.25
 * `modules/webhook/type.go` `HookEventType`, see also shared/docs/gitea-contract.md §1). The one
 * list: the metric labels, the events kugetsu's hook must list and the fake Gitea derive from it.
 */
export const GITEA_HOOK_EVENT_TYPES = [
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
] as const;

/** One of {@link GITEA_HOOK_EVENT_TYPES}. */
export type GiteaHookEventType = (typeof GITEA_HOOK_EVENT_TYPES)[number];

/** The issue event types (`issues` … `issue_comment`): the ones a hook's `issues` switch turns on (gitea-contract.md §4). */
export const GITEA_ISSUE_EVENT_TYPES: readonly GiteaHookEventType[] = GITEA_HOOK_EVENT_TYPES.filter((e) => e.startsWith('issue'));

/** The pull request event types (`pull_request` … `pull_request_review_request`): the ones a hook's `pull_request` switch turns on. */
export const GITEA_PULL_REQUEST_EVENT_TYPES: readonly GiteaHookEventType[] = GITEA_HOOK_EVENT_TYPES.filter((e) => e.startsWith('pull_request'));
