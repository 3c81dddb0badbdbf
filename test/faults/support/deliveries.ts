import { randomUUID } from 'node:crypto';
import { giteaHeaders } from '../../support/signed-request.js';

/** One delivery to send: a body, its fine event type, and its headers' variable parts. */
export interface DeliverySpec {
  /** Exact bytes to sign and send. */
  body: string;
  /** `X-Gitea-Event-Type`, e.g. `issue_comment`. */
  eventType: string;
  /** `X-Gitea-Delivery`; a fresh UUID when omitted. */
  delivery?: string;
  /** `X-Gitea-Hook-Installation-Target-Type` (default `repository`). */
  target?: 'repository' | 'organization' | 'user' | 'system' | 'default';
  /** Free data for the test (e.g. the issue and comment the delivery is about). */
  tag?: Record<string, unknown>;
}

/** What came back for one delivery: an HTTP answer, or an error (refused, reset, timed out). */
export interface DeliveryOutcome {
  spec: DeliverySpec & { delivery: string };
  /** HTTP status, or undefined when no answer arrived. */
  status?: number;
  /** Parsed JSON answer, when there was one. */
  json?: Record<string, any>;
  /** Why there was no answer (e.g. `ECONNREFUSED`, `socket hang up`, `TimeoutError`). */
  error?: string;
  /** When the answer (or the error) came, in ms since the burst started. */
  atMs: number;
}

/** True when the delivery got a 2xx (what Gitea records as a successful delivery). */
export const isAcked = (o: DeliveryOutcome): boolean => o.status !== undefined && o.status >= 200 && o.status < 300;

/**
 * POSTs one signed delivery to `<baseUrl>/webhooks/gitea` the way Gitea does (its headers, real
 * HMAC with `secret`, 5 s timeout like Gitea's `DELIVER_TIMEOUT`). Never throws: a refused,
 * reset or timed-out request is an outcome with `error`.
 */
export async function postDelivery(baseUrl: string, spec: DeliverySpec, secret: string, t0 = Date.now()): Promise<DeliveryOutcome> {
  const delivery = spec.delivery ?? randomUUID();
  const headers = giteaHeaders(spec.body, spec.eventType, { secret, delivery });
  if (spec.target) headers['x-gitea-hook-installation-target-type'] = spec.target;
  const full = { ...spec, delivery };
  try {
    const res = await fetch(`${baseUrl}/webhooks/gitea`, { method: 'POST', body: spec.body, headers, signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    let json: Record<string, any> | undefined;
    try {
      json = JSON.parse(text) as Record<string, any>;
    } catch {
      json = { raw: text };
    }
    return { spec: full, status: res.status, json, atMs: Date.now() - t0 };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { spec: full, error: e.cause?.code ?? e.cause?.message ?? `${e.name}: ${e.message}`, atMs: Date.now() - t0 };
  }
}

/** Options of {@link sendBurst}. */
export interface BurstOptions {
  /** Deliveries in flight at once. */
  concurrency: number;
  /**
   * Pause of each sender after a delivery, in ms (default 0); a function gets the number of
   * deliveries sent so far (to send a fast head and a slow tail, say).
   */
  gapMs?: number | ((sent: number) => number);
  /** Told about each outcome as it arrives (e.g. to SIGKILL the server after n acks). */
  onOutcome?: (outcome: DeliveryOutcome, all: readonly DeliveryOutcome[]) => void;
}

/**
 * Sends `specs` to the server with at most `concurrency` in flight, each sender taking the next
 * spec in order, and returns one outcome per spec, in the order of `specs`. Bounded: every request
 * ends within 5 s (answer, error or timeout), so the burst ends by itself even when the server dies.
 */
export async function sendBurst(baseUrl: string, specs: readonly DeliverySpec[], secret: string, options: BurstOptions): Promise<DeliveryOutcome[]> {
  const t0 = Date.now();
  const results: DeliveryOutcome[] = new Array(specs.length);
  const seen: DeliveryOutcome[] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= specs.length) return;
      const outcome = await postDelivery(baseUrl, specs[i]!, secret, t0);
      results[i] = outcome;
      seen.push(outcome);
      options.onOutcome?.(outcome, seen);
      const gap = typeof options.gapMs === 'function' ? options.gapMs(seen.length) : (options.gapMs ?? 0);
      if (gap > 0) await new Promise((r) => setTimeout(r, gap));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return results;
}
