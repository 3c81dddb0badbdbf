import { GiteaError } from '../gitea/types.js';
import type { OutboxOp } from '../domain/outbox.js';
import { JobGoneError } from './send-outbox-item.js';
import { NotificationError } from './send-notification.js';

/**
 * One sentence for the log line of an outbox item that was given up: what the operator can do.
 * Keyed on the HTTP status of a {@link GiteaError} (401 bad token, 403 token scope or
 * permission — Gitea also answers 403 to a reaction it does not allow; pulls and statuses need the
 * `repository` scope, issues, labels and comments the `issue` scope, contract §5 —, 404 gone,
 * 409/422/400 refused input) or on {@link JobGoneError}.
 */
export function outboxFailureHint(op: OutboxOp, error: unknown): string {
  if (error instanceof JobGoneError) return 'the job was pruned before its status comment was written; nothing to do';
  if (error instanceof NotificationError) {
    return error.status >= 300 && error.status < 400
      ? 'the notification receiver answered with a redirect (not followed): put the final URL in KUGETSU_NOTIFY_URLS or the notify.urls setting'
      : 'the notification receiver refused it (see the status): check its URL and what it accepts; the notification is recorded as failed and not retried';
  }
  if (!(error instanceof GiteaError)) return 'unexpected error (a kugetsu bug?): report it with this log line';
  switch (error.status) {
    case 401:
      return 'Gitea rejected the token: check GITEA_TOKEN (expired or revoked?)';
    case 403:
      return op.kind === 'reaction'
        ? `Gitea refused the reaction '${op.content}': check [ui] REACTIONS and the bot's access to the repository`
        : op.kind === 'ensure_pull_request' || op.kind === 'commit_status'
          ? "check the token's scopes (repository: pull requests and commit statuses) and the bot's write access to the repository"
          : "check the token's scopes (issue) and the bot's permission on the repository";
    case 404:
      return 'the repository, issue or comment no longer exists (deleted, transferred or renamed?); nothing to do';
    default:
      return 'Gitea refused the request (see the message); the write is recorded as failed and not retried';
  }
}
