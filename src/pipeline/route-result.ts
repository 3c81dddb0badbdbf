import type { DeliveryResult } from '../domain/delivery.js';

/**
 * What routing an event gave: a {@link DeliveryResult}, or `unavailable` when Gitea could not
 * answer a check (confirmation of the event, the sender's permission) now — the caller keeps the
 * delivery (deferred) and tries again later; nothing was stored or written for it.
 */
export type RouteResult = DeliveryResult | { status: 'unavailable'; reason: string };
