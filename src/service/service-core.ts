import { AgentRegistry } from '../agents/agent-registry.js';
import { createAgentSandbox, type AgentSandbox } from '../agents/agent-sandbox.js';
import { opencodeServerPlace } from '../agents/opencode-server-place.js';
import type { Config } from '../config/config.js';
import { configSecrets } from '../config/config-secrets.js';
import { configuredInstances } from '../config/configured-instances.js';
import type { InstanceSettings } from '../config/instances-file.js';
import type { RepoSettings } from '../config/repo-settings.js';
import { createGiteaClient } from '../gitea/create-gitea-client.js';
import { InstanceRegistry } from '../gitea/instance-registry.js';
import type { GiteaClient } from '../gitea/types.js';
import type { RepoRef } from '../domain/repo-ref.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createRedactor, type Redactor } from '../log/redact.js';
import { KugetsuMetrics } from '../metrics/kugetsu-metrics.js';
import { Authorizer } from '../pipeline/authorizer.js';
import { DEFERRED_BACKOFF } from '../pipeline/deferred-events.js';
import type { BackoffOptions } from '../report/backoff.js';
import type { JobStore } from '../store/job-store.js';
import { openEmbeddedStore } from '../open-store.js';
import type { Worker } from '../worker/worker.js';
import { createWorkspace } from '../workspace/create-workspace.js';
import type { Workspace } from '../workspace/types.js';
import type { WorkspaceLogger } from '../workspace/workspace-logger.js';
import { workspacePerInstance } from '../workspace/workspace-per-instance.js';
import type { ServiceOverrides, ServiceRole } from './service-types.js';

/**
 * The parts every stage of a kugetsu process shares, built once from the config: what the
 * `wire…` functions of this folder take. `settingsFor` answers for the instance of the work at
 * hand (`instances.current()`); `inRepoInstance` runs `fn` for the instance a repository lives on.
 */
export interface ServiceCore {
  config: Config;
  overrides: ServiceOverrides;
  role: ServiceRole;
  logger: Logger;
  /** Masks every configured secret; follows {@link ServiceCore.rebuildRedactor}. */
  redact: Redactor;
  /** Rebuilds the masking after the per-repository settings were reloaded (their secrets too). */
  rebuildRedactor: () => void;
  store: JobStore;
  metrics: KugetsuMetrics;
  /** This process's worker, once built (the metrics read it at scrape time). */
  workerRef: { current: Worker | undefined };
  instanceSettings: InstanceSettings[];
  instances: InstanceRegistry;
  /** One client that calls the instance of the work at hand (see `InstanceRegistry.client`). */
  gitea: GiteaClient;
  settingsFor: (owner: string, repo: string) => RepoSettings;
  inRepoInstance: <T>(repo: Pick<RepoRef, 'instance'> | undefined, fn: () => T) => T;
  sandbox: AgentSandbox;
  agents: AgentRegistry;
  workspace: Workspace;
  authorizer: Authorizer;
  /** The bot account's id on the current instance, once known. */
  botUserId: () => number | undefined;
  /** Timing of the confirmation retries of deferred deliveries and of waiting jobs, ms. */
  deferredBackoff: BackoffOptions;
}

/** Builds the {@link ServiceCore} of `config`, taking each part from `overrides` when given. Opens the embedded store unless one is given. */
export function buildServiceCore(config: Config, overrides: ServiceOverrides): ServiceCore {
  // Per-repository settings of the instance the current work is for (a host-qualified
  // `repository: host/owner/*` applies on that instance only); called only after `instances` is built.
  const settingsFor = (owner: string, repo: string): RepoSettings => config.repoSettings.settingsFor(owner, repo, instances.current().host);
  const instanceSettings = configuredInstances(config);
  // Rebuilt when the per-repository settings are reloaded (their secrets are masked too).
  let currentRedact = createRedactor(configSecrets(config));
  const redact = (text: string) => currentRedact(text);
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, redact });
  // A PostgreSQL store is opened (asynchronously) by the caller: see openStore in open-store.ts.
  const store = overrides.store ?? openEmbeddedStore(config);
  const workerRef: ServiceCore['workerRef'] = { current: undefined };
  const metrics = new KugetsuMetrics({
    store,
    logger,
    token: config.metricsToken,
    worker: () => (workerRef.current ? { id: workerRef.current.id, ...workerRef.current.stats() } : undefined),
  });
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
  const retry = overrides.deferredRetry;
  return {
    config,
    overrides,
    role: overrides.role ?? 'all',
    logger,
    redact,
    rebuildRedactor: () => {
      currentRedact = createRedactor(configSecrets(config));
    },
    store,
    metrics,
    workerRef,
    instanceSettings,
    instances,
    gitea,
    settingsFor,
    inRepoInstance: (repo, fn) => instances.run(instances.of(repo), fn),
    sandbox,
    agents,
    workspace,
    authorizer: new Authorizer(gitea, config.access),
    botUserId: () => instances.current().identity.known(),
    deferredBackoff: { ...DEFERRED_BACKOFF, ...(retry ? { baseMs: retry.baseMs, maxMs: retry.maxMs } : {}) },
  };
}
