import { ConfigError, loadConfig } from '../config/load-config.js';
import { startHttpServer, type HttpServer } from '../ingress/start-http-server.js';
import { openStore } from '../open-store.js';
import { createService } from '../service.js';
import { makeStatePrivate, type PrivateStateReport } from '../store/private-state.js';

/**
 * The process umask of `kugetsu serve`: everything it and its children (git, agents) create is
 * owner-only (dirs 0700, files 0600), since the state dir holds private code, issue text and agent
 * output.
 */
export const SERVE_UMASK = 0o077;

/**
 * `kugetsu serve`: loads the config from the environment, sets the umask to {@link SERVE_UMASK},
 * makes the state dir owner-only (existing entries with group/other bits are tightened, with one
 * log line saying what changed), starts the HTTP server and the pipeline, and shuts down on
 * SIGTERM/SIGINT (503 to new deliveries, running agents get a grace period). Exit code 1 with one
 * message listing every bad setting.
 */
export async function serveCommand(options: { graceS?: number; role?: 'all' | 'ingress' | 'worker' }): Promise<void> {
  const role = options.role ?? 'all';
  let config;
  try {
    config = loadConfig(process.env, process.cwd(), { receivesDeliveries: role !== 'worker' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  process.umask(SERVE_UMASK);
  let privateState: PrivateStateReport;
  let service: ReturnType<typeof createService> | undefined;
  try {
    privateState = await makeStatePrivate(config.stateDir);
  } catch (err) {
    // Almost always the state dir (not writable, not a directory).
    cannotStart(err, `check KUGETSU_STATE_DIR (${config.stateDir}): it must be a writable directory of this kugetsu's own`);
  }
  try {
    const store = await openStore(config, { onIdleError: (err) => service?.logger.warn({ err }, 'a PostgreSQL connection failed while idle; it is replaced') });
    service = createService(config, { store, role });
  } catch (err) {
    // A database of a newer kugetsu, an unreadable file, an unreachable PostgreSQL (its password masked).
    cannotStart(
      err,
      config.database.kind === 'postgres'
        ? `check KUGETSU_DATABASE_URL (${config.database.redacted}): the database must exist and be reachable, and its schema not be a newer kugetsu's`
        : `check KUGETSU_STATE_DIR (${config.stateDir}): it must be a writable directory of this kugetsu's own`,
    );
  }
  if (privateState.tightened > 0 || privateState.failed.length > 0) {
    service.logger.warn(
      {
        stateDir: config.stateDir,
        tightened: privateState.tightened,
        examples: privateState.examples,
        failed: privateState.failed.slice(0, 5),
        failedCount: privateState.failed.length,
      },
      `state dir made private: group/other permissions removed from ${privateState.tightened} entries${privateState.failed.length > 0 ? `; ${privateState.failed.length} could not be changed (see failed)` : ''}`,
    );
  }
  await service.start();
  // A worker serves /healthz and /metrics (its deliveries route refuses), and only when PORT is set; the others listen on PORT (8080).
  const listen = role !== 'worker' || process.env.PORT !== undefined;
  let http: HttpServer | undefined;
  if (listen) {
    try {
      http = await startHttpServer(service.app, { port: config.port, host: config.host, headersMs: config.door.headersMs, requestMs: config.door.requestMs });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      service.logger.fatal({ err }, e.code === 'EADDRINUSE' ? `port ${config.port} is in use; set PORT to a free port` : 'HTTP server failed');
      process.exit(1);
    }
    http.server.on('error', (err: NodeJS.ErrnoException) => service.logger.error({ err }, 'HTTP server error'));
  }
  service.logger.info(
    {
      role,
      worker: service.worker?.id,
      port: http?.port,
      host: config.host,
      stateDir: config.stateDir,
      database: config.database.kind === 'postgres' ? config.database.redacted : config.database.file,
      agent: config.agent.kind,
      maxAgents: config.maxAgents,
      door: config.door,
      maxBodyBytes: config.maxBodyBytes,
    },
    role === 'worker'
      ? `kugetsu worker ${service.worker?.id} running${http ? ` (health and metrics on http://${config.host}:${http.port}/healthz, /metrics)` : ''}`
      : `kugetsu listening on http://${config.host}:${http?.port}/webhooks/gitea${role === 'ingress' ? ' (no worker: agents run in kugetsu worker processes)' : ''}`,
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal }, 'shutting down');
    void service
      .stop(options.graceS !== undefined ? options.graceS * 1000 : config.shutdownGraceMs)
      .finally(() => (http ? http.server.close(() => process.exit(0)) : process.exit(0)));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // SIGHUP re-reads the per-repository files in KUGETSU_WEBHOOKS_DIR; errors keep the old settings.
  process.on('SIGHUP', () => {
    const result = service.reloadSettings();
    if (!result.ok) service.logger.warn({ errors: result.errors }, 'per-repository settings not reloaded; fix the files and send SIGHUP again');
  });
}

/** Prints why kugetsu cannot start and what to check, and exits 1. */
function cannotStart(err: unknown, what: string): never {
  process.stderr.write(`kugetsu cannot start: ${(err as Error).message}\n  → ${what}\n`);
  process.exit(1);
}
