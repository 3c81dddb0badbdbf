import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../log/logger.js';
import type { Delivery, DeliveryResult } from './delivery.js';
import { verifySignature } from './verify-signature.js';

/** Receives a verified, parsed delivery; decides synchronously (or after a durable commit) what it means. */
export type DeliveryHandler = (delivery: Delivery) => DeliveryResult | Promise<DeliveryResult>;

export interface IngressOptions {
  /** Valid webhook secrets (several while rotating). Empty only when `allowUnsigned`. */
  secrets: readonly string[];
  /**
   * Secrets of one repository (by `owner/repo`, lowercase), tried when none of `secrets` matches;
   * the body is then parsed (untrusted, size-limited) only to read `repository.owner.login` and `.name`.
   */
  repoSecrets?: (fullName: string) => readonly string[];
  /** When set, the `Authorization` header must equal it (constant-time); else 401. */
  authorization?: string;
  /** Accept deliveries with no signature (local experiments only). A wrong signature is still refused. */
  allowUnsigned: boolean;
  /** Largest accepted body in bytes (default 5 MB); larger → 413. */
  maxBodyBytes?: number;
  onDelivery: DeliveryHandler;
  /** Facts for `GET /healthz`, e.g. `{running: 1, queued: 4}`. */
  health?: () => Record<string, unknown>;
  /** When it returns true the service is shutting down: deliveries get 503 so Gitea shows a failure. */
  draining?: () => boolean;
  logger: Logger;
}

/** Path Gitea posts to. */
export const WEBHOOK_PATH = '/webhooks/gitea';

/**
 * The HTTP front door (Hono; the only importer of Hono in the service):
 * - `POST /webhooks/gitea`: 415 unless JSON, 413 over the size limit, 401 on a missing or wrong
 *   signature, 400 on malformed JSON, a missing `X-Gitea-Event-Type` or a payload lacking required
 *   fields, 200 `{status:"ignored", reason}` for what kugetsu does not act on, 202
 *   `{status:"accepted", delivery, job}` otherwise. Never waits for an agent.
 * - `GET /healthz`: 200 `{status:"ok", …health()}`.
 * Every answer is JSON `{status, delivery?, reason?}`; unexpected errors become 500 with no detail
 * leaked (logged with the delivery id).
 */
export function createIngressApp(options: IngressOptions): Hono {
  const { logger } = options;
  const app = new Hono();
  const maxBodyBytes = options.maxBodyBytes ?? 5 * 1024 * 1024;

  app.get('/healthz', (c) => c.json({ status: options.draining?.() ? 'draining' : 'ok', ...(options.health?.() ?? {}) }, options.draining?.() ? 503 : 200));

  app.post(
    WEBHOOK_PATH,
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => c.json({ status: 'rejected', reason: `body larger than ${maxBodyBytes} bytes` }, 413),
    }),
    async (c) => {
      const deliveryId = c.req.header('x-gitea-delivery')?.trim() || c.req.header('x-gogs-delivery')?.trim() || `local-${randomUUID()}`;
      const reject = (code: 400 | 401 | 415 | 503, reason: string) => {
        logger.info({ delivery: deliveryId, code, reason }, 'delivery rejected');
        return c.json({ status: 'rejected', delivery: deliveryId, reason }, code);
      };
      if (options.draining?.()) return reject(503, 'kugetsu is shutting down; redeliver this event from Gitea in a minute');

      const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (contentType !== 'application/json') {
        return reject(415, `content type must be application/json (set the Gitea webhook's "POST Content Type" to application/json), got "${contentType || 'none'}"`);
      }
      const raw = new Uint8Array(await c.req.arrayBuffer());

      if (options.authorization !== undefined && !sameSecret(c.req.header('authorization') ?? '', options.authorization)) {
        return reject(401, "the Authorization header does not match KUGETSU_WEBHOOK_AUTHORIZATION (the webhook's \"Authorization Header\" setting)");
      }

      const signatures = { giteaSignature: c.req.header('x-gitea-signature'), hubSignature256: c.req.header('x-hub-signature-256') };
      let problem = verifySignature(raw, signatures, options.secrets);
      if (problem === 'mismatch' || (problem === 'missing' && options.secrets.length === 0)) {
        const own = options.repoSecrets?.(repositoryOf(raw) ?? '') ?? [];
        if (own.length > 0) problem = verifySignature(raw, signatures, own);
      }
      if (problem && !(problem === 'missing' && options.allowUnsigned)) {
        return reject(
          401,
          problem === 'missing'
            ? 'missing signature: set a secret on the Gitea webhook equal to KUGETSU_WEBHOOK_SECRET'
            : 'signature does not match: the Gitea webhook secret differs from KUGETSU_WEBHOOK_SECRET (or the repository\'s own secret)',
        );
      }

      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
      } catch (err) {
        return reject(400, `body is not valid UTF-8 JSON: ${(err as Error).message}`);
      }
      const eventType = (c.req.header('x-gitea-event-type') ?? c.req.header('x-gogs-event-type') ?? '').trim();
      if (!eventType) return reject(400, 'missing X-Gitea-Event-Type header (sent by Gitea 1.16 and later)');

      const delivery: Delivery = {
        id: deliveryId,
        eventType,
        event: c.req.header('x-gitea-event') ?? undefined,
        targetType: c.req.header('x-gitea-hook-installation-target-type') ?? undefined,
        payload,
        size: raw.byteLength,
        bodySha256: createHash('sha256').update(raw).digest('hex'),
        receivedAt: new Date(),
      };
      const result = await options.onDelivery(delivery);
      const log = { delivery: delivery.id, eventType, ...result };
      switch (result.status) {
        case 'accepted':
          logger.info(log, 'delivery accepted');
          return c.json({ status: 'accepted', delivery: delivery.id, job: result.jobId, issue: result.issueKey }, 202);
        case 'ignored':
          logger.debug(log, 'delivery ignored');
          return c.json({ status: 'ignored', delivery: delivery.id, reason: `ignored: ${result.reason}` }, 200);
        case 'rejected':
          return reject(400, result.reason);
      }
    },
  );

  app.notFound((c) => c.json({ status: 'rejected', reason: `no route ${c.req.method} ${c.req.path}; Gitea should post to ${WEBHOOK_PATH}` }, 404));
  app.onError((err, c) => {
    logger.error({ err, path: c.req.path }, 'ingress failure');
    return c.json({ status: 'error', reason: 'internal error; see the kugetsu log' }, 500);
  });
  return app;
}

/** Constant-time string equality (for the Authorization header). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * `owner/name` (lowercase) of an unverified body's repository — `repository.owner.login` and
 * `repository.name`, the same fields the issue key and every API call use (never `full_name`,
 * which a body could set to another repository's name) — for choosing a repository's own secret.
 * `undefined` when the body is not JSON or lacks them. Nothing else is read before the signature
 * is verified.
 */
function repositoryOf(raw: Uint8Array): string | undefined {
  try {
    const body = JSON.parse(Buffer.from(raw).toString('utf8')) as { repository?: { name?: unknown; owner?: { login?: unknown } } };
    const owner = body?.repository?.owner?.login;
    const name = body?.repository?.name;
    return typeof owner === 'string' && typeof name === 'string' ? `${owner}/${name}`.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
