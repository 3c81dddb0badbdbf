import type { RepoSettings } from '../config/repo-settings.js';
import type { Scheduler } from '../queue/scheduler.js';
import { finishedItems } from '../report/report-items.js';
import { canceledBeforeStart, type Job } from '../store/job.js';
import type { JobStore } from '../store/job-store.js';

/**
 * Builds the one way a job is canceled (`/kugetsu stop`, the trigger label removed while queued,
 * `kugetsu jobs cancel`): a queued job is marked `canceled` at once, with its final status comment
 * and state labels in the same commit, and never runs; a running one is aborted through the
 * scheduler (its whole process group is killed, the worktree kept) and the job runner records it.
 */
export function createJobCanceler(deps: {
  store: JobStore;
  scheduler: Scheduler;
  settingsFor: (owner: string, repo: string) => RepoSettings;
  wakeOutbox: () => void;
}): (job: Job) => Promise<void> {
  return async (job) => {
    const current = await deps.store.get(job.id);
    if (current?.state === 'queued') {
      const result = canceledBeforeStart();
      await deps.store.update(
        job.id,
        { state: 'canceled', finishedAt: new Date().toISOString(), result },
        finishedItems(current, 'canceled', result, deps.settingsFor(job.repo.owner, job.repo.name)),
        'canceled while queued',
      );
    }
    deps.scheduler.cancel(job.id);
    deps.wakeOutbox();
  };
}
