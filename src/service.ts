import type { Hono } from 'hono';
import { AgentRegistry } from './agents/agent-registry.js';
import { createAgentSandbox, type AgentSandbox } from './agents/agent-sandbox.js';
import type { AgentAdapter } from './agents/types.js';
import type { Config } from './config/config.js';
import { BotIdentity } from './gitea/bot-identity.js';
import { createGiteaClient } from './gitea/create-gitea-client.js';
import type { GiteaClient } from './gitea/types.js';
import { createIngressApp } from './ingress/create-ingress-app.js';
import { createLogger, type Logger } from './log/logger.js';
import { createRedactor } from './log/redact.js';
import { ControlCommands, positionText } from './pipeline/control-commands.js';
import { createJobCanceler } from './pipeline/cancel-job.js';
import { Dispatcher } from './pipeline/dispatcher.js';
import { EventConfirmer } from './pipeline/confirm-event.js';
import { DEFERRED_BACKOFF, DeferredEventsWorker } from './pipeline/deferred-events.js';
import { backoffDelay } from './report/backoff.js';
import { statusCommentItem } from './store/outbox.js';
import { JobRunner } from './pipeline/job-runner.js';
import { ensureAdminToken } from './admin/admin-token.js';
import { createAdminApp } from './admin/create-admin-app.js';
import { storedSecretsFor } from './admin/stored-secrets.js';
import { chooseSecrets } from './ingress/webhook-secrets.js';
import { Authorizer } from './pipeline/authorizer.js';
import { Maintenance } from './pipeline/maintenance.js';
import { RateLimiter } from './pipeline/rate-limiter.js';
import { RefusalThrottle } from './pipeline/refusal-throttle.js';
import { Reconciler } from './pipeline/reconciler.js';
import { LocalScheduler } from './queue/local-scheduler.js';
import type { Scheduler } from './queue/scheduler.js';
import { OutboxWorker } from './report/outbox-worker.js';
import { isActive, type Job } from './store/job.js';
import type { JobStore } from './store/job-store.js';
import { openEmbeddedStore } from './open-store.js';
import { createWorkspace } from './workspace/create-workspace.js';
import type { Workspace } from './workspace/types.js';

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
}

