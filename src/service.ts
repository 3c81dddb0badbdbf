import type { Hono } from 'hono';
import { createAgent } from './agents/create-agent.js';
import type { AgentAdapter } from './agents/types.js';
import type { Config } from './config/config.js';
import { createGiteaClient } from './gitea/create-gitea-client.js';
import type { GiteaClient } from './gitea/types.js';
import { createIngressApp } from './ingress/create-ingress-app.js';
import { createLogger, type Logger } from './log/logger.js';
import { createRedactor } from './log/redact.js';
import { Dispatcher } from './pipeline/dispatcher.js';
import { JobRunner } from './pipeline/job-runner.js';
import { LocalScheduler } from './queue/local-scheduler.js';
import type { Scheduler } from './queue/scheduler.js';
import { StatusReporter } from './report/status-reporter.js';
import type { JobStore } from './store/job-store.js';
import { MemoryJobStore } from './store/memory-job-store.js';
import { createWorkspace } from './workspace/create-workspace.js';
import type { Workspace } from './workspace/types.js';

/** Parts a caller (tests, the demo) may supply instead of the defaults built from the config. */
export interface ServiceOverrides {
  logger?: Logger;
  gitea?: GiteaClient;
  agent?: AgentAdapter;
  workspace?: Workspace;
  store?: JobStore;
}

/** A composed kugetsu: the HTTP app plus the parts behind it, and its lifecycle. */
export interface Service {
  app: Hono;
  dispatcher: Dispatcher;
  scheduler: Scheduler;
  store: JobStore;
  logger: Logger;
  /** Learns the bot's identity (`GET /user`); retries in the background while Gitea is unreachable. */
  start(): Promise<void>;
  /** Resolves when no job is queued or running and every Gitea write started so far is done. */
  idle(): Promise<void>;
  /** Stops taking deliveries (503) and waits up to `graceMs` for running jobs; then cancels the rest. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The composition root: builds every stage of the pipeline from the config and wires them
 * together (ingress → dispatcher → scheduler → job runner → workspace/agent → reporter).
 */
export function createService(config: Config, overrides: ServiceOverrides = {}): Service {
  const redact = createRedactor([config.giteaToken, config.webhookSecret]);
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, redact });
  const gitea = overrides.gitea ?? createGiteaClient({ baseUrl: config.giteaUrl, token: config.giteaToken });
  const store = overrides.store ?? new MemoryJobStore();
  const agent = overrides.agent ?? createAgent(config.agent);
  const workspace = overrides.workspace ?? createWorkspace({ stateDir: config.stateDir, token: config.giteaToken });
  const scheduler = new LocalScheduler(config.maxAgents, (jobId, err) => logger.error({ err, job: jobId }, 'job crashed'));

  let botUserId: number | undefined;
  let draining = false;
  const reporter = new StatusReporter(gitea, store, redact, logger, (job) => ({
    branchUrl: job.repo.htmlUrl ? `${job.repo.htmlUrl}/src/branch/${job.branch}` : undefined,
  }));
  const runner = new JobRunner({
    store, gitea, workspace, agent, reporter, logger, redact,
    stateDir: config.stateDir,
    agentTimeoutMs: config.agentTimeoutMs,
    agentEnv: config.agentEnv,
    botUserId: () => botUserId,
  });
  const dispatcher = new Dispatcher({
    store, scheduler, runner, reporter, gitea, logger,
    triggerLabel: config.triggerLabel,
    command: config.command,
    agentName: agent.name,
    botUserId: () => botUserId,
  });
  const app = createIngressApp({
    secrets: config.webhookSecret ? [config.webhookSecret] : [],
    allowUnsigned: config.allowUnsigned,
    onDelivery: (d) => dispatcher.handle(d),
    health: () => ({ ...scheduler.stats(), agent: agent.name }),
    draining: () => draining,
    logger,
  });

  let identityTimer: NodeJS.Timeout | undefined;
  const learnIdentity = async (attempt: number): Promise<void> => {
    try {
      const me = await gitea.currentUser();
      botUserId = me.id;
      logger.info({ bot: me.login, id: me.id }, 'connected to Gitea');
    } catch (err) {
      const delay = Math.min(60_000, 1000 * 2 ** attempt);
      logger.warn({ err, retryInMs: delay }, 'cannot read the bot account from Gitea (GET /user); comments with the kugetsu marker are still ignored');
      identityTimer = setTimeout(() => void learnIdentity(attempt + 1), delay);
      identityTimer.unref();
    }
  };

  return {
    app, dispatcher, scheduler, store, logger,
    async start() {
      if (config.allowUnsigned) logger.warn('KUGETSU_ALLOW_UNSIGNED=1: deliveries without a signature are accepted. Use this for local experiments only.');
      await learnIdentity(0);
    },
    async idle() {
      await scheduler.onIdle();
      await dispatcher.settled();
    },
    async stop(graceMs = 30_000) {
      draining = true;
      clearTimeout(identityTimer);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs)));
      const done = await Promise.race([scheduler.onIdle().then(() => false), timedOut]);
      clearTimeout(timer);
      if (done) logger.warn('grace period over; running jobs are left as they are');
    },
  };
}
