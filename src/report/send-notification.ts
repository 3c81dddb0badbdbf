import { createHmac } from 'node:crypto';
import type { Redactor } from '../log/redact.js';
import type { Job } from '../domain/job.js';
import type { OutboxOp } from '../domain/outbox.js';
import { parseRetryAfter } from './backoff.js';

/** A `notify` outbox operation. */
export type NotifyOp = Extract<OutboxOp, { kind: 'notify' }>;

/** The wait for a receiver's answer (ms) before the attempt counts as a network failure. */
export const NOTIFY_TIMEOUT_MS = 10_000;

/** What {@link sendNotification} needs. */
export interface NotifyDeps {
  /** Masks secrets in every text field of the payload before it is signed and sent. */
  redact: Redactor;
  /** The HMAC key of `op.secret` (`KUGETSU_NOTIFY_SECRET`, or the repository's), `undefined` when none is set (then unsigned). */
  secretFor: (op: NotifyOp) => string | undefined;
  /** The job as it is now (a pull request opened after the item was queued is added to the payload). */
  getJob: (id: string) => Promise<Job | undefined>;
  /** Replaces the global `fetch` (looked up at call time otherwise). */
  fetch?: typeof fetch;
  /** Default {@link NOTIFY_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Clock for `Retry-After` dates, ms since the epoch. */
  now: () => number;
}

/**
 * A notification the receiver did not take. `retryable` for a network error or timeout (status 0),
 * 408, 429 and 5xx; then `retryAfterMs` is the receiver's `Retry-After` when it sent one. Any other
 * status (3xx, 4xx) fails the item. The message names the status, never the URL (it may hold a token).
 */
export class NotificationError extends Error {
  override readonly name = 'NotificationError';
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.retryable = status === 0 || status === 408 || status === 429 || status >= 500;
  }
}

/** Hex HMAC-SHA256 of `body` with `secret` (what `X-Kugetsu-Signature` carries, like Gitea's `X-Gitea-Signature`). */
export function signNotification(body: string | Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Sends one notification: `POST op.url` with the payload as JSON (text fields masked by `redact`;
 * `job.pullRequest` filled in from the store when the PR was opened after the item was queued),
 * headers `Content-Type: application/json`, `User-Agent: kugetsu`, `X-Kugetsu-Event`,
 * `X-Kugetsu-Delivery` (the payload's stable `delivery`), and — when a key is set —
 * `X-Kugetsu-Signature: <hex HMAC-SHA256 of the raw body>` and `X-Hub-Signature-256: sha256=<hex>`
 * (the same value, as GitHub-style receivers expect). Redirects are not followed. Resolves on any
 * 2xx; rejects with {@link NotificationError} otherwise (no answer within `timeoutMs` → status 0).
 * Never sends kugetsu's Gitea token: only these headers.
 */
export async function sendNotification(op: NotifyOp, deps: NotifyDeps): Promise<void> {
  let payload = op.payload;
  if (!payload.job.pullRequest && payload.event === 'succeeded') {
    const pr = (await deps.getJob(payload.job.id))?.pullRequest;
    if (pr) payload = { ...payload, job: { ...payload.job, pullRequest: { number: pr.number, url: pr.url } } };
  }
  const body = JSON.stringify(maskStrings(payload, deps.redact));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'kugetsu',
    'x-kugetsu-event': payload.event,
    'x-kugetsu-delivery': payload.delivery,
  };
  const secret = deps.secretFor(op);
  if (secret) {
    const signature = signNotification(body, secret);
    headers['x-kugetsu-signature'] = signature;
    headers['x-hub-signature-256'] = `sha256=${signature}`;
  }
  const doFetch = deps.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(op.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(deps.timeoutMs ?? NOTIFY_TIMEOUT_MS) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: unknown } };
    const why = e.name === 'TimeoutError' ? `no answer within ${deps.timeoutMs ?? NOTIFY_TIMEOUT_MS} ms` : typeof e.cause?.code === 'string' ? e.cause.code : e.message;
    throw new NotificationError(0, `notification receiver unreachable: ${why}`);
  }
  // The answer's body is not read; cancelling frees the connection (not awaited: an interposed
  // fetch, e.g. msw's pass-through, may never settle it).
  void response.body?.cancel().catch(() => undefined);
  if (response.status >= 200 && response.status < 300) return;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), deps.now());
  throw new NotificationError(response.status, `notification receiver answered HTTP ${response.status}`, retryAfterMs);
}

/** `value` with `redact` applied to every string in it (keys are kugetsu's own and left as they are). */
function maskStrings<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => maskStrings(v, redact)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskStrings(v, redact)])) as T;
  }
  return value;
}
