import { isUtf8 } from 'node:buffer';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import type { Logger } from '../log/logger.js';
import type { Delivery, DeliveryOutcome, DeliveryResult } from '../domain/delivery.js';
import { bodyChunks, readBody } from './read-body.js';
import { scanRepository } from './scan-repository.js';
import { verifySignature, type SignatureProblem } from './verify-signature.js';
import type { SecretSet } from './webhook-secrets.js';

/** Receives a verified, parsed delivery; decides synchronously (or after a durable commit) what it means. */
export type DeliveryHandler = (delivery: Delivery) => DeliveryResult | Promise<DeliveryResult>;

/**
 * One Gitea/Forgejo instance's door: deliveries posted to `/webhooks/<name>` are checked with its
 * own secrets and marked with `instance`/`host` (see {@link Delivery}).
 */
export interface IngressInstance {
  /** The path segment, `[a-z0-9-]`; the first instance also answers at `/webhooks/gitea`. */
  name: string;
  /** The secrets that may sign a delivery about a repository of this instance (as `IngressOptions.secretsFor`). */
  secretsFor: (fullName: string | undefined) => readonly SecretSet[];
  /** Set on the deliveries of this door (absent `instance`: the first instance). */
  instance?: string | undefined;
  host?: string | undefined;
}

/** Options of {@link createIngressApp}: the instances and their secrets, the door's limits, the prescreen, and where deliveries go. Sizes in bytes. */
export interface IngressOptions {
  /**
   * The instances, first one first (several Gitea/Forgejo servers). Absent: one, at
   * `/webhooks/gitea`, with `secretsFor`/`secrets`.
   */
  instances?: readonly IngressInstance[];
  /** Valid global webhook secrets (several while rotating), used when `secretsFor` is not given. */
  secrets: readonly string[];
  /**
   * The secrets that may sign a delivery about a repository (`owner/repo`, lowercase, read from the
   * unverified body by {@link scanRepository} without parsing it; `undefined` when it names none),
   * in the order to try them — e.g. `chooseSecrets` of `webhook-secrets.ts`. Default: `secrets`.
   */
  secretsFor?: (fullName: string | undefined) => readonly SecretSet[];
  /** When set, the `Authorization` header must equal it (constant-time); else 401. */
  authorization?: string;
  /** Accept deliveries with no signature (local experiments only). A wrong signature is still refused. */
  allowUnsigned: boolean;
  /** Largest accepted body in bytes (default 1 MiB); larger → 413 (at once when `Content-Length` says so). */
  maxBodyBytes?: number;
  /**
   * Bodies read at once (default 256): beyond that a new delivery is answered 503 at once instead
   * of holding more memory (with `maxBodyBytes` this bounds what uploads can pin).
   */
  maxBodiesInFlight?: number;
  onDelivery: DeliveryHandler;
  /**
   * Asked once the signature holds, before the body is parsed: given the event type and the raw
   * bytes, the reason a delivery certainly asks nothing (answered 200 `ignored` at once: not parsed,
   * not checked further), or `undefined` to go on. Must not throw. Absent: every delivery is parsed.
   * A delivery it ignores is not held to the rule that a repository with a secret of its own is not
   * reached with the global secret: that rule guards what may act.
   */
  prescreen?: (eventType: string, raw: Uint8Array) => string | undefined;
  /** Facts for `GET /healthz`, e.g. `{running: 1, queued: 4}`. */
  health?: () => Record<string, unknown>;
  /** When it returns true the service is shutting down: deliveries get 503 so Gitea shows a failure. */
  draining?: () => boolean;
  logger: Logger;
  /**
   * Told how each delivery was answered (metrics): its `X-Gitea-Event-Type` once the signature
   * held (`undefined` before: an unverified header is not believed), and the outcome. Must not throw.
   */
  observe?: (answer: { eventType: string | undefined; outcome: DeliveryOutcome }) => void;
  /**
   * `GET /metrics`: given the request's `Authorization` header, the answer to send (Prometheus
   * text, or 401). Absent: no such route.
   */
  metrics?: (authorization: string | undefined) => Promise<{ status: 200 | 401; contentType: string; body: string }>;
}

const OUTCOME_OF_CODE: Record<number, DeliveryOutcome> = { 400: 'rejected', 401: 'unauthorized', 413: 'too-large', 415: 'unsupported-type', 503: 'unavailable' };

