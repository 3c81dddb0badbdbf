import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { serializePayload, type TemplateRepo } from '../../src/sandbox/delivery-templates.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { openStore } from '../../src/open-store.js';
import { createService, type Service, type ServiceOverrides } from '../../src/service.js';
import { FAKE_AGENT } from '../agents/support.js';
import type { FakeGiteaFixture } from './fake-gitea.js';
import { createBareOrigin, makeTempDir, removeDir } from './git-fixtures.js';
import { giteaHeaders } from './signed-request.js';
import { memoryLogger } from './test-logger.js';

/** The webhook secret of every {@link useServiceWorld} service. */
export const WORLD_SECRET = 'world-secret';

/** What {@link useServiceWorld} gives a test file. */
export interface ServiceWorld {
  /** This test's temp dir (state dir = `<tmp>/state`). */
  readonly tmp: string;
  /** The bare origin repository (`<tmp>/origin.git`) the fake's repositories clone from. */
  readonly origin: string;
  /** The running service, once {@link start} was called. */
  readonly service: Service;
  /** The service's log lines (a real pino logger writing to memory). */
  readonly logs: ReturnType<typeof memoryLogger>;
  /**
   * Starts kugetsu in-process against the fake Gitea (msw), with the fake agent CLI given
   * `agentArgs` (see test/support/fake-agent.mjs), reconciliation off and short outbox backoff;
   * `role: 'ingress'` runs no worker (admitted jobs stay queued).
   */
  start(agentArgs: string[], extraEnv?: Record<string, string>, options?: Pick<ServiceOverrides, 'role' | 'web'>): Promise<Service>;
  /** `acme/app` (or another repository) as a webhook payload describes it, cloning from {@link origin}. */
  repo(fake: FakeGitea, owner?: string, name?: string): TemplateRepo;
  /** Posts a signed delivery to the service; the answer's status and JSON body. */
  deliver(fine: string, payload: unknown, options?: { delivery?: string; target?: string }): Promise<{ status: number; json: Record<string, string>; body: string }>;
}

/**
 * The per-test set-up every service-level test shares: a temp dir with a bare origin, a kugetsu
 * service built by the real `loadConfig` + `createService` (stopped after each test), and a signed
 * delivery helper.
 */
export function useServiceWorld(gitea: FakeGiteaFixture, prefix = 'kugetsu-world-'): ServiceWorld {
  let tmp = '';
  let origin = '';
  let service: Service | undefined;
  let logs = memoryLogger();
  beforeEach(() => {
    tmp = makeTempDir(prefix);
    origin = createBareOrigin(tmp);
    logs = memoryLogger();
  });
  afterEach(async () => {
    await service?.stop(5_000);
    service = undefined;
    removeDir(tmp);
  });
  return {
    get tmp() {
      return tmp;
    },
    get origin() {
      return origin;
    },
    get service() {
      if (!service) throw new Error('useServiceWorld: start() the service first');
      return service;
    },
    get logs() {
      return logs;
    },
    async start(agentArgs, extraEnv = {}, options = {}) {
      const config = loadConfig(
        {
          GITEA_URL: gitea.fake.baseUrl,
          GITEA_TOKEN: gitea.fake.token,
          KUGETSU_WEBHOOK_SECRET: WORLD_SECRET,
          KUGETSU_STATE_DIR: path.join(tmp, 'state'),
          KUGETSU_AGENT: 'command',
          KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, ...agentArgs]),
          KUGETSU_RECONCILE_INTERVAL_S: '0',
          PATH: process.env.PATH,
          ...extraEnv,
        },
        tmp,
      );
      // The store the config names: SQLite in the state dir, or KUGETSU_DATABASE_URL's PostgreSQL.
      service = createService(config, {
        store: await openStore(config),
        logger: logs.logger,
        outboxBackoff: { baseMs: 20, maxMs: 200 },
        deferredRetry: { pollMs: 50, baseMs: 100, maxMs: 400 },
        ...options,
      });
      await service.start();
      return service;
    },
    repo(fake, owner = 'acme', name = 'app') {
      return { owner, name, cloneUrl: origin, htmlUrl: `${fake.baseUrl}/${owner}/${name}`, defaultBranch: 'main' };
    },
    async deliver(fine, payload, options = {}) {
      if (!service) throw new Error('useServiceWorld: start() the service first');
      const body = typeof payload === 'string' ? payload : serializePayload(payload);
      const headers = giteaHeaders(body, fine, { secret: WORLD_SECRET, ...(options.delivery ? { delivery: options.delivery } : {}) });
      if (options.target) headers['x-gitea-hook-installation-target-type'] = options.target;
      const res = await service.app.request('/webhooks/gitea', { method: 'POST', body, headers });
      return { status: res.status, json: (await res.json()) as Record<string, string>, body };
    },
  };
}