/** A composed kugetsu: the HTTP app plus the parts behind it, and its lifecycle. */
export interface Service {
  app: Hono;
  dispatcher: Dispatcher;
  scheduler: Scheduler;
  store: JobStore;
  reconciler: Reconciler;
  maintenance: Maintenance;
  logger: Logger;
  /**
   * Recovers the store's unfinished jobs (queued ones resume in order; ones that were running when
   * the process died are re-queued as a new attempt, or failed after the last attempt), starts the
   * outbox worker and the periodic reconciliation and maintenance, and learns the bot's identity.
   * Call before the HTTP server listens.
   */
  start(): Promise<void>;
  /**
   * Re-reads the per-repository settings (`KUGETSU_WEBHOOKS_DIR`), as on SIGHUP. On errors the
   * previous settings stay in force and the errors (with file and line) are returned.
   */
  reloadSettings(): { ok: boolean; errors: string[] };
  /** Resolves when no job is queued or running and the outbox has nothing due (bounded by `timeoutMs`). */
  idle(timeoutMs?: number): Promise<void>;
  /**
   * Graceful shutdown: new deliveries get 503; running agents may finish for `graceMs`; then they
   * are stopped and checkpointed as interrupted (they continue after the next start); the outbox
   * gets a last chance to send; the store is closed. Never rejects.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The composition root: builds every stage of the pipeline from the config and wires them
 * together (ingress → dispatcher → store/scheduler → job runner → workspace/agent → outbox).
 */
export function createService(config: Config, overrides: ServiceOverrides = {}): Service {
  const settingsFor = (owner: string, repo: string) => config.repoSettings.settingsFor(owner, repo);
  // Rebuilt when the per-repository settings are reloaded (their secrets are masked too).
  const buildRedactor = () =>
    createRedactor([
      config.giteaToken,
      ...config.webhookSecrets,
      ...Object.values(config.repoSecrets).flat(),
      config.webhookAuthorization,
      ...(config.database.kind === 'postgres' ? config.database.secrets : []),
      ...config.repoSettings.configured().flatMap((name) => settingsFor(...(name.split('/') as [string, string])).secrets),
    ]);
  let currentRedact = buildRedactor();
  const redact = (text: string) => currentRedact(text);
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, redact });
  const gitea = overrides.gitea ?? createGiteaClient({ baseUrl: config.giteaUrl, token: config.giteaToken });
  // A PostgreSQL store is opened (asynchronously) by the caller: see openStore in open-store.ts.
  const store = overrides.store ?? openEmbeddedStore(config);
  const agents = new AgentRegistry(overrides.agent);
  const sandbox = overrides.sandbox ?? createAgentSandbox(config.sandbox, { stateDir: config.stateDir });
  const workspace = overrides.workspace ?? createWorkspace({ stateDir: config.stateDir, token: config.giteaToken, isolation: sandbox });
  // Shown under every status comment while agents run unsandboxed.
  const sandboxFooter = sandbox.settings.mode === 'off' ? SANDBOX_OFF_FOOTER : undefined;
  const scheduler = new LocalScheduler(config.maxAgents, (jobId, err) => logger.error({ err, job: jobId }, 'job crashed'));

  const identity = new BotIdentity(gitea);
  const botUserId = () => identity.known();
  let draining = false;
  const outbox = new OutboxWorker({
    store, gitea, logger, redact,
    botUserId: async () => (await identity.resolve()).id,
    renderContext: (job: Job) => ({
      ...(job.repo.htmlUrl ? { branchUrl: `${job.repo.htmlUrl}/src/branch/${job.branch}` } : {}),
      ...(job.state === 'queued' ? { waitingFor: waitingText(job) } : {}),
      ...(sandboxFooter ? { footer: sandboxFooter } : {}),
    }),
    ...(overrides.outboxBackoff ? { backoff: overrides.outboxBackoff } : {}),
  });
  const authorizer = new Authorizer(gitea, config.access);
  const deferredBackoff = { ...DEFERRED_BACKOFF, ...(overrides.deferredRetry ? { baseMs: overrides.deferredRetry.baseMs, maxMs: overrides.deferredRetry.maxMs } : {}) };
  const runner = new JobRunner({
    resume: (job, atMs) => later(atMs, () => schedule(job)),
    waitBackoff: deferredBackoff,
    authorizer,
    minRole: (repo) => settingsFor(repo.owner, repo.name).minRole,
    reportSettings: (repo) => settingsFor(repo.owner, repo.name),
    store, gitea, workspace, outbox, logger, redact, sandbox,
    stateDir: config.stateDir,
    agentFor: (job) => {
      const st = settingsFor(job.repo.owner, job.repo.name);
      return {
        adapter: agents.adapterFor(st.agent),
        timeoutMs: st.agent.timeoutMs,
        env: st.agent.envAllowlist.length > 0 ? { ...config.agentEnv, ...config.agentEnvWith(st.agent.envAllowlist) } : config.agentEnv,
        baseBranch: st.baseBranch,
      };
    },
    botUserId,
    maxAttempts: config.maxAttempts,
    promptLimits: config.promptLimits,
  });
  const schedule = (job: Pick<Job, 'id' | 'issueKey' | 'repo'>) => {
    const limit = settingsFor(job.repo.owner, job.repo.name).maxConcurrentJobs;
    scheduler.submit({
      jobId: job.id,
      issueKey: job.issueKey,
      ...(limit !== undefined ? { group: { key: `${job.repo.owner}/${job.repo.name}`.toLowerCase(), limit } } : {}),
      run: (signal) => runner.run(job.id, signal),
    });
  };
  const waitingText = (job: Job): string => {
    if (job.waiting) return `for Gitea to answer (${job.waiting.reason}); trying again at ${job.waiting.until.slice(11, 19)} UTC`;
    const p = scheduler.position(job.id);
    if (!p) return 'for a free agent slot';
    const where = `${positionText(p.ahead, p.waiting)} waiting`;
    if (p.place === 'waiting-for-issue') return `for the job before it on this issue to finish (${where})`;
    if (p.place === 'waiting-for-repository') return `for a free slot of this repository (${where})`;
    return `for a free agent slot (${where})`;
  };
  const control = new ControlCommands({
    store, logger,
    cancel: (job) => cancelJob(job),
    reset: async (request) => {
      const session = await store.getSession(request.issueKey);
      let removed = false;
      if (session && workspace.removeWorktree) {
        await workspace.removeWorktree(request.repo, request.issueNumber);
        removed = true;
      }
      await store.deleteSession(request.issueKey);
      return { sessionId: session?.sessionId, removed };
    },
    waitingText: (job) => `waiting ${waitingText(job)}`,
    settingsText: (request) => {
      const st = settingsFor(request.repo.owner, request.repo.name);
      const labels = st.triggerLabels.map((l) => `\`${l}\``).join(' or ');
      return [
        `Who may use them: people with **${st.minRole}** permission or more on ${request.repo.owner}/${request.repo.name}${config.access.allowUsers.length > 0 ? ' who are on the allow list' : ''}.`,
        st.triggerLabels.length > 0 ? `Adding the label ${labels} starts work on an issue; requesting changes on a pull request kugetsu opened continues it.` : 'Requesting changes on a pull request kugetsu opened continues its issue.',
        `Settings (${st.source}): agent \`${st.agent.kind}\`${st.agent.kind === 'opencode' && st.agent.model ? ` (model \`${st.agent.model}\`)` : ''}, turns stop after ${Math.round(st.agent.timeoutMs / 60_000)} min, ` +
          `branch \`${st.branchTemplate.replace('{number}', '<n>')}\` from \`${st.baseBranch ?? request.repo.defaultBranch}\`, ` +
          `at most ${st.maxConcurrentJobs ?? config.maxAgents} agents at once on this repository (${config.maxAgents} in all), pull requests opened automatically: ${st.autoPr ? 'yes' : 'no'}.`,
      ].join('\n');
    },
    admit: (request, source) => dispatcher.admit(request, source),
    wakeOutbox: () => outbox.wake(),
    command: (request) => settingsFor(request.repo.owner, request.repo.name).command,
  });
  const dispatcher = new Dispatcher({
    control,
    confirmer: new EventConfirmer({ gitea, settingsFor }),
    retryAt: (attempt) => Date.now() + backoffDelay(attempt, deferredBackoff),
    store, logger,
    settingsFor,
    botUserId,
    onAdmitted: (job) => {
      outbox.wake();
      schedule(job);
    },
    authorizer,
    rateLimiter: new RateLimiter(),
    rateLimits: config.rateLimits,
    maxQueuedPerIssue: config.maxQueuedPerIssue,
    refusalReply: config.refusalReply,
    refusalThrottle: new RefusalThrottle(config.refusalReplyWindowMs),
    wakeOutbox: () => outbox.wake(),
  });
  const deferred = new DeferredEventsWorker({
    store, logger,
    backoff: deferredBackoff,
    ...(overrides.deferredRetry ? { pollMs: overrides.deferredRetry.pollMs } : {}),
    confirmAndRoute: (claimed, source) => dispatcher.confirmAndRoute(claimed, source),
  });
  const reconciler = new Reconciler({
    store, gitea, dispatcher, logger,
    settingsFor,
    botUserId,
    configuredRepos: config.repos,
  });
  const secretsFor = (fullName: string | undefined) =>
    chooseSecrets(
      {
        global: config.webhookSecrets,
        repository: (name) => {
          const [owner = '', repo = ''] = name.split('/');
          return [...(config.repoSecrets[name] ?? []), ...(owner && repo ? settingsFor(owner, repo).secrets : [])];
        },
        organization: (owner) => config.repoSecrets[`${owner}/*`] ?? [],
        // Written by `kugetsu hooks install|secret`; read per delivery, so a new hook works at once.
        storedRepository: (name) => storedSecretsFor(config.stateDir, name),
        storedOrganization: (owner) => storedSecretsFor(config.stateDir, `${owner}/*`),
      },
      fullName,
    );
  const maintenance = new Maintenance({ store, gitea, workspace, logger, stateDir: config.stateDir, retentionMs: config.retentionMs });
  const app = createIngressApp({
    secrets: config.webhookSecrets,
    secretsFor,
    ...(config.webhookAuthorization !== undefined ? { authorization: config.webhookAuthorization } : {}),
    maxBodyBytes: config.maxBodyBytes,
    maxBodiesInFlight: config.door.maxBodiesInFlight,
    allowUnsigned: config.allowUnsigned,
    onDelivery: (d) => dispatcher.handle(d),
    health: () => ({ ...scheduler.stats(), agent: config.agent.kind, sandbox: sandbox.settings.mode }),
    draining: () => draining,
    logger,
  });

  const cancelJob = createJobCanceler({ store, scheduler, settingsFor, wakeOutbox: () => outbox.wake() });
  app.route(
    '/',
    createAdminApp({
      token: ensureAdminToken(config.stateDir),
      cancelJob: async (id) => {
        const job = await store.get(id);
        if (!job) return { status: 'unknown' };
        if (!isActive(job.state)) return { status: 'finished', state: job.state };
        await cancelJob(job);
        return { status: 'canceled', state: (await store.get(id))?.state };
      },
      listJobs: (limit) => store.recent(limit),
      place: (id) => scheduler.place(id),
    }),
  );

  const timers: NodeJS.Timeout[] = [];
  /** Runs `task` at `atMs` (ms since the epoch) unless the service stops first. */
  const resumes = new Set<NodeJS.Timeout>();
  const later = (atMs: number, task: () => void) => {
    const t = setTimeout(() => {
      resumes.delete(t);
      if (!draining) task();
    }, Math.max(0, atMs - Date.now()));
    t.unref();
    resumes.add(t);
  };
  const every = (ms: number, task: () => Promise<unknown>) => {
    if (ms <= 0) return;
    const t = setInterval(() => void task().catch((err: unknown) => logger.warn({ err }, 'periodic task failed')), ms);
    t.unref();
    timers.push(t);
  };
  const learnIdentity = async (attempt: number): Promise<void> => {
    try {
      const me = await identity.resolve();
      logger.info({ bot: me.login, id: me.id }, 'connected to Gitea');
    } catch (err) {
      if (draining) return;
      const delay = Math.min(60_000, 1000 * 2 ** attempt);
      logger.warn({ err, retryInMs: delay }, 'cannot read the bot account from Gitea (GET /user); comments with the kugetsu marker are still ignored');
      const t = setTimeout(() => void learnIdentity(attempt + 1), delay);
      t.unref();
      timers.push(t);
    }
  };

  // One secret for several repositories lets any of their admins sign deliveries for the others.
  const warnSharedSecret = async () => {
    if (config.webhookSecrets.length === 0) return;
    const names = new Set([...(await store.knownRepos()), ...config.repos].map((r) => `${r.owner}/${r.name}`.toLowerCase()));
    const shared = [...names].filter((name) => secretsFor(name).some((set) => set.scope === 'global'));
    if (shared.length > 1) {
      logger.warn(
        { repositories: shared.slice(0, 20), count: shared.length },
        'KUGETSU_WEBHOOK_SECRET signs deliveries for several repositories: an admin of any of them can sign deliveries for the others. Give each its own secret (kugetsu hooks install, or kugetsu hooks secret owner/repo); see README "Security model"',
      );
    }
  };

  const recover = async () => {
    for (const job of await store.unfinished()) {
      const resumed = job.state === 'running' ? await runner.checkpoint(job, 'Interrupted because kugetsu stopped unexpectedly') : job;
      if (resumed.state === 'queued') {
        logger.info({ job: job.id, issueKey: job.issueKey, attempt: resumed.attempt }, job.state === 'running' ? 'interrupted job re-queued' : 'queued job resumed');
        // A job that waits for Gitea keeps its time.
        if (resumed.waiting) later(Date.parse(resumed.waiting.until), () => schedule(resumed));
        else schedule(resumed);
      } else {
        logger.warn({ job: job.id, issueKey: job.issueKey }, 'interrupted job gave up after its last attempt');
      }
    }
  };

  return {
    app, dispatcher, scheduler, store, reconciler, maintenance, logger,
    async start() {
      if (config.allowUnsigned) logger.warn('KUGETSU_ALLOW_UNSIGNED=1: deliveries without a signature are accepted. Use this for local experiments only.');
      await reportSandbox(sandbox, logger);
      await learnIdentity(0);
      await warnSharedSecret();
      await recover();
      outbox.start();
      deferred.start();
      void reconciler.reconcile().catch((err: unknown) => logger.warn({ err }, 'reconciliation failed'));
      void maintenance.run();
      every(config.reconcileIntervalMs, () => reconciler.reconcile());
      every(60 * 60 * 1000, () => maintenance.run());
      // Throttled progress: running jobs show their elapsed time, the first waiting ones their place.
      every(config.progressIntervalMs, async () => {
        const open = await store.unfinished();
        const items = [...open.filter((j) => j.state === 'running'), ...open.filter((j) => j.state === 'queued').slice(0, 10)].map(statusCommentItem);
        if (items.length > 0) {
          await store.enqueue(items);
          outbox.wake();
        }
      });
    },
    reloadSettings() {
      const result = config.repoSettings.reload();
      if (result.ok) {
        currentRedact = buildRedactor();
        logger.info({ repositories: config.repoSettings.configured() }, 'per-repository settings reloaded');
      }
      return { ok: result.ok, errors: result.errors.map((e) => e.text) };
    },
    async idle(timeoutMs = 60_000) {
      await scheduler.onIdle();
      await outbox.drain(timeoutMs);
    },
    async stop(graceMs = config.shutdownGraceMs) {
      if (draining) return;
      draining = true;
      for (const t of timers) clearTimeout(t);
      for (const t of resumes) clearTimeout(t);
      await deferred.stop();
      const finished = await within(scheduler.onIdle(), graceMs);
      if (!finished) {
        logger.warn({ graceMs }, 'grace period over; stopping running agents and checkpointing their jobs');
        scheduler.shutdown();
        // Agents get SIGTERM, then SIGKILL after their kill grace; each job is then checkpointed.
        await within(scheduler.onIdle(), 15_000);
      } else {
        scheduler.shutdown();
      }
      await outbox.drain(5_000).catch(() => undefined);
      outbox.stop();
      await store.close().catch((err: unknown) => logger.error({ err }, 'closing the store failed'));
    },
  };
}

/** The status comment footer while `KUGETSU_AGENT_SANDBOX=off`. */
export const SANDBOX_OFF_FOOTER =
  '⚠️ This kugetsu runs agents **without a sandbox** (`KUGETSU_AGENT_SANDBOX=off`): an agent can read its token, its state and other issues\' files. Text in this issue steers the agent.';

/** Start-up log lines about the agent sandbox: a warning when it is off, an error with the fix when it cannot work. */
async function reportSandbox(sandbox: AgentSandbox, logger: Logger): Promise<void> {
  if (sandbox.settings.mode === 'off') {
    logger.warn('KUGETSU_AGENT_SANDBOX=off: agents run without a sandbox, as kugetsu\'s user — they can read its token (GITEA_TOKEN in /proc), its state dir and every issue\'s files. Every status comment says so.');
    return;
  }
  const probe = await sandbox.probe();
  if (probe.ok) logger.info({ bwrap: probe.version, network: sandbox.settings.network }, 'agent sandbox ready (bubblewrap)');
  else logger.error({ problem: probe.problem, fix: probe.fix }, `the agent sandbox cannot run here, so kugetsu refuses to start agents (jobs fail with this message): ${probe.problem}. To fix: ${probe.fix}`);
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