/** Path Gitea posts to. */
export const WEBHOOK_PATH = '/webhooks/gitea';

/** A delivery header, in Gitea's spelling or Forgejo's (`X-Forgejo-*`, Forgejo ≥ 1.18.1-0 sends both; docs/forgejo-contract.md). */
function header(get: (name: string) => string | undefined, suffix: string): string | undefined {
  return get(`x-gitea-${suffix}`) ?? get(`x-forgejo-${suffix}`) ?? get(`x-gogs-${suffix}`);
}

/**
 * The HTTP front door (Hono; the only importer of Hono in the service):
 * - `POST /webhooks/<name>` (an instance's deliveries; `/webhooks/gitea` is the first instance's):
 *   404 for an unknown name, 415 unless JSON, 413 over the size limit, 401 on a missing or wrong
 *   signature, 400 on malformed JSON, a missing `X-Gitea-Event-Type` or a payload lacking required
 *   fields, 200 `{status:"ignored", reason}` for what kugetsu does not act on (what `prescreen`
 *   ignores is answered once the signature holds, unparsed), 202
 *   `{status:"accepted", delivery, job}` otherwise. Never waits for an agent.
 * - `GET /healthz`: 200 `{status:"ok", …health()}`.
 * - `GET /metrics` (when `metrics` is given): Prometheus text, or 401 with `WWW-Authenticate`.
 * Every answer is JSON `{status, delivery?, reason?}`; unexpected errors become 500 with no detail
 * leaked (logged with the delivery id). Forgejo's `X-Forgejo-*` headers are read where Gitea's
 * `X-Gitea-*` are missing.
 */
