/**
 * The fine event types (`X-Gitea-Event-Type`) kugetsu may act on: label changes, new comments on
 * issues and pull requests, and reviews requesting changes (gitea-contract.md §1). Every other type
 * is ignored whatever its payload says: `normalizeDelivery` lets only these through, and the door's
 * prescreen ignores the others unparsed.
 */
export const ACTED_ON_EVENT_TYPES: ReadonlySet<string> = new Set(['issue_label', 'issue_comment', 'pull_request_comment', 'pull_request_review_rejected']);

/** The event types of a new comment, which act only through a command line in the comment. */
export const COMMENT_EVENT_TYPES: ReadonlySet<string> = new Set(['issue_comment', 'pull_request_comment']);

/** Why a delivery of an event type outside {@link ACTED_ON_EVENT_TYPES} is ignored (a person reads it in Gitea's delivery log). */
export function unhandledTypeReason(eventType: string): string {
  return `event type "${eventType}" is not one kugetsu acts on`;
}
