import { GITEA_HOOK_EVENT_TYPES, GITEA_ISSUE_EVENT_TYPES, GITEA_PULL_REQUEST_EVENT_TYPES } from '../gitea/hook-event-types.js';

/** Every fine event a hook can have here, in the order Gitea lists them (`Webhook.EventsArray`): the event types up to `release`. */
const ORDER: readonly string[] = GITEA_HOOK_EVENT_TYPES.slice(0, GITEA_HOOK_EVENT_TYPES.indexOf('release') + 1);

const ISSUE_EVENTS = GITEA_ISSUE_EVENT_TYPES;
const REVIEW_EVENTS = ['pull_request_review_approved', 'pull_request_review_rejected', 'pull_request_review_comment'];
const PULL_EVENTS = GITEA_PULL_REQUEST_EVENT_TYPES;

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
    else if (ORDER.includes(event) && event !== 'issues' && event !== 'pull_request') on.add(event);
  }
  return ORDER.filter((e) => on.has(e));
}
