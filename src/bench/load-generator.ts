import autocannon from 'autocannon';
import { deliveryHeaders, type BenchDelivery } from './deliveries.js';

/** A mix of deliveries: fixed ones (sent again and again) and fresh triggering ones. */
export interface DeliveryMix {
  name: string;
  /**
   * The sequence each connection cycles through: a fixed delivery, or `'trigger'` for a new
   * `/kugetsu` comment built by `trigger(n)` (n counts up across connections).
   */
  sequence: Array<BenchDelivery | 'trigger'>;
  trigger: (n: number) => BenchDelivery;
}

/** Per-run bookkeeping of the triggering deliveries, for the store check. */
export interface TriggerLedger {
  /** n of every triggering delivery put on the wire. */
  sent: Set<number>;
  /** n of every triggering delivery answered 2xx. */
  acked: Set<number>;
  /** n of every triggering delivery answered at all. */
  answered: Set<number>;
  /** Status codes per delivery kind. */
  statuses: Record<string, Record<number, number>>;
  /** When the last triggering delivery was answered (ms since the epoch). */
  lastAnswerAt?: number;
}

/** What one load run measured (latencies in ms). */
export interface LoadResult {
  durationS: number;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** A new, empty ledger. */
export function newLedger(): TriggerLedger {
  return { sent: new Set(), acked: new Set(), answered: new Set(), statuses: {} };
}

/**
 * Runs autocannon (50 connections unless told otherwise, no pipelining) against `url` +
 * `/webhooks/gitea` for `durationS` seconds (or `amount` requests) with the mix: fixed deliveries are pre-built once,
 * triggering ones are built and signed just before they are sent (unique comment id and delivery
 * id each). Every answer is tallied in `ledger` (shared across a warm-up and a measured run so the
 * store check sees both).
 */
export async function runLoad(options: {
  url: string;
  mix: DeliveryMix;
  secret: string;
  durationS: number;
  /** Send exactly this many requests instead of running for `durationS`. */
  amount?: number;
  connections?: number;
  ledger: TriggerLedger;
  counter: { next: number };
}): Promise<LoadResult> {
  const { mix, secret, ledger, counter } = options;
  const tally = (kind: string, status: number) => {
    const byStatus = (ledger.statuses[kind] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  };
  const requests: autocannon.Request[] = mix.sequence.map((item, slot) => {
    if (item === 'trigger') {
      return {
        method: 'POST',
        path: '/webhooks/gitea',
        setupRequest: (req: autocannon.Request, context: object) => {
          const n = counter.next++;
          const d = mix.trigger(n);
          (context as { n?: number }).n = n;
          ledger.sent.add(n);
          return { ...req, body: d.body, headers: deliveryHeaders(d, secret, `bench-trigger-${n}`) };
        },
        onResponse: (status: number, _body: string, context: object) => {
          const n = (context as { n?: number }).n;
          tally('/kugetsu', status);
          ledger.lastAnswerAt = Date.now();
          if (n === undefined) return;
          ledger.answered.add(n);
          if (status >= 200 && status < 300) ledger.acked.add(n);
        },
      };
    }
    return {
      method: 'POST',
      path: '/webhooks/gitea',
      body: item.body,
      headers: deliveryHeaders(item, secret, `bench-fixed-${mix.name}-${slot}`),
      onResponse: (status: number) => tally(item.kind, status),
    };
  });
  const result = await autocannon({
    url: options.url,
    // autocannon refuses more connections than requests.
    connections: Math.min(options.connections ?? 50, options.amount ?? Number.POSITIVE_INFINITY),
    pipelining: 1,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationS }),
    requests,
  });
  const answered = result.requests.total;
  return {
    durationS: result.duration,
    requests: answered,
    reqPerSec: answered / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
