import { SANDBOX_OFF_FOOTER } from '../agents/report-sandbox.js';
import { sumUsage } from '../domain/turn-usage.js';
import { waitingText } from '../pipeline/waiting-text.js';
import { OutboxWorker } from '../report/outbox-worker.js';
import type { Job } from '../domain/job.js';
import type { ServiceCore } from './service-core.js';

/**
 * The outbox of a kugetsu process: sends each write to the instance of its issue, renders status
 * comments with the branch link, the queue place of a queued job, the sandbox-off footer and the
 * issue's summed usage, and signs job notifications with the repository's own key for its
 * receivers (the global key for the rest). With the embedded database it is the only sender.
 */
export function wireOutbox(core: ServiceCore): OutboxWorker {
  const { config, store, instances, settingsFor, sandbox } = core;
  const repoNotifySecret = (fullName: string) => {
    const [owner = '', repo = ''] = fullName.split('/');
    return owner && repo ? settingsFor(owner, repo).notify.secret : undefined;
  };
  return new OutboxWorker({
    store,
    gitea: core.gitea,
    logger: core.logger,
    redact: core.redact,
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
    ...(core.overrides.outboxBackoff ? { backoff: core.overrides.outboxBackoff } : {}),
    notify: {
      secretFor: (op) => (op.secret === 'repository' ? repoNotifySecret(op.payload.job.repository) : undefined) ?? config.notify.secret,
    },
    observe: core.metrics.outbox,
  });
}
