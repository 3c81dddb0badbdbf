import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { startHttpServer } from '../ingress/start-http-server.js';
import { pino } from 'pino';
import { loadConfig } from '../config/load-config.js';
import type { Delivery } from '../domain/delivery.js';
import { createLogger } from '../log/logger.js';
import { createRedactor } from '../log/redact.js';
import type { TemplateRepo, TemplateUser } from '../sandbox/delivery-templates.js';
import { openPostgresStore } from '../engine-postgres/open-postgres-store.js';
import { createService } from '../service.js';
import type { JobStore } from '../store/job-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { commandDeliveries } from './deliveries.js';
import { BENCH_SETTINGS } from './bench-settings.js';
import { serveChild } from './serve-child.js';

/** How the benchmark configures the kugetsu under test. */
export interface KugetsuTargetOptions {
  stateDir: string;
  giteaUrl: string;
  token: string;
  secret: string;
  maxAgents: number;
  /** `KUGETSU_AGENT_COMMAND` (the `command` adapter). */
  agentArgv: string[];
  /** Default `info`, like a production service; the log goes to `<stateDir>/kugetsu.log`. */
  logLevel?: string;
  /** More settings (names as in README "Configuration"); they win over {@link BENCH_SETTINGS}. */
  env?: Record<string, string>;
  /** `KUGETSU_DATABASE_URL`: the PostgreSQL backend in that (fresh) database; unset: SQLite in `stateDir`. */
  databaseUrl?: string;
}

/** Memory of the process after two forced GCs, in MB. */
export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
  /** V8's heap as reserved from the system (used or not). */
  heapTotalMb: number;
  externalMb: number;
  /** RSS by kind (`/proc/self/status` RssAnon, RssFile): malloc and V8 / mapped files (the node binary, libraries). */
  rssAnonMb: number | undefined;
  rssFileMb: number | undefined;
}

/**
 * The system under test: the real `createService` (SQLite store in `stateDir`, or PostgreSQL with
 * `databaseUrl`; fake Gitea, the `command` agent) served by @hono/node-server on 127.0.0.1, exactly
 * as `kugetsu serve` does. `health` counts SQLite commits only (`commits` is absent on PostgreSQL).
 * Besides `stop` it answers `health` (scheduler stats, outbox and job counts), `memory` (after
 * GC; needs `--expose-gc`) and `admit` (N new `/kugetsu` delegations straight into the
 * dispatcher, as the ingress would hand them over).
 */
await serveChild<KugetsuTargetOptions, { url: string }>(async (o) => {
  const config = loadConfig({
    GITEA_URL: o.giteaUrl,
    GITEA_TOKEN: o.token,
    KUGETSU_WEBHOOK_SECRET: o.secret,
    KUGETSU_STATE_DIR: o.stateDir,
    KUGETSU_MAX_AGENTS: String(o.maxAgents),
    KUGETSU_AGENT: 'command',
    KUGETSU_AGENT_COMMAND: JSON.stringify(o.agentArgv),
    KUGETSU_RECONCILE_INTERVAL_S: '0',
    KUGETSU_LOG_LEVEL: o.logLevel ?? 'info',
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(o.databaseUrl ? { KUGETSU_DATABASE_URL: o.databaseUrl } : {}),
    ...BENCH_SETTINGS,
    ...o.env,
  });
  // Like stdout redirected to a file: synchronous writes.
  const destination = pino.destination({ dest: `${o.stateDir}/kugetsu.log`, sync: true, mkdir: true });
  const logger = createLogger({ level: config.logLevel, redact: createRedactor([config.giteaToken, o.secret]), destination: destination as unknown as NodeJS.WritableStream });
  // The same store the service would open, plus (SQLite) a count of commits and of writes per commit.
  const commits = o.databaseUrl ? undefined : { transactions: 0, writes: 0 };
  const store: JobStore = commits
    ? openSqliteStore({ file: `${config.stateDir}/kugetsu.db`, onBatch: (n) => ((commits.transactions += 1), (commits.writes += n)) })
    : await openPostgresStore({ url: o.databaseUrl!, onIdleError: (err) => logger.warn({ err }, 'a PostgreSQL connection failed while idle; it is replaced') });
  const service = createService(config, { logger, store });
  await service.start();
  const { server } = await startHttpServer(service.app, { port: 0, host: '127.0.0.1', headersMs: config.door.headersMs, requestMs: config.door.requestMs });
  const { port } = server.address() as AddressInfo;
  let admitted = 0;

  return {
    info: { url: `http://127.0.0.1:${port}` },
    handlers: {
      health: async () => {
        const jobs = await service.store.counts();
        return {
          ...service.worker!.stats(),
          waiting: jobs.queued,
          commits,
          outbox: await service.store.outboxCounts(),
          jobs,
          deferred: await service.store.deferredCount(),
        };
      },
      memory: (): MemorySample => {
        const gc = (globalThis as { gc?: () => void }).gc;
        if (!gc) throw new Error('run with --expose-gc');
        gc();
        gc();
        const m = process.memoryUsage();
        const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
        const status = readFileSync('/proc/self/status', 'utf8');
        const kb = (field: string) => {
          const v = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
          return v === undefined ? undefined : mb(Number(v) * 1024);
        };
        return {
          rssMb: mb(m.rss),
          heapUsedMb: mb(m.heapUsed),
          heapTotalMb: mb(m.heapTotal),
          externalMb: mb(m.external),
          rssAnonMb: kb('RssAnon'),
          rssFileMb: kb('RssFile'),
        };
      },
      admit: async (arg) => {
        const { count, issues, repo, sender, idBase } = arg as { count: number; issues: number; repo: TemplateRepo; sender: TemplateUser; idBase: number };
        const make = commandDeliveries(repo, sender, { issues, idBase });
        let accepted = 0;
        for (let start = 0; start < count; start += 500) {
          const batch = Array.from({ length: Math.min(500, count - start) }, (_, i) => {
            const d = make(start + i);
            const delivery: Delivery = {
              id: `mem-${idBase + start + i}`,
              eventType: d.eventType,
              event: d.coarse,
              targetType: 'repository',
              payload: JSON.parse(d.body),
              size: Buffer.byteLength(d.body),
              bodySha256: createHash('sha256').update(d.body).digest('hex'),
              receivedAt: new Date(),
            };
            return service.dispatcher.handle(delivery);
          });
          for (const r of await Promise.all(batch)) if (r.status === 'accepted' || r.status === 'deferred') accepted++;
        }
        // Deliveries kept for confirmation (a burst beyond the confirmations in flight) become jobs
        // once confirmed: wait for them, so that the caller measures the queued state.
        while ((await service.store.deferredCount()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        admitted += accepted;
        return { accepted, admitted, jobs: (await service.store.counts()).queued };
      },
      /**
       * `{fast: true}` (teardown after a measurement): returns once the running agent was stopped
       * and its job checkpointed, without the shutdown's last outbox pass (up to 5 s with a
       * backlog); the process exits right after. Otherwise the full graceful `service.stop(0)`.
       */
      stop: async (arg) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close();
        const stopping = service.stop(0);
        if ((arg as { fast?: boolean } | null)?.fast) {
          await Promise.race([stopping, new Promise((r) => setTimeout(r, 10)).then(() => service.worker?.onIdle())]);
        } else {
          await stopping;
        }
        destination.flushSync();
      },
    },
  };
});
