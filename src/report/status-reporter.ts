import type { JobStore } from '../store/job-store.js';
import { statusCommentItem } from '../store/outbox.js';
import type { OutboxWorker } from './outbox-worker.js';

/**
 * Thin façade over the outbox for callers that publish a job's status after changing it:
 * `publish(jobId)` durably enqueues `statusCommentItem(job)` (key `status:<id>`, group the issue
 * key) and wakes the {@link OutboxWorker}. It resolves once the item is stored — not when Gitea has it; the worker creates the comment
 * once and edits it afterwards, retrying while Gitea fails. Callers that change the job can
 * instead pass `statusCommentItem(job)` to `store.update` (same commit) and call `worker.wake()`.
 */
export class StatusReporter {
  constructor(private readonly deps: { store: Pick<JobStore, 'get' | 'enqueue'>; worker: Pick<OutboxWorker, 'wake'> }) {}

  /** Enqueues the job's status comment write; a job id the store does not know is ignored. */
  async publish(jobId: string): Promise<void> {
    const job = await this.deps.store.get(jobId);
    if (!job) return;
    await this.deps.store.enqueue([statusCommentItem(job)]);
    this.deps.worker.wake();
  }
}
