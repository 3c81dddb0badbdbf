import type { Hono } from 'hono';
import { AgentRegistry } from './agents/agent-registry.js';
import { opencodeServerPlace } from './agents/opencode-server-place.js';
import { sumUsage } from './domain/turn-usage.js';
import { createAgentSandbox, type AgentSandbox } from './agents/agent-sandbox.js';
import { reportSandbox, SANDBOX_OFF_FOOTER } from './agents/report-sandbox.js';
import type { AgentAdapter } from './agents/types.js';
import type { Config } from './config/config.js';
import { InstanceRegistry } from './gitea/instance-registry.js';
import { configuredInstances } from './config/configured-instances.js';
import { configSecrets } from './config/config-secrets.js';
import { workspacePerInstance } from './workspace/workspace-per-instance.js';
import { createGiteaClient } from './gitea/create-gitea-client.js';
import type { GiteaClient } from './gitea/types.js';
import { createIngressApp } from './ingress/create-ingress-app.js';
import { createPrescreen } from './triggers/prescreen-delivery.js';
import { createLogger, type Logger } from './log/logger.js';
import { createRedactor } from './log/redact.js';
import { ControlCommands } from './pipeline/control-commands.js';
import { Dispatcher } from './pipeline/dispatcher.js';
import { EventConfirmer } from './pipeline/confirm-event.js';
import { DEFERRED_BACKOFF, DeferredEventsWorker } from './pipeline/deferred-events.js';
import { JobMachine } from './pipeline/job-machine.js';
import { backoffDelay } from './report/backoff.js';
import { JobRunner } from './pipeline/job-runner.js';
import { ensureAdminToken } from './admin/admin-token.js';
import { createAdminApp } from './admin/create-admin-app.js';
import { createStoredSecretsReader } from './admin/stored-secrets-reader.js';
import { chooseSecrets } from './ingress/webhook-secrets.js';
import { Authorizer } from './pipeline/authorizer.js';
import { Maintenance } from './pipeline/maintenance.js';
import { RefusalThrottle } from './pipeline/refusal-throttle.js';
import { Reconciler } from './pipeline/reconciler.js';
import { resetIssue } from './pipeline/reset-issue.js';
import { settingsText } from './pipeline/settings-text.js';
import { waitingText } from './pipeline/waiting-text.js';
import { OutboxWorker } from './report/outbox-worker.js';
import { isActive, type Job } from './store/job.js';
import { KugetsuMetrics } from './metrics/kugetsu-metrics.js';
import type { NotifyTarget } from './domain/job-notification.js';
import type { RepoRef } from './domain/repo-ref.js';
import type { JobStore } from './store/job-store.js';
import { openEmbeddedStore } from './open-store.js';
import { Worker } from './worker/worker.js';
import { createDashboardData } from './web/dashboard-data.js';
import { createWebApp } from './web/create-web-app.js';
import { createPageRoutes } from './web/pages/page-routes.js';
import { readPrompt } from './web/read-prompt.js';
import { dashboardRetry } from './web/retry-request.js';
import { sessionKey } from './web/session-key.js';
import { ViewerAccess } from './web/viewer-access.js';
import type { WebEnv } from './web/viewer.js';
import { signInApps } from './config/sign-in-apps.js';
import { reposSharingGlobalSecret } from './ingress/shared-secret-repos.js';
import { createWorkspace } from './workspace/create-workspace.js';
import { hasIssueWorktree } from './workspace/has-issue-worktree.js';
import type { Workspace } from './workspace/types.js';
import type { WorkspaceLogger } from './workspace/workspace-logger.js';

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
  role?: 'all' | 'ingress' | 'worker';
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

/**
 * The composition root: builds every stage from the config and wires them together — ingress →
 * dispatcher (confirm, authorize, admit) → engine (the store) → worker (claim, run the turn through
 * the job runner: workspace, agent) → job state machine → outbox. Behaviour lives in the modules;
 * this only wires.
 */
