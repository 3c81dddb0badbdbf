import { GITEA_ISSUE_EVENT_TYPES, GITEA_PULL_REQUEST_EVENT_TYPES } from '../gitea/hook-event-types.js';
import type { GiteaHook } from '../gitea/types.js';

/**
 * The event switches kugetsu's hook is created with (gitea-contract.md §4): `issues` turns on every
 * issue sub-event (labels, comments…), `pull_request` every PR sub-event (PR comments included),
 * `pull_request_review` approved/rejected/comment reviews.
 */
export const KUGETSU_HOOK_EVENTS: readonly string[] = ['issues', 'issue_comment', 'pull_request', 'pull_request_review'];

/**
 * The fine events a hook created with {@link KUGETSU_HOOK_EVENTS} lists in Gitea's API answers
 * (Gitea v1.25 `routers/api/v1/utils/hook.go`, `Webhook.EventsArray`). A hook missing any of them
 * would not deliver something kugetsu acts on.
 */
export const KUGETSU_FINE_EVENTS: readonly string[] = [...GITEA_ISSUE_EVENT_TYPES, ...GITEA_PULL_REQUEST_EVENT_TYPES];

/**
 * What is wrong with an existing hook, as short phrases (empty when it is right): inactive, not
 * JSON, not of hook type `type` (`gitea`, or `forgejo` on a Forgejo instance), or lacking events kugetsu needs. Extra events are allowed (kugetsu
 * answers them "ignored"). The secret cannot be checked: Gitea never returns it.
 */
export function hookProblems(hook: GiteaHook, type: 'gitea' | 'forgejo' = 'gitea'): string[] {
  const problems: string[] = [];
  if (hook.type !== type) problems.push(`type is "${hook.type}", not "${type}"`);
  if (!hook.active) problems.push('inactive');
  if (hook.contentType !== 'json') problems.push(`content type is "${hook.contentType || 'unset'}", not "json"`);
  const missing = KUGETSU_FINE_EVENTS.filter((e) => !hook.events.includes(e));
  if (missing.length > 0) problems.push(`events missing: ${missing.join(', ')}`);
  if (hook.branchFilter !== '' && hook.branchFilter !== '*') problems.push(`branch filter is "${hook.branchFilter}", not "*"`);
  return problems;
}

/** Problems a PATCH can fix (everything but the hook type, which Gitea does not let an edit change). */
export function isRepairable(hook: GiteaHook, type: 'gitea' | 'forgejo' = 'gitea'): boolean {
  return hook.type === type;
}