export function createIngressApp(options: IngressOptions): Hono {
  const { logger } = options;
  const app = new Hono();
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const maxBodiesInFlight = options.maxBodiesInFlight ?? 256;
  let bodiesInFlight = 0;

  const tell = (eventType: string | undefined, outcome: DeliveryOutcome) => {
    try {
      options.observe?.({ eventType, outcome });
    } catch {
      // Metrics never change an answer.
    }
  };
  if (options.metrics) {
    const metrics = options.metrics;
    app.get('/metrics', async (c) => {
      const answer = await metrics(c.req.header('authorization'));
      if (answer.status === 401) c.header('www-authenticate', 'Bearer realm="kugetsu metrics"');
      return c.body(answer.body, answer.status, { 'content-type': answer.contentType });
    });
  }

  app.get('/healthz', (c) => c.json({ status: options.draining?.() ? 'draining' : 'ok', ...(options.health?.() ?? {}) }, options.draining?.() ? 503 : 200));

  const doors: IngressInstance[] = options.instances
    ? [...options.instances]
    : [{ name: 'gitea', secretsFor: options.secretsFor ?? (() => (options.secrets.length > 0 ? [{ scope: 'global' as const, secrets: options.secrets }] : [])) }];
  const doorOf = (name: string): IngressInstance | undefined => doors.find((d) => d.name === name) ?? (name === 'gitea' ? doors[0] : undefined);

  app.post('/webhooks/:name', async (c) => {
    const door = doorOf(c.req.param('name'));
    if (!door) {
      return c.json(
        {
          status: 'rejected',
          reason: `no instance called "${c.req.param('name')}"; deliveries go to /webhooks/<name> of an instance in KUGETSU_INSTANCES_FILE (${doors.map((d) => d.name).join(', ')})`,
        },
        404,
      );
    }
    // Served by @hono/node-server: Node's request, whose headers are already a plain object with
    // lowercase names (read directly: each `c.req.header` looks a name up again); elsewhere
    // (app.request in tests) the web request.
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const get = incoming ? nodeHeaderReader(incoming) : (name: string) => c.req.header(name);
    const deliveryId = header(get, 'delivery')?.trim() || `local-${randomUUID()}`;
    // The event type is believed only once the signature held.
    let verifiedType: string | undefined;
    const reject = (code: 400 | 401 | 413 | 415 | 503, reason: string) => {
      tell(verifiedType, OUTCOME_OF_CODE[code]!);
      logger.info({ delivery: deliveryId, code, reason }, 'delivery rejected');
      return c.json({ status: 'rejected', delivery: deliveryId, reason }, code);
    };
    /** The answer to a verified delivery of `eventType`: what the prescreen or the handler decided. */
    const answer = (eventType: string, result: DeliveryResult) => {
      const log = { delivery: deliveryId, eventType, ...result };
      if (result.status !== 'rejected') tell(eventType, result.status);
      switch (result.status) {
        case 'accepted':
          logger.info(log, 'delivery accepted');
          return c.json({ status: 'accepted', delivery: deliveryId, job: result.jobId, issue: result.issueKey }, 202);
        case 'deferred':
          logger.info(log, 'delivery deferred');
          return c.json({ status: 'deferred', delivery: deliveryId, reason: result.reason }, 202);
        case 'ignored':
          logger.debug(log, 'delivery ignored');
          return c.json({ status: 'ignored', delivery: deliveryId, reason: `ignored: ${result.reason}` }, 200);
        case 'rejected':
          return reject(400, result.reason);
      }
    };
    if (options.draining?.()) return reject(503, 'kugetsu is shutting down; redeliver this event from Gitea in a minute');

    const contentType = (get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') {
      return reject(415, `content type must be application/json (set the Gitea webhook's "POST Content Type" to application/json), got "${contentType || 'none'}"`);
    }
    if (bodiesInFlight >= maxBodiesInFlight) {
      c.header('retry-after', '1');
      return reject(503, `kugetsu is receiving ${maxBodiesInFlight} deliveries at once (KUGETSU_MAX_BODIES_IN_FLIGHT); redeliver this event from Gitea in a moment`);
    }
    bodiesInFlight++;
    // Read Node's request stream itself when there is one (no web Request/stream is built for it).
    const length = get('content-length');
    const read = await readBody(
      bodyChunks(incoming, () => c.req.raw.body),
      length,
      maxBodyBytes,
    ).finally(() => bodiesInFlight--);
    if (!read.ok) {
      if (read.tooLarge) return reject(413, `body larger than ${maxBodyBytes} bytes (KUGETSU_MAX_BODY_BYTES); Gitea's payloads are tens of KB`);
      // The sender stopped (it hung up, or the request timeout closed the connection).
      return reject(400, `the body did not arrive in full (${read.error})`);
    }
    const raw = read.bytes;

    if (options.authorization !== undefined && !sameSecret(get('authorization') ?? '', options.authorization)) {
      return reject(401, 'the Authorization header does not match KUGETSU_WEBHOOK_AUTHORIZATION (the webhook\'s "Authorization Header" setting)');
    }

    const signatures = { giteaSignature: get('x-gitea-signature') ?? get('x-forgejo-signature'), hubSignature256: get('x-hub-signature-256') };
    // Each instance's own secrets only: another instance's secret is refused here. Its global
    // secret is tried first: most installations sign with it, and then the body need not be
    // scanned for its repository (a scan costs about what `JSON.parse` does). Such a delivery must
    // still be about a repository without a secret of its own: checked once it is parsed.
    const globalSets = door.secretsFor(undefined);
    const byGlobal = globalSets.length > 0 && checkSignature(raw, signatures, globalSets).problem === undefined;
    // Otherwise the repository is read from the raw bytes (no parse) to choose its secrets; the
    // parsed payload must name the same repository once the signature holds.
    const claimedRepo = byGlobal ? undefined : scanRepository(raw);
    let hookTarget: SecretSet['hookTarget'];
    if (!byGlobal) {
      const sets = door.secretsFor(claimedRepo);
      const checked = checkSignature(raw, signatures, sets);
      if (checked.problem && !(checked.problem === 'missing' && options.allowUnsigned)) {
        return reject(401, signatureHint(checked.problem, sets, claimedRepo));
      }
      hookTarget = checked.set?.hookTarget;
    }
    verifiedType = (header(get, 'event-type') ?? '').trim() || undefined;
    const targetType = header(get, 'hook-installation-target-type')?.trim().toLowerCase() || undefined;
    if (hookTarget && targetType && targetType !== hookTarget) {
      return reject(401, `the delivery comes from a ${targetType} hook, but its secret is the one kugetsu's ${hookTarget} hook of ${claimedRepo} was installed with`);
    }
    const eventType = verifiedType;
    if (!eventType) return reject(400, 'missing X-Gitea-Event-Type (or X-Forgejo-Event-Type) header (sent by Gitea 1.16 and later, and by Forgejo)');
    const skip = options.prescreen?.(eventType, raw);
    if (skip !== undefined) return answer(eventType, { status: 'ignored', reason: skip });

    let payload: unknown;
    try {
      if (!isUtf8(raw)) throw new Error('the body is not UTF-8');
      payload = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
    } catch (err) {
      return reject(400, `body is not valid UTF-8 JSON: ${(err as Error).message}`);
    }
    const repo = repositoryOf(payload);
    if (byGlobal) {
      const own = repo === undefined ? globalSets : door.secretsFor(repo);
      if (!own.some((set) => set.scope === 'global')) return reject(401, signatureHint('mismatch', own, repo));
    } else if (repo !== claimedRepo) {
      return reject(
        401,
        'the repository the signature was checked for is not the repository of the payload (a repeated or escaped "repository" key); Gitea never sends such a body',
      );
    }

    let bodySha256: string | undefined;
    const delivery: Delivery = {
      id: deliveryId,
      eventType,
      event: header(get, 'event') ?? undefined,
      targetType,
      payload,
      size: raw.byteLength,
      // Only a delivery that may act needs its content key: hashed on first read, not for each
      // delivery kugetsu ignores.
      get bodySha256() {
        bodySha256 ??= createHash('sha256').update(raw).digest('hex');
        return bodySha256;
      },
      receivedAt: new Date(),
      ...(door.instance !== undefined ? { instance: door.instance } : {}),
      ...(door.host !== undefined ? { host: door.host } : {}),
    };
    return answer(eventType, await options.onDelivery(delivery));
  });

  app.notFound((c) => c.json({ status: 'rejected', reason: `no route ${c.req.method} ${c.req.path}; Gitea should post to ${WEBHOOK_PATH}` }, 404));
  app.onError((err, c) => {
    if (c.req.path.startsWith('/webhooks/')) tell(undefined, 'error');
    logger.error({ err, path: c.req.path }, 'ingress failure');
    return c.json({ status: 'error', reason: 'internal error; see the kugetsu log' }, 500);
  });
  return app;
}

