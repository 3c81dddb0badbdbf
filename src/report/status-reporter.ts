import type { GiteaClient } from '../gitea/types.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { Job } from '../store/job.js';
import type { JobStore } from '../store/job-store.js';
import { renderStatusComment, type RenderContext } from './render-status-comment.js';

/**
 * Keeps one status comment per job up to date: the first publish creates it on the issue or PR
 * the request came from and stores its id; later publishes edit it in place. Publishes of one job
 * are serialised and coalesced (the latest state wins), so an edit can never overtake the create
 * and a burst of changes costs at most one extra request. Gitea failures are logged and do not
 * propagate: reporting never fails a job.
 */
export class StatusReporter {
  private readonly chains = new Map<string, { running: Promise<void>; again: boolean }>();

  constructor(
    private readonly gitea: GiteaClient,
    private readonly store: JobStore,
    private readonly redact: Redactor,
    private readonly logger: Logger,
    private readonly context: (job: Job) => RenderContext = () => ({}),
  ) {}

  /** Brings the job's status comment to the job's current stored state. Resolves when written. */
  publish(jobId: string): Promise<void> {
    const chain = this.chains.get(jobId);
    if (chain) {
      chain.again = true;
      return chain.running;
    }
    const entry = { running: Promise.resolve(), again: false };
    entry.running = (async () => {
      do {
        entry.again = false;
        await this.write(jobId);
      } while (entry.again);
      this.chains.delete(jobId);
    })();
    this.chains.set(jobId, entry);
    return entry.running;
  }

  private async write(jobId: string): Promise<void> {
    const job = await this.store.get(jobId);
    if (!job) return;
    const body = this.redact(renderStatusComment(job, this.context(job)));
    const { owner, name } = job.repo;
    try {
      if (job.statusCommentId === undefined) {
        const { id } = await this.gitea.createComment(owner, name, job.replyTo, body);
        await this.store.update(jobId, { statusCommentId: id });
      } else {
        await this.gitea.editComment(owner, name, job.statusCommentId, body);
      }
    } catch (err) {
      this.logger.warn({ err, job: jobId, issueKey: job.issueKey, state: job.state }, 'could not update the status comment');
    }
  }
}
