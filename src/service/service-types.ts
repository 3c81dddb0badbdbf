import type { Hono } from 'hono';
import type { AgentSandbox } from '../agents/agent-sandbox.js';
import type { AgentAdapter } from '../agents/types.js';
import type { GiteaClient } from '../gitea/types.js';
import type { Logger } from '../log/logger.js';
import type { Dispatcher } from '../pipeline/dispatcher.js';
import type { JobMachine } from '../pipeline/job-machine.js';
import type { Maintenance } from '../pipeline/maintenance.js';
import type { Reconciler } from '../pipeline/reconciler.js';
import type { JobStore } from '../store/job-store.js';
import type { WebEnv } from '../web/viewer.js';
import type { Worker } from '../worker/worker.js';
import type { Workspace } from '../workspace/types.js';

/** What a kugetsu process does (see {@link ServiceOverrides.role}). */
export type ServiceRole = 'all' | 'ingress' | 'worker';

/** Parts a caller (tests, the demo) may supply instead of the defaults built from the config. */
export interface ServiceOverrides {
  logger?: Logger;
  gitea?: GiteaClient;
  agent?: AgentAdapter;
  workspace?: Workspace;
  /** The agent sandbox (default: built from `config.sandbox`). */
  sandbox?: AgentSandbox;
  store?: JobStore;
  /** Outbox retry timing (tests shorten it). */
  outboxBackoff?: { baseMs: number; maxMs: number };
  /** Timing of the confirmation retries of deferred deliveries, in ms (tests shorten it). */
  deferredRetry?: { pollMs: number; baseMs: number; maxMs: number };
  /** The worker's lease and polling, in ms (tests shorten them). */
  workerTiming?: { leaseMs?: number; pollMs?: number; reapMs?: number };
  /**
   * What this process does: `all` (`kugetsu serve`: deliveries and agent turns), `ingress`
   * (`serve --no-worker`: answers deliveries and admits, runs no agent), `worker` (`kugetsu
   * worker`: claims and runs turns). Default `all`.
   */
  role?: ServiceRole;
  /** The dashboard: its pages (mounted at `/`) and its event stream's timing in ms (tests shorten it). */
  web?: { pages?: Hono<WebEnv>; events?: { keepAliveMs?: number; pollMs?: number } };
}

/** A composed kugetsu: the HTTP app plus the parts behind it, and its lifecycle. */
export interface Service {
  app: Hono;
  dispatcher: Dispatcher;
  /** This process's worker (absent for the `ingress` role). */
  worker: Worker | undefined;
  /** The one job state machine. */
  machine: JobMachine;
  store: JobStore;
  reconciler: Reconciler;
  maintenance: Maintenance;
  logger: Logger;
  /**
   * Learns the bot's identity, starts the worker (which first re-queues the jobs a dead process of
   * this host left running, as their next attempt, or fails them after the last), the outbox, the
   * confirmation of deferred deliveries, the periodic reconciliation, maintenance and progress
   * refreshes. Call before the HTTP server listens.
   */
  start(): Promise<void>;
  /**
   * Re-reads the per-repository settings (`KUGETSU_WEBHOOKS_DIR`), as on SIGHUP. On errors the
   * previous settings stay in force and the errors (with file and line) are returned.
   */
  reloadSettings(): { ok: boolean; errors: string[] };
  /**
   * Resolves when no job is queued or running (jobs `waiting` until a later time do not count), no
   * delivery waits for confirmation and the outbox has nothing due — bounded by `timeoutMs`.
   */
  idle(timeoutMs?: number): Promise<void>;
  /**
   * Graceful shutdown: new deliveries get 503; running agents may finish for `graceMs`; then they
   * are stopped and checkpointed as interrupted (they continue after the next start); the outbox
   * gets a last chance to send; the store is closed. Never rejects.
   */
  stop(graceMs?: number): Promise<void>;
}
