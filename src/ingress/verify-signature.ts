import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a delivery's signature was not accepted; `undefined` means it was. */
export type SignatureProblem = 'missing' | 'malformed' | 'mismatch';

/**
 * Checks the webhook signature: lowercase hex HMAC-SHA256 of the exact raw body bytes, keyed with
 * the hook's secret, in `X-Gitea-Signature` (bare) or `X-Hub-Signature-256` (`sha256=` prefix).
 * Gitea sends these headers **empty** when the hook has no secret, so an empty header is a missing
 * signature (Gitea v1.25.4 `services/webhook/deliver.go`). Compares in constant time.
 *
 * @param secrets every secret currently valid (more than one while rotating).
 * @returns `undefined` when one secret matches, else the problem.
 */
export function verifySignature(
  rawBody: Uint8Array,
  headers: { giteaSignature?: string | undefined; hubSignature256?: string | undefined },
  secrets: readonly string[],
): SignatureProblem | undefined {
  const gitea = headers.giteaSignature?.trim();
  const hub = headers.hubSignature256?.trim().replace(/^sha256=/i, '');
  const given = gitea || hub;
  if (!given) return 'missing';
  if (!/^[0-9a-fA-F]{64}$/.test(given)) return 'malformed';
  const givenBytes = Buffer.from(given.toLowerCase(), 'hex');
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Check every secret, so the time taken does not tell which one matched.
    if (timingSafeEqual(expected, givenBytes)) ok = true;
  }
  return ok ? undefined : 'mismatch';
}

/** The `X-Gitea-Signature` value for a body: what Gitea (and kugetsu's own `replay`/tests) send. */
export function signBody(rawBody: string | Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}
