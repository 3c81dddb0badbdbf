import { randomUUID } from 'node:crypto';
import { signBody } from '../../src/ingress/verify-signature.js';

/**
 * Headers Gitea v1.25.4 sends with a delivery (`services/webhook/deliver.go` `addDefaultHeaders`),
 * signed with the real HMAC over `body`. `secret: undefined` gives the empty signature headers of a
 * hook without a secret.
 */
export function giteaHeaders(body: string, fine: string, options: { coarse?: string; secret?: string | undefined; delivery?: string } = {}): Record<string, string> {
  const delivery = options.delivery ?? randomUUID();
  const sig = options.secret === undefined ? '' : signBody(body, options.secret);
  return {
    'content-type': 'application/json',
    'x-gitea-delivery': delivery,
    'x-gogs-delivery': delivery,
    'x-github-delivery': delivery,
    'x-gitea-event': options.coarse ?? fine,
    'x-gitea-event-type': fine,
    'x-gitea-signature': sig,
    'x-hub-signature-256': `sha256=${sig}`,
    'x-gitea-hook-installation-target-type': 'repository',
  };
}

/**
 * The headers of a Forgejo delivery with only Forgejo's own names (`X-Forgejo-Delivery`,
 * `-Event`, `-Event-Type`, `-Signature`; Forgejo `services/webhook/shared/payloader.go`
 * `AddDefaultHeaders` sends these beside the `X-Gitea-*` ones): proves kugetsu needs none of Gitea's.
 */
export function forgejoHeaders(body: string, fine: string, options: { coarse?: string; secret?: string | undefined; delivery?: string } = {}): Record<string, string> {
  const delivery = options.delivery ?? randomUUID();
  return {
    'content-type': 'application/json',
    'x-forgejo-delivery': delivery,
    'x-forgejo-event': options.coarse ?? fine,
    'x-forgejo-event-type': fine,
    'x-forgejo-signature': options.secret === undefined ? '' : signBody(body, options.secret),
  };
}
