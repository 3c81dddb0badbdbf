import type { NotifyTarget } from '../domain/job-notification.js';
import type { RepoRef } from '../domain/repo-ref.js';
import { JobMachine } from '../pipeline/job-machine.js';
import type { ServiceCore } from './service-core.js';

/**
 * The one job state machine of a kugetsu process: the repository's report settings, the attempt
 * limit, and the notification receivers of a job (the repository's own first, whose event list
 * wins for a URL that is also global, then the global ones).
 */
export function wireMachine(core: ServiceCore): JobMachine {
  const { config, settingsFor } = core;
  const notifyTargets = (repo: RepoRef): NotifyTarget[] => {
    const own = settingsFor(repo.owner, repo.name).notify;
    return [
      ...own.urls.map((url) => ({ url, events: own.events, secret: 'repository' as const })),
      ...config.notify.urls.map((url) => ({ url, events: config.notify.events, secret: 'global' as const })),
    ];
  };
  return new JobMachine({
    store: core.store,
    reportSettings: (repo) => settingsFor(repo.owner, repo.name),
    maxAttempts: config.maxAttempts,
    notifyTargets,
    observe: core.metrics.transition,
  });
}
