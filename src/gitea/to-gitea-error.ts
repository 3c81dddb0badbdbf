import { GiteaError } from './types.js';

/**
 * Turns whatever a gitea-js call rejected with into a {@link GiteaError}:
 * - a `Response` (gitea-js 1.23.0 rejects with the Response on any non-2xx, parsed JSON body in
 *   `.error`): its status, and Gitea's `message` field (swagger `APIError` `{message, url}`) when
 *   present, else the status text;
 * - anything else (`TypeError: fetch failed`, an abort, DNS): status 0 (a network error,
 *   retryable), with the cause's code (`ECONNREFUSED`…) when there is one;
 * - a `GiteaError` is returned unchanged.
 * Every string in `secrets` (the token) of 4 characters or more is replaced by `***` in the message.
 */
export function toGiteaError(operation: string, failure: unknown, secrets: readonly string[]): GiteaError {
  if (failure instanceof GiteaError) return failure;
  // Like the service's redactor, secrets under 4 characters are not masked: masking them would
  // garble ordinary words ("fetch" with a token "t"), and such a token protects nothing anyway.
  const redact = (text: string): string => secrets.reduce((acc, secret) => (secret && secret.length >= 4 ? acc.split(secret).join('***') : acc), text);

  if (isResponseLike(failure)) {
    const message = giteaMessage(failure.error) ?? (failure.statusText || `HTTP ${failure.status}`);
    const retryAfter = (failure as { headers?: { get?: (name: string) => string | null } }).headers?.get?.('retry-after') ?? undefined;
    return new GiteaError(operation, failure.status, redact(message), retryAfter ? { retryAfter } : undefined);
  }
  const message = describeNetworkError(failure);
  return new GiteaError(operation, 0, redact(message), { cause: redactedCause(failure, redact) });
}

interface ResponseLike {
  status: number;
  statusText: string;
  error?: unknown;
}

function isResponseLike(value: unknown): value is ResponseLike {
  return typeof value === 'object' && value !== null && typeof (value as { status?: unknown }).status === 'number' && typeof (value as { headers?: unknown }).headers === 'object';
}

/** Gitea's `message` (or, for some validation errors, the first of `errors`). */
function giteaMessage(body: unknown): string | undefined {
  // gitea-js puts the JSON parse error (an Error) in `.error` when the body is not JSON.
  if (typeof body !== 'object' || body === null || body instanceof Error) return undefined;
  const { message, errors } = body as { message?: unknown; errors?: unknown };
  if (typeof message === 'string' && message.trim() !== '') return message;
  if (Array.isArray(errors) && typeof errors[0] === 'string') return errors[0];
  return undefined;
}

function describeNetworkError(failure: unknown): string {
  if (!(failure instanceof Error)) return `network error: ${String(failure)}`;
  const cause = failure.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = code ?? (typeof cause?.message === 'string' ? cause.message : undefined);
  return detail ? `${failure.message} (${detail})` : failure.message;
}

/** The original error, kept as `cause` only when its text cannot leak a secret. */
function redactedCause(failure: unknown, redact: (text: string) => string): unknown {
  if (failure instanceof Error) {
    const text = `${failure.message} ${String((failure.cause as { message?: unknown } | undefined)?.message ?? '')}`;
    if (redact(text) === text) return failure;
    return new Error(redact(failure.message));
  }
  return undefined;
}
