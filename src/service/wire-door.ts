import type { Hono } from 'hono';
import { ensureAdminToken } from '../admin/admin-token.js';
import { createAdminApp } from '../admin/create-admin-app.js';
import { createStoredSecretsReader } from '../admin/stored-secrets-reader.js';
import type { Instance } from '../gitea/instance-registry.js';
import { createIngressApp } from '../ingress/create-ingress-app.js';
import { instanceSecrets } from '../ingress/instance-secrets.js';
import type { SecretSet } from '../ingress/webhook-secrets.js';
import type { Dispatcher } from '../pipeline/dispatcher.js';
import { isActive, type Job } from '../domain/job.js';
import { createPrescreen } from '../triggers/prescreen-delivery.js';
import type { Worker } from '../worker/worker.js';
import type { ServiceCore } from './service-core.js';

/** The HTTP door of a kugetsu process, as {@link wireDoor} builds it. */
export interface Door {
  /** The webhook routes (`/webhooks/<instance>`), health, metrics and the admin API. */
  app: Hono;
  /** The admin API's bearer token (`<state>/admin-token`, made on first start). */
  adminToken: string;
  /** The secret sets a delivery about a repository may be signed with, on `instance`. */
  secretsOf: (instance: Instance) => (fullName: string | undefined) => SecretSet[];
}

/**
 * The door: the webhook routes of every instance, each checking deliveries with its own secrets
 * (stored ones are looked at per delivery, so a hook installed while the server runs works at
 * once); the prescreen (not on a worker, which refuses deliveries); health and metrics; and the
 * admin API (cancel a job, list jobs). Answers 503 while `draining()` is true.
 */
export function wireDoor(core: ServiceCore, parts: { dispatcher: Dispatcher; worker: Worker | undefined; cancel: (job: Job) => Promise<unknown>; draining: () => boolean }): Door {
  const { config, role, instances, store } = core;
  const { worker } = parts;
  // Written by `kugetsu hooks install|secret`; looked at per delivery, so a new hook works at once.
  const stored = createStoredSecretsReader(config.stateDir);
  const sources = {
    global: config.webhookSecrets,
    configured: config.repoSecrets,
    settings: (owner: string, repo: string) => core.settingsFor(owner, repo).secrets,
    stored,
  };
  const bySecrets = new Map(
    instances.all.map((instance) => [
      instance,
      instanceSecrets(sources, {
        first: instance === instances.first,
        host: instance.host,
        secrets: core.instanceSettings.find((i) => i.name === instance.name)!.secrets,
      }),
    ]),
  );
  const secretsOf = (instance: Instance) => bySecrets.get(instance)!;
  const app = createIngressApp({
    secrets: config.webhookSecrets,
    secretsFor: secretsOf(instances.first),
    instances: instances.all.map((instance) => ({
      name: instance.name,
      secretsFor: secretsOf(instance),
      ...(instance !== instances.first ? { instance: instance.name } : {}),
      ...(instances.several ? { host: instance.host } : {}),
    })),
    ...(config.webhookAuthorization !== undefined ? { authorization: config.webhookAuthorization } : {}),
    maxBodyBytes: config.maxBodyBytes,
    maxBodiesInFlight: config.door.maxBodiesInFlight,
    allowUnsigned: config.allowUnsigned,
    ...(role === 'worker' ? {} : { prescreen: createPrescreen(() => config.repoSettings.commandWords()) }),
    onDelivery:
      role === 'worker'
        ? () => ({ status: 'rejected', reason: 'this kugetsu process is a worker: deliveries go to the ingress (kugetsu serve)' })
        : (d) => core.inRepoInstance({ instance: d.instance }, () => parts.dispatcher.handle(d)),
    health: () => ({ role, worker: worker?.id, ...(worker?.stats() ?? { running: 0, slots: 0 }), agent: config.agent.kind, sandbox: core.sandbox.settings.mode }),
    draining: parts.draining,
    logger: core.logger,
    observe: core.metrics.delivery,
    metrics: (authorization) => core.metrics.scrape(authorization),
  });
  const adminToken = ensureAdminToken(config.stateDir);
  app.route(
    '/',
    createAdminApp({
      token: adminToken,
      cancelJob: async (id) => {
        const job = await store.get(id);
        if (!job) return { status: 'unknown' };
        if (!isActive(job.state)) return { status: 'finished', state: job.state };
        await parts.cancel(job);
        return { status: 'canceled', state: (await store.get(id))?.state };
      },
      listJobs: (limit) => store.recent(limit),
    }),
  );
  return { app, adminToken, secretsOf };
}
