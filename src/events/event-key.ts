import type { GiteaEvent } from './event.js';
import { instancePrefix } from '../domain/repo-ref.js';

/**
 * The content key of an event, for exactly-once admission. Gitea never retries, but a manual
 * "Replay" re-sends the same body under a new delivery id, and one event fans out to the
 * repository, organisation and system hooks, each with its own delivery id (gitea-contract.md §3;
 * Gitea v1.25.4 `services/webhook/deliver.go`, `services/webhook/webhook.go` `PrepareWebhooks`).
 * - a comment: `comment:<owner>/<repo>:<comment id>:created` — the same key the reconciler computes
 *   when it finds the comment through the API, so a comment is acted on once either way;
 * - label and review events carry no id of their own: `body:<sha256 of the raw body>` (a replay and
 *   each hook's copy are byte-identical; a new label change differs at least in `updated_at`).
 */
export function eventKey(event: GiteaEvent, bodySha256: string): string {
  if (event.kind === 'comment_created') return commentEventKey(event.repo.owner, event.repo.name, event.comment.id, instancePrefix(event.repo));
  return `body:${bodySha256}`;
}

/** The key of a created comment, shared by the webhook path and the reconciler. */
export function commentEventKey(owner: string, repo: string, commentId: number, prefix = ''): string {
  return `comment:${prefix}${owner}/${repo}:${commentId}:created`.toLowerCase();
}