/**
 * A header of Node's request by lowercase name. Of a repeated header Node keeps the first value for
 * the fields that may appear once (`content-type`, `content-length`, `authorization`…), joins the
 * others with `, ` as web `Headers.get` does, and keeps `set-cookie` as an array (joined here).
 * Node v20 `lib/_http_incoming.js` `matchKnownFields`.
 */
function nodeHeaderReader(incoming: IncomingMessage): (name: string) => string | undefined {
  const headers = incoming.headers;
  return (name) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
}

/** Constant-time string equality (for the Authorization header). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * `owner/name` (lowercase) of a parsed payload's top-level `repository` (`owner.login` and `name`,
 * the fields the issue key and every API call use — never `full_name`), or `undefined`.
 */
function repositoryOf(payload: unknown): string | undefined {
  const repository = (payload as { repository?: { name?: unknown; owner?: { login?: unknown } } } | null)?.repository;
  const owner = repository?.owner?.login;
  const name = repository?.name;
  return typeof owner === 'string' && typeof name === 'string' && owner !== '' && name !== '' ? `${owner}/${name}`.toLowerCase() : undefined;
}

/** The first secret set that verifies the signature, or the problem (a mismatch wins over a missing signature). */
function checkSignature(
  raw: Uint8Array,
  signatures: { giteaSignature?: string | undefined; hubSignature256?: string | undefined },
  sets: readonly SecretSet[],
): { set?: SecretSet; problem?: SignatureProblem } {
  if (sets.length === 0) return { problem: verifySignature(raw, signatures, []) };
  let problem: SignatureProblem | undefined;
  for (const set of sets) {
    problem = verifySignature(raw, signatures, set.secrets);
    if (!problem) return { set };
    if (problem !== 'mismatch') return { problem };
  }
  return { problem };
}

/** What to fix, for a 401. */
function signatureHint(problem: SignatureProblem, sets: readonly SecretSet[], repo: string | undefined): string {
  const own = sets.some((s) => s.scope !== 'global');
  const expected = own
    ? `the secret of ${repo} (its own or its organisation's: kugetsu hooks install / kugetsu hooks secret, KUGETSU_REPO_SECRETS, or secret_env in its webhooks/ settings); KUGETSU_WEBHOOK_SECRET is not accepted for a repository that has its own secret`
    : "KUGETSU_WEBHOOK_SECRET (or the repository's own secret)";
  if (problem === 'missing') return `missing signature: set a secret on the Gitea webhook equal to ${expected}`;
  const malformed = problem === 'malformed' ? ' (it is not 64 hex digits)' : '';
  return `signature does not match${malformed}: the Gitea webhook secret differs from ${expected}`;
}
