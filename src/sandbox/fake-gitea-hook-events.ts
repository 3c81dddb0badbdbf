/** Every fine event a hook can have, in the order Gitea lists them (`Webhook.EventsArray`). */
const ORDER = [
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
] as const;

const ISSUE_EVENTS = ['issues', 'issue_assign', 'issue_label', 'issue_milestone', 'issue_comment'];
const REVIEW_EVENTS = ['pull_request_review_approved', 'pull_request_review_rejected', 'pull_request_review_comment'];
const PULL_EVENTS = [
  'pull_request',
  'pull_request_assign',
  'pull_request_label',
  'pull_request_milestone',
  'pull_request_comment',
  ...REVIEW_EVENTS,
  'pull_request_sync',
  'pull_request_review_request',
];

/**
 * The events a hook ends up with for the `events` list of a create or edit, as Gitea v1.25
 * `routers/api/v1/utils/hook.go` computes them: an empty or absent list means `push` only;
 * `issues` turns on every issue sub-event, `pull_request` every PR sub-event (comments and
 * reviews included), `pull_request_review` the three review events, `issues_only` /
 * `pull_request_only` the bare `issues` / `pull_request`; unknown names are ignored.
 */
export function expandHookEvents(events: unknown): string[] {
  const given = Array.isArray(events) ? events.filter((e): e is string => typeof e === 'string') : [];
  const asked = given.length === 0 ? ['push'] : given;
  const on = new Set<string>();
  for (const event of asked) {
    if (event === 'issues') ISSUE_EVENTS.forEach((e) => on.add(e));
    else if (event === 'issues_only') on.add('issues');
    else if (event === 'pull_request') PULL_EVENTS.forEach((e) => on.add(e));
    else if (event === 'pull_request_only') on.add('pull_request');
    else if (event === 'pull_request_review') REVIEW_EVENTS.forEach((e) => on.add(e));
    else if ((ORDER as readonly string[]).includes(event) && event !== 'issues' && event !== 'pull_request') on.add(event);
  }
  return ORDER.filter((e) => on.has(e));
}
