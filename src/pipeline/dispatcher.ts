import { Mutex } from 'async-mutex';
import { issueBranch } from '../domain/branch.js';
import { normalizeDelivery } from '../events/normalize-delivery.js';
import type { GiteaClient } from '../gitea/types.js';
import type { Delivery, DeliveryResult } from '../ingress/delivery.js';
import type { Logger } from '../log/logger.js';
import type { Scheduler } from '../queue/scheduler.js';
import type { StatusReporter } from '../report/status-reporter.js';
import type { Job } from '../store/job.js';
import type { JobStore } from '../store/job-store.js';
import type { DelegationRequest } from '../triggers/intent.js';
import { routeEvent } from '../triggers/route-event.js';
import type { JobRunner } from './job-runner.js';

export interface DispatcherDeps {
  store: JobStore;
  scheduler: Scheduler;
  runner: JobRunner;
  reporter: StatusReporter;
  gitea: GiteaClient;
  logger: Logger;
  triggerLabel: string;
  command: string;
  /** Adapter name recorded on each job, e.g. `opencode`. */
  agentName: string;
  /** The bot's user id once known (`GET /user`). */
  botUserId: () => number | undefined;
}

/**
 * The middle of the pipeline: delivery → event → intent → job. `handle` decides synchronously
 * with the delivery (so the ingress can answer 202 or "ignored: why"), stores the job and hands it
 * to the scheduler; the Gitea side effects of accepting (the queued status comment, the 👀
 * reaction on a command, removing the trigger label) run afterwards and never delay the answer.
 */
export class Dispatcher {
  /** Serialises "is the issue active? → insert", so two label deliveries cannot both start work. */
  private readonly admission = new Mutex();
  /** Acknowledgements still being written to Gitea. */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: DispatcherDeps) {}

  async handle(delivery: Delivery): Promise<DeliveryResult> {
    const normalized = normalizeDelivery(delivery);
    if (!normalized.ok) return 'invalid' in normalized ? { status: 'rejected', reason: normalized.invalid } : { status: 'ignored', reason: normalized.ignored };
    const intent = routeEvent(normalized.event, {
      triggerLabel: this.deps.triggerLabel,
      command: this.deps.command,
      botUserId: this.deps.botUserId(),
    });
    if (intent.kind === 'ignore') return { status: 'ignored', reason: intent.reason };
    const request = intent.delegation;

    const job = await this.admission.runExclusive(async () => {
      if (request.trigger === 'label' && (await this.deps.store.isIssueActive(request.issueKey))) return undefined;
      return this.deps.store.insert({ ...request, deliveryId: delivery.id, branch: issueBranch(request.issueNumber), agent: this.deps.agentName });
    });
    if (!job) return { status: 'ignored', reason: `a delegation is already queued or running for ${request.issueKey}` };

    this.deps.logger.info({ delivery: delivery.id, job: job.id, issueKey: job.issueKey, trigger: job.trigger, sender: job.sender.login }, 'delegation queued');
    const ack = this.acknowledge(job, request).finally(() => this.pending.delete(ack));
    this.pending.add(ack);
    this.deps.scheduler.submit({ jobId: job.id, issueKey: job.issueKey, run: (signal) => this.deps.runner.run(job.id, signal) });
    return { status: 'accepted', jobId: job.id, issueKey: job.issueKey };
  }

  /** Resolves when every acknowledgement started so far has been written (or has failed). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** The visible side of accepting: status comment, 👀 on the command, trigger label removed. */
  private async acknowledge(job: Job, request: DelegationRequest): Promise<void> {
    const { gitea, logger } = this.deps;
    const { owner, name } = job.repo;
    const tasks: Array<Promise<unknown>> = [this.deps.reporter.publish(job.id)];
    if (request.commentId !== undefined) tasks.push(gitea.addCommentReaction(owner, name, request.commentId, 'eyes'));
    if (request.triggerLabelId !== undefined) tasks.push(gitea.removeIssueLabel(owner, name, request.issueNumber, request.triggerLabelId));
    const results = await Promise.allSettled(tasks);
    for (const r of results) {
      if (r.status === 'rejected') logger.warn({ err: r.reason, job: job.id, issueKey: job.issueKey }, 'could not acknowledge the delegation on Gitea');
    }
  }
}
