import { randomUUID } from 'node:crypto';
import { signBody } from '../ingress/verify-signature.js';
import { CliError, EXIT } from './cli-error.js';

/** The coarse `X-Gitea-Event` of a fine event type (gitea-contract.md §1). */
const COARSE: Record<string, string> = {
  issue_label: 'issues',
  issue_assign: 'issues',
  issue_milestone: 'issues',
  pull_request_comment: 'issue_comment',
  pull_request_label: 'pull_request',
  pull_request_sync: 'pull_request',
  pull_request_review_request: 'pull_request',
  pull_request_assign: 'pull_request',
  pull_request_milestone: 'pull_request',
  pull_request_review_approved: 'pull_request_approved',
  pull_request_review_rejected: 'pull_request_rejected',
  pull_request_review_comment: 'pull_request_comment',
};

/** A delivery to post: the exact body bytes, its fine event type, and the secret to sign with. */
export interface OutgoingDelivery {
  /** kugetsu's base URL, e.g. `http://127.0.0.1:8080` (the webhook path is appended). */
  url: string;
  body: string;
  eventType: string;
  /** Signs the body when given (HMAC-SHA256, as Gitea does); unsigned otherwise. */
  secret?: string | undefined;
  /** `X-Gitea-Delivery`; a fresh UUID by default. */
  deliveryId?: string;
  fetch?: typeof fetch;
  /** `X-Gitea-Hook-Installation-Target-Type` to send (the kind of hook Gitea would deliver from). Default `repository`. */
  hookTarget?: 'repository' | 'organization';
  /** The instance name of the path `/webhooks/<name>`; default `gitea` (the first instance). */
  instance?: string;
}

/** kugetsu's answer to a posted delivery. */
export interface DeliveryAnswer {
  deliveryId: string;
  status: number;
  /** The JSON answer, or `{raw}` when it was not JSON. */
  body: Record<string, unknown>;
}

/**
 * Posts a delivery to `<url>/webhooks/<instance>` (default `/webhooks/gitea`) with the headers Gitea v1.25 sends
 * (`X-Gitea-Delivery`, `X-Gitea-Event`, `X-Gitea-Event-Type`, both signature headers, JSON content
 * type). A connection failure is a {@link CliError} saying how to start the server (exit 2).
 */
export async function postDelivery(delivery: OutgoingDelivery): Promise<DeliveryAnswer> {
  const deliveryId = delivery.deliveryId ?? randomUUID();
  const signature = delivery.secret ? signBody(delivery.body, delivery.secret) : '';
  const name = delivery.instance ?? 'gitea';
  const target = `${delivery.url.replace(/\/+$/, '').replace(/\/webhooks\/[a-z0-9-]+$/, '')}/webhooks/${name}`;
  let response: Response;
  try {
    response = await (delivery.fetch ?? fetch)(target, {
      method: 'POST',
      body: delivery.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'kugetsu-cli',
        'x-gitea-delivery': deliveryId,
        'x-gitea-event': COARSE[delivery.eventType] ?? delivery.eventType,
        'x-gitea-event-type': delivery.eventType,
        'x-gitea-signature': signature,
        'x-hub-signature-256': signature ? `sha256=${signature}` : '',
        'x-gitea-hook-installation-target-type': delivery.hookTarget ?? 'repository',
      },
    });
  } catch (err) {
    throw new CliError(`cannot reach kugetsu at ${target}: ${causeOf(err)}\n  → start it (kugetsu serve) or pass --url with the address it listens on`, EXIT.tryLater);
  }
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text.slice(0, 500) };
  }
  return { deliveryId, status: response.status, body };
}

/** Exit code of an answer: 2xx → 0, 429/503 → 2 (try later), anything else → 1. */
export function exitCodeOf(status: number): number {
  if (status >= 200 && status < 300) return EXIT.ok;
  return status === 429 || status === 503 ? EXIT.tryLater : EXIT.error;
}

/** What a failed `fetch` says about the connection (`ECONNREFUSED`…). */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}
