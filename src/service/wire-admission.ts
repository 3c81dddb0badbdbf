import type { RepoRef } from '../domain/repo-ref.js';
import { ControlCommands } from '../pipeline/control-commands.js';
import { EventConfirmer } from '../pipeline/confirm-event.js';
import { DeferredEventsWorker } from '../pipeline/deferred-events.js';
import { Dispatcher, type DispatcherDeps } from '../pipeline/dispatcher.js';
import { Reconciler } from '../pipeline/reconciler.js';
import { RefusalThrottle } from '../pipeline/refusal-throttle.js';
import { resetIssue } from '../pipeline/reset-issue.js';
import { settingsText } from '../pipeline/settings-text.js';
import { waitingText } from '../pipeline/waiting-text.js';
import { backoffDelay } from '../report/backoff.js';
import type { Job } from '../domain/job.js';
import type { ServiceCore } from './service-core.js';

/** The admission stage of a kugetsu process, as {@link wireAdmission} builds it. */
export interface Admission {
  control: ControlCommands;
  dispatcher: Dispatcher;
  /** Confirms deliveries kept for later with Gitea and routes them. */
  deferred: DeferredEventsWorker;
  reconciler: Reconciler;
  /** The repositories of `KUGETSU_REPOS`, each tagged with its instance. */
  reconcileRepos: RepoRef[];
}

/**
 * Admission: the dispatcher (confirm with Gitea, authorize, admit), the control commands
 * (`cancel`, `reset`, `status`, `settings`, `retry`), the confirmation of deferred deliveries and
 * the reconciler that finds missed triggers, each running for the instance of its repository.
 * `cancel` cancels a job (stopping its turn when it runs here); `wakeOutbox` asks for a send round.
 */
export function wireAdmission(core: ServiceCore, parts: { cancel: (job: Job) => Promise<unknown>; admitItems: DispatcherDeps['admitItems']; wakeOutbox: () => void }): Admission {
  const { config, store, logger, settingsFor, instances } = core;
  const control: ControlCommands = new ControlCommands({
    store,
    logger,
    cancel: async (job) => void (await parts.cancel(job)),
    reset: (request) => resetIssue({ store, workspace: core.workspace }, request),
    waitingText: async (job) => `waiting ${waitingText(await store.position(job.id))}`,
    settingsText: (request) =>
      settingsText(request, settingsFor(request.repo.owner, request.repo.name), { maxAgents: config.maxAgents, hasAllowList: config.access.allowUsers.length > 0 }),
    admit: (request, source) => dispatcher.admit(request, source),
    wakeOutbox: parts.wakeOutbox,
    command: (request) => settingsFor(request.repo.owner, request.repo.name).command,
  });
  const dispatcher: Dispatcher = new Dispatcher({
    control,
    store,
    logger,
    settingsFor,
    botUserId: core.botUserId,
    authorizer: core.authorizer,
    confirmer: new EventConfirmer({ gitea: core.gitea, settingsFor }),
    retryAt: (attempt) => Date.now() + backoffDelay(attempt, core.deferredBackoff),
    admitItems: parts.admitItems,
    maxQueuedPerIssue: config.maxQueuedPerIssue,
    refusalReply: config.refusalReply,
    refusalThrottle: new RefusalThrottle(config.refusalReplyWindowMs),
    wakeOutbox: parts.wakeOutbox,
    observe: core.metrics.admission,
  });
  const deferred = new DeferredEventsWorker({
    store,
    logger,
    backoff: core.deferredBackoff,
    ...(core.overrides.deferredRetry ? { pollMs: core.overrides.deferredRetry.pollMs } : {}),
    confirmAndRoute: (claimed, source) => core.inRepoInstance(claimed.repo, () => dispatcher.confirmAndRoute(claimed, source)),
  });
  // `host/owner/repo` entries of KUGETSU_REPOS live on the instance of that host (load-config checked it exists).
  const reconcileRepos = config.repos.map(({ host, ...repo }): RepoRef => {
    const instance = instances.all.find((i) => i.host === host) ?? instances.first;
    return instances.tag({ ...repo, fullName: `${repo.owner}/${repo.name}`, cloneUrl: '', defaultBranch: '', htmlUrl: '' }, instance);
  });
  const reconciler = new Reconciler({
    store,
    gitea: core.gitea,
    dispatcher,
    logger,
    settingsFor,
    botUserId: core.botUserId,
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
  return { control, dispatcher, deferred, reconciler, reconcileRepos };
}
