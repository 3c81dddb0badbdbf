import { GITEA_HOOK_EVENT_TYPES } from '../gitea/hook-event-types.js';
import { repoLabel } from '../domain/repo-ref.js';

/**
 * Gitea's webhook event types ({@link GITEA_HOOK_EVENT_TYPES}). A delivery's event type becomes a
 * metric label only when it is one of these; anything else is `other` (the header is the sender's
 * text, and a label must stay bounded).
 */
export const GITEA_EVENT_TYPES: ReadonlySet<string> = new Set(GITEA_HOOK_EVENT_TYPES);

/** The `event_type` label of a delivery: a known Gitea event type, `unknown` before the signature held, else `other`. */
export function eventTypeLabel(eventType: string | undefined): string {
  if (eventType === undefined) return 'unknown';
  const t = eventType.toLowerCase();
  return GITEA_EVENT_TYPES.has(t) ? t : 'other';
}

/**
 * The `repository` label: `owner/name`, lowercase (Gitea compares names case-insensitively);
 * `host/owner/name` when several instances are configured (the repository then carries `host`).
 */
export function repositoryLabel(repo: { owner: string; name: string; host?: string | undefined }): string {
  return repoLabel(repo).toLowerCase();
}

/** The `agent` label: the adapter's kind when it is one kugetsu knows, else `other`. */
export function agentLabel(agent: string): string {
  return /^[a-z][a-z0-9-]{0,31}$/.test(agent) ? agent : 'other';
}
