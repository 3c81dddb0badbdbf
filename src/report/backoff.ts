/**
 * How long to wait before retrying a Gitea write. All durations in ms.
 * - `baseMs`: the wait after the first failed attempt (default 1000).
 * - `factor`: growth per further attempt (default 2).
 * - `maxMs`: the cap (default 60000), applied before and after jitter.
 * - `jitter`: fraction in [0, 1] of the delay that is randomised away (default 0.2: the wait is
 *   between 80 % and 100 % of the exponential value), so that many items failing together do not
 *   retry in lockstep.
 */
export interface BackoffOptions {
  baseMs: number;
  factor: number;
  maxMs: number;
  jitter: number;
}

/** The defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0.2 };

/** Longest `Retry-After` honoured (1 h, in ms); a larger value is cut to this. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * The wait (ms, an integer ≥ 0) before the next attempt, after `attempts` failed ones (1 = the
 * first attempt just failed): `min(maxMs, baseMs · factor^(attempts-1))`, reduced by up to
 * `jitter` of itself using `random()` (a value in [0, 1); default `Math.random`). Attempts below 1
 * count as 1. Never exceeds `maxMs`.
 */
export function backoffDelay(attempts: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempts));
  const raw = options.baseMs * options.factor ** (n - 1);
  const capped = Math.min(options.maxMs, Number.isFinite(raw) ? raw : options.maxMs);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.max(0, Math.round(capped * (1 - jitter * random())));
}

/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3: either delay-seconds, e.g. `"120"`, or an
 * HTTP-date) into a wait in ms from `nowMs`, capped at {@link MAX_RETRY_AFTER_MS}. Returns
 * `undefined` for an empty or unparseable value; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * The `Retry-After` wait (ms) a failed call carries, if its error exposes one: a numeric
 * `retryAfterMs` property, or a `retryAfter` header value (string), or `headers.get('retry-after')`
 * of a `Response`-like error. Today's `GiteaError` exposes none of them (gitea-js rejects with the
 * `Response`, whose headers `toGiteaError` does not keep), so this returns `undefined` until the
 * client passes the header on; the outbox then falls back to {@link backoffDelay}.
 */
export function retryAfterOf(error: unknown, nowMs: number): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { retryAfterMs?: unknown; retryAfter?: unknown; headers?: unknown };
  if (typeof e.retryAfterMs === 'number' && Number.isFinite(e.retryAfterMs)) {
    return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, e.retryAfterMs));
  }
  if (typeof e.retryAfter === 'string') return parseRetryAfter(e.retryAfter, nowMs);
  const headers = e.headers as { get?: unknown } | undefined;
  if (headers && typeof headers.get === 'function') {
    return parseRetryAfter((headers.get as (name: string) => string | null).call(headers, 'retry-after'), nowMs);
  }
  return undefined;
}