export function createService(config: Config, overrides: ServiceOverrides = {}): Service {
  const role = overrides.role ?? 'all';
  // Per-repository settings of the instance the current work is for (a host-qualified
  // `repository: host/owner/*` applies on that instance only); called only after `instances` is built.
  const settingsFor = (owner: string, repo: string): ReturnType<Config['repoSettings']['settingsFor']> => config.repoSettings.settingsFor(owner, repo, instances.current().host);
  const instanceSettings = configuredInstances(config);
  // Rebuilt when the per-repository settings are reloaded (their secrets are masked too).
  const buildRedactor = () => createRedactor(configSecrets(config));
  let currentRedact = buildRedactor();
  const redact = (text: string) => currentRedact(text);
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, redact });
  // A PostgreSQL store is opened (asynchronously) by the caller: see openStore in open-store.ts.
  const store = overrides.store ?? openEmbeddedStore(config);
  // Declared below; read by the metrics only at scrape time.
  let worker: Worker | undefined;
  const metrics = new KugetsuMetrics({ store, logger, token: config.metricsToken, worker: () => (worker ? { id: worker.id, ...worker.stats() } : undefined) });
  // Each instance has its own client (its own token); the stages get one client that calls the
  // instance of the work at hand (see InstanceRegistry.client).
  const instances = new InstanceRegistry(
    instanceSettings.map((i, n) => ({
      name: i.name,
      host: i.host,
      url: i.url,
      kind: i.kind,
      gitea: (n === 0 ? overrides.gitea : undefined) ?? createGiteaClient({ baseUrl: i.url, token: i.token, observe: metrics.giteaOf(i.name) }),
    })),
  );
  const gitea = instances.client();
  const inRepoInstance = <T>(repo: Pick<RepoRef, 'instance'> | undefined, fn: () => T): T => instances.run(instances.of(repo), fn);
  // Repository receivers first: their event list wins for a URL that is also global.
  const notifyTargets = (repo: RepoRef): NotifyTarget[] => {
    const own = settingsFor(repo.owner, repo.name).notify;
    return [
      ...own.urls.map((url) => ({ url, events: own.events, secret: 'repository' as const })),
      ...config.notify.urls.map((url) => ({ url, events: config.notify.events, secret: 'global' as const })),
    ];
  };
  const sandbox = overrides.sandbox ?? createAgentSandbox(config.sandbox, { stateDir: config.stateDir });
  const agents = new AgentRegistry(overrides.agent, {
    opencodeMode: config.opencodeMode ?? 'run',
    ...(config.opencodeMode === 'serve' ? { context: { opencodeServer: opencodeServerPlace(sandbox, config.stateDir) } } : {}),
  });
  // Workspace decisions (created, fast-forwarded, set aside) and, at debug, every git command.
  const workspaceLog: WorkspaceLogger = ({ level, msg, ...fields }) => logger[level](fields, msg);
  const workspace =
    overrides.workspace ??
    (instances.several
      ? (() => {
          // Each instance's token goes only to that instance's origin.
          const own = new Map(
            instanceSettings.map((i) => [i.name, createWorkspace({ stateDir: config.stateDir, token: i.token, tokenOrigin: i.url, isolation: sandbox, logger: workspaceLog })]),
          );
          return workspacePerInstance((repo) => own.get(instances.of(repo).name)!);
        })()
      : createWorkspace({ stateDir: config.stateDir, token: config.giteaToken, isolation: sandbox, logger: workspaceLog }));
  const botUserId = () => instances.current().identity.known();
  const authorizer = new Authorizer(gitea, config.access);
  const deferredBackoff = { ...DEFERRED_BACKOFF, ...(overrides.deferredRetry ? { baseMs: overrides.deferredRetry.baseMs, maxMs: overrides.deferredRetry.maxMs } : {}) };
  const machine = new JobMachine({
    store,
    reportSettings: (repo) => settingsFor(repo.owner, repo.name),
    maxAttempts: config.maxAttempts,
    notifyTargets,
    observe: metrics.transition,
  });
  let draining = false;
  const repoNotifySecret = (fullName: string) => {
    const [owner = '', repo = ''] = fullName.split('/');
    return owner && repo ? settingsFor(owner, repo).notify.secret : undefined;
  };

  const outbox = new OutboxWorker({
    store,
    gitea,
    logger,
    redact,
    // The embedded database has one process: claims left in it are a crashed predecessor's.
    soleSender: config.database.kind === 'sqlite',
    botUserId: async () => (await instances.current().identity.resolve()).id,
    within: (group, send) => instances.run(instances.ofIssueKey(group), send),
    renderContext: async (job: Job) => ({
      ...(job.repo.htmlUrl ? { branchUrl: `${job.repo.htmlUrl}/src/branch/${job.branch}` } : {}),
      ...(job.state === 'queued' ? { waitingFor: waitingText(await store.position(job.id)) } : {}),
      ...(sandbox.settings.mode === 'off' ? { footer: SANDBOX_OFF_FOOTER } : {}),
      ...(job.result?.usage ? { issueUsage: sumUsage((await store.listByIssue(job.issueKey)).map((j) => j.result?.usage)) } : {}),
    }),
    ...(overrides.outboxBackoff ? { backoff: overrides.outboxBackoff } : {}),
    notify: {
      // A repository's own key signs for its receivers; the global key for the rest.
      secretFor: (op) => (op.secret === 'repository' ? repoNotifySecret(op.payload.job.repository) : undefined) ?? config.notify.secret,
    },
    observe: metrics.outbox,
  });

  const runner = new JobRunner({
    machine,
    authorizer,
    store,
    gitea,
    workspace,
    logger,
    redact,
    sandbox,
    botUserId,
    waitBackoff: deferredBackoff,
    minRole: (repo) => settingsFor(repo.owner, repo.name).minRole,
    stateDir: config.stateDir,
    instructionsFor: (repo) => settingsFor(repo.owner, repo.name).prompt.instructions,
    agentFor: (job) => {
      const st = settingsFor(job.repo.owner, job.repo.name);
      return {
        adapter: agents.adapterFor(st.agent),
        timeoutMs: st.agent.timeoutMs,
        env: st.agent.envAllowlist.length > 0 ? { ...config.agentEnv, ...config.agentEnvWith(st.agent.envAllowlist) } : config.agentEnv,
        baseBranch: st.baseBranch,
        maxTurnCostUsd: st.budget.maxTurnCostUsd,
      };
    },
    promptLimits: config.promptLimits,
    ...(config.prices ? { costOf: (usage) => config.prices!.costOf(usage) } : {}),
  });
  worker =
    role === 'ingress'
      ? undefined
      : new Worker({
          store,
          machine,
          logger,
          runTurn: (job, workerId, signal) => inRepoInstance(job.repo, () => runner.run(job, workerId, signal)),
          slots: config.maxAgents,
          leaseMs: config.leaseMs,
          ...(config.globalMaxAgents !== undefined ? { globalMax: config.globalMaxAgents } : {}),
          limits: (job) => {
            const st = settingsFor(job.repo.owner, job.repo.name);
            return {
              ...(st.maxConcurrentJobs !== undefined ? { repoMax: st.maxConcurrentJobs } : {}),
              ...(config.rateLimits.sender ? { senderRate: config.rateLimits.sender } : {}),
              ...(config.rateLimits.repo ? { repoRate: config.rateLimits.repo } : {}),
              ...(st.budget.maxDailyCostUsd !== undefined ? { dailyBudgetUsd: st.budget.maxDailyCostUsd } : {}),
            };
          },
          // A follow-up runs fastest where its worktree (and, usually, its agent session) already is.
          prefer: (job) => hasIssueWorktree(config.stateDir, job.repo, job.issueNumber),
          ...overrides.workerTiming,
        });
  const cancel = async (job: Job) => {
    const outcome = await machine.cancel(job);
    // A turn running in this process stops at once; elsewhere at its worker's next heartbeat.
    if (outcome === 'requested') worker?.cancelLocal(job.id);
    return outcome;
  };

  const control: ControlCommands = new ControlCommands({
    store,
    logger,
    cancel: async (job) => void (await cancel(job)),
    reset: (request) => resetIssue({ store, workspace }, request),
    waitingText: async (job) => `waiting ${waitingText(await store.position(job.id))}`,
    settingsText: (request) =>
      settingsText(request, settingsFor(request.repo.owner, request.repo.name), { maxAgents: config.maxAgents, hasAllowList: config.access.allowUsers.length > 0 }),
    admit: (request, source) => dispatcher.admit(request, source),
    wakeOutbox: () => outbox.wake(),
    command: (request) => settingsFor(request.repo.owner, request.repo.name).command,
  });
  const dispatcher: Dispatcher = new Dispatcher({
    control,
    store,
    logger,
    settingsFor,
    botUserId,
    authorizer,
    confirmer: new EventConfirmer({ gitea, settingsFor }),
    retryAt: (attempt) => Date.now() + backoffDelay(attempt, deferredBackoff),
    admitItems: (job) => machine.items('admit', job),
    maxQueuedPerIssue: config.maxQueuedPerIssue,
    refusalReply: config.refusalReply,
    refusalThrottle: new RefusalThrottle(config.refusalReplyWindowMs),
    wakeOutbox: () => outbox.wake(),
    observe: metrics.admission,
  });
  const deferred = new DeferredEventsWorker({
    store,
    logger,
    backoff: deferredBackoff,
    ...(overrides.deferredRetry ? { pollMs: overrides.deferredRetry.pollMs } : {}),
    confirmAndRoute: (claimed, source) => inRepoInstance(claimed.repo, () => dispatcher.confirmAndRoute(claimed, source)),
  });
  // `host/owner/repo` entries of KUGETSU_REPOS live on the instance of that host (load-config checked it exists).
  const reconcileRepos = config.repos.map(({ host, ...repo }): RepoRef => {
    const instance = instances.all.find((i) => i.host === host) ?? instances.first;
    return instances.tag({ ...repo, fullName: `${repo.owner}/${repo.name}`, cloneUrl: '', defaultBranch: '', htmlUrl: '' }, instance);
  });
  const reconciler = new Reconciler({
    store,
    gitea,
    dispatcher,
    logger,
    settingsFor,
    botUserId,
    configuredRepos: reconcileRepos,
    ...(instances.several
      ? {
          within: <T>(repo: RepoRef, pass: (repo: RepoRef) => Promise<T>) => {
            const instance = instances.of(repo);
            return instances.run(instance, () => pass(instances.tag(repo, instance)));
          },
        }
      : {}),
  });
  // Written by `kugetsu hooks install|secret`; looked at per delivery, so a new hook works at once.
  const storedSecrets = createStoredSecretsReader(config.stateDir);
  const secretsFor = (fullName: string | undefined) =>
    chooseSecrets(
      {
        global: config.webhookSecrets,
        repository: (name) => {
          const [owner = '', repo = ''] = name.split('/');
          return [...(config.repoSecrets[name] ?? []), ...(owner && repo ? settingsFor(owner, repo).secrets : [])];
        },
        organization: (owner) => config.repoSecrets[`${owner}/*`] ?? [],
        storedRepository: (name) => storedSecrets(name),
        storedOrganization: (owner) => storedSecrets(`${owner}/*`),
      },
      fullName,
    );
  const maintenance = new Maintenance({
    store,
    gitea,
    workspace,
    logger,
    stateDir: config.stateDir,
    retentionMs: config.retentionMs,
    instanceOf: (key) => {
      const instance = instances.ofIssueKey(key);
      return { run: (fn) => instances.run(instance, fn), owns: (repo) => instances.of(repo) === instance };
    },
  });
  // Each instance's deliveries are checked with its own secrets (the first's are the global ones).
  const instanceSecretsFor = (instance: (typeof instances.all)[number]) => {
    if (instance === instances.first) return secretsFor;
    const own = instanceSettings.find((i) => i.name === instance.name)!.secrets;
    return (fullName: string | undefined) => {
      const prefix = `@${instance.host}/`;
      const sets = chooseSecrets(
        {
          global: own,
          repository: () => [],
          organization: () => [],
          storedRepository: (name) => storedSecrets(`${prefix}${name}`),
          storedOrganization: (owner) => storedSecrets(`${prefix}${owner}/*`),
        },
        fullName,
      );
      return sets;
    };
  };
  const app = createIngressApp({
    secrets: config.webhookSecrets,
    secretsFor,
    instances: instances.all.map((instance) => ({
      name: instance.name,
      secretsFor: instanceSecretsFor(instance),
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
        : (d) => inRepoInstance({ instance: d.instance }, () => dispatcher.handle(d)),
    health: () => ({ role, worker: worker?.id, ...(worker?.stats() ?? { running: 0, slots: 0 }), agent: config.agent.kind, sandbox: sandbox.settings.mode }),
    draining: () => draining,
    logger,
    observe: metrics.delivery,
    metrics: (authorization) => metrics.scrape(authorization),
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
        await cancel(job);
        return { status: 'canceled', state: (await store.get(id))?.state };
      },
      listJobs: (limit) => store.recent(limit),
    }),
  );
  // The dashboard and its API, on the ingress's port (a `kugetsu worker` serves none).
  if (role !== 'worker') {
    const access = new ViewerAccess({
      // Each repository's role check goes to its own instance, with that instance's token.
      role: (repo, login) => inRepoInstance(repo, () => authorizer.role(repo, login)),
      authorize: (repo, actor) => inRepoInstance(repo, () => authorizer.check(repo, actor, settingsFor(repo.owner, repo.name).minRole)),
    });
    const data = createDashboardData({
      reader: store,
      redact,
      access,
      cancel,
      retry: (job, sender) => {
        const { request, source } = dashboardRetry(job, sender);
        return inRepoInstance(job.repo, () => control.handle({ action: 'retry', request }, source));
      },
      prompt: (job) => readPrompt(config.stateDir, job),
      ...(instances.several ? { firstHost: instances.first.host } : {}),
    });
    // Sign-in with each instance that has an OAuth2 application, through the one redirect URI.
    const publicUrls = config.web?.signIn ?? config.web?.oauth;
    const signIn = signInApps(config, instanceSettings).map((app) => ({
      ...app,
      // The person's token goes to their own instance only.
      userOf: (token: string) => createGiteaClient({ baseUrl: app.url, token }).currentUser(),
    }));
    app.route(
      '/',
      createWebApp({
        data,
        engine: store,
        redact,
        logger,
        adminToken,
        sessionKey: sessionKey(config.stateDir, config.web?.sessionSecret),
        ...(publicUrls && signIn.length > 0
          ? {
              oauth: {
                instances: signIn,
                withoutSignIn: instances.all.filter((i) => !signIn.some((app) => app.name === i.name)).map((i) => i.name),
                redirectUrl: publicUrls.redirectUrl,
                publicUrl: publicUrls.publicUrl,
                sessionTtlMs: config.web?.sessionTtlMs ?? 12 * 3600 * 1000,
              },
            }
          : {}),
        pages:
          overrides.web?.pages ??
          createPageRoutes({ data, oauth: signIn.length > 0, ...(instances.several ? { signIn: signIn.map((i) => ({ name: i.name, host: i.host })) } : {}) }),
        ...(overrides.web?.events ? { events: overrides.web.events } : {}),
      }),
    );
  }

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, task: () => Promise<unknown>) => {
    if (ms <= 0) return;
    const t = setInterval(() => void task().catch((err: unknown) => logger.warn({ err }, 'periodic task failed')), ms);
    t.unref();
    timers.push(t);
  };
  const learnIdentity = async (instance: (typeof instances.all)[number], attempt: number): Promise<void> => {
    try {
      const me = await instance.identity.resolve();
      logger.info(
        { bot: me.login, id: me.id, ...(instances.several ? { instance: instance.name } : {}) },
        instance.kind === 'forgejo' ? 'connected to Forgejo' : 'connected to Gitea',
      );
    } catch (err) {
      if (draining) return;
      const delay = Math.min(60_000, 1000 * 2 ** attempt);
      logger.warn(
        { err, retryInMs: delay, ...(instances.several ? { instance: instance.name } : {}) },
        'cannot read the bot account from Gitea (GET /user); comments with the kugetsu marker are still ignored',
      );
      const t = setTimeout(() => void learnIdentity(instance, attempt + 1), delay);
      t.unref();
      timers.push(t);
    }
  };
  // One secret for several repositories lets any of their admins sign deliveries for the others:
  // checked per instance, with that instance's secrets.
  const warnSharedSecret = async () => {
    const repos = [...(await store.knownRepos()), ...reconcileRepos];
    for (const instance of instances.all) {
      const shared = reposSharingGlobalSecret(
        repos.filter((repo) => instances.of(repo) === instance),
        instanceSecretsFor(instance),
      );
      if (shared.length > 1) {
        logger.warn(
          { instance: instance.name, repositories: shared.slice(0, 20), count: shared.length },
          `${instance === instances.first ? 'KUGETSU_WEBHOOK_SECRET' : `The secret of instance ${instance.name}`} signs deliveries for several repositories: an admin of any of them can sign deliveries for the others. Give each its own secret (kugetsu hooks install, or kugetsu hooks secret owner/repo); see README "Security model"`,
        );
      }
    }
  };
  const unsubscribe = store.subscribe((event) => {
    if (event.kind === 'outbox') outbox.wake();
  });

  return {
    app,
    dispatcher,
    worker,
    machine,
    store,
    reconciler,
    maintenance,
    logger,
    async start() {
      if (config.allowUnsigned) logger.warn('KUGETSU_ALLOW_UNSIGNED=1: deliveries without a signature are accepted. Use this for local experiments only.');
      if (worker) await reportSandbox(sandbox, logger);
      // Keys a one-instance kugetsu stored (owner/repo#n) are the first instance's.
      if (instances.several && store.qualifyIssueKeys) {
        const changed = await store.qualifyIssueKeys(instances.first.host);
        if (changed > 0) logger.info({ rows: changed, host: instances.first.host }, "issue keys qualified with the first instance's host (several instances are configured)");
      }
      await Promise.all(instances.all.map((instance) => learnIdentity(instance, 0)));
      if (role !== 'worker') await warnSharedSecret();
      await worker?.start();
      outbox.start();
      if (role !== 'worker') {
        deferred.start();
        void reconciler.reconcile().catch((err: unknown) => logger.warn({ err }, 'reconciliation failed'));
        void maintenance.run();
        every(config.reconcileIntervalMs, () => reconciler.reconcile());
        every(60 * 60 * 1000, () => maintenance.run());
      }
      // Throttled progress: running jobs show their elapsed time (each worker its own), the first
      // queued ones their place (the ingress).
      every(config.progressIntervalMs, async () => {
        const open = role === 'worker' ? [] : (await store.unfinished()).filter((j) => j.state === 'queued').slice(0, 10);
        await machine.progress([...(worker?.runningJobs() ?? []), ...open]);
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
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await store.counts();
        const settled = counts.queued === 0 && counts.running === 0 && (await store.deferredCount()) === 0;
        if (settled && (await outbox.drain(Math.max(1, deadline - Date.now())))) {
          const again = await store.counts();
          if (again.queued === 0 && again.running === 0) return;
        }
        if (Date.now() >= deadline) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(graceMs = config.shutdownGraceMs) {
      if (draining) return;
      draining = true;
      for (const t of timers) clearTimeout(t);
      unsubscribe();
      await deferred.stop();
      // Agents get their grace, then SIGTERM and SIGKILL; each stopped job is interrupted and continues after the next start.
      await worker?.stop(graceMs);
      // Warm agent servers (KUGETSU_OPENCODE_MODE=serve) go with their process groups.
      await agents.close();
      await outbox.drain(5_000).catch(() => undefined);
      // Awaited: a write or notification in flight records its outcome (and frees its claim) before the store closes.
      await outbox.stop();
      await store.close().catch((err: unknown) => logger.error({ err }, 'closing the store failed'));
    },
  };
}
