import { issueBranch } from '../domain/branch.js';
import type { GiteaEvent } from '../events/event.js';
import { eventKey } from '../events/event-key.js';
import { normalizeDelivery } from '../events/normalize-delivery.js';
import type { Delivery, DeliveryResult } from '../ingress/delivery.js';
import type { Logger } from '../log/logger.js';
import type { Job } from '../store/job.js';
import type { DeliveryMeta, JobStore } from '../store/job-store.js';
import { statusCommentItem, type NewOutboxItem } from '../store/outbox.js';
import type { DelegationRequest } from '../triggers/intent.js';
import { routeEvent } from '../triggers/route-event.js';

export interface DispatcherDeps {
  store: JobStore;
  logger: Logger;
  triggerLabel: string;
  command: string;
  /** Adapter name recorded on each job, e.g. `opencode`. */
  agentName: string;
  /** The bot's user id once known (`GET /user`). */
  botUserId: () => number | undefined;
  /** Called with each newly admitted job: schedule it and wake the outbox worker. */
  onAdmitted: (job: Job) => void;
}

/** How a delegation reached kugetsu, for the idempotency record. */
export type AdmissionSource = Omit<DeliveryMeta, 'receivedAt'> & { receivedAt?: string };

/**
 * The middle of the pipeline: delivery → event → intent → job. `handle` answers once the job is
 * durably admitted — together with its delivery record and its first Gitea writes (the queued
 * status comment, the 👀 reaction on a command, removing the trigger label) in the outbox — so a
 * 2xx means the request is not lost. A repeated delivery id, or the same event under another
 * delivery id (replay, organisation + repository hooks), is acknowledged and not acted on again.
 */
export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async handle(delivery: Delivery): Promise<DeliveryResult> {
    const normalized = normalizeDelivery(delivery);
    if (!normalized.ok) return 'invalid' in normalized ? { status: 'rejected', reason: normalized.invalid } : { status: 'ignored', reason: normalized.ignored };
    return this.route(normalized.event, { id: delivery.id, eventType: delivery.eventType, eventKey: eventKey(normalized.event, delivery.bodySha256), receivedAt: delivery.receivedAt.toISOString() });
  }

  /** Routes an event found by any means (a delivery, or the reconciler reading the API). */
  async route(event: GiteaEvent, source: AdmissionSource): Promise<DeliveryResult> {
    const intent = routeEvent(event, {
      triggerLabel: this.deps.triggerLabel,
      command: this.deps.command,
      botUserId: this.deps.botUserId(),
    });
    if (intent.kind === 'ignore') return { status: 'ignored', reason: intent.reason };
    return this.admit(intent.delegation, source);
  }

  /** Stores a delegation as a job exactly once, with its acknowledgements, and hands it on. */
  async admit(request: DelegationRequest, source: AdmissionSource): Promise<DeliveryResult> {
    const outcome = await this.deps.store.admit(
      { ...source, receivedAt: source.receivedAt ?? new Date().toISOString() },
      { ...request, deliveryId: source.id, branch: issueBranch(request.issueNumber), agent: this.deps.agentName },
      { requireIdleIssue: request.trigger === 'label', outbox: (job) => acknowledgements(job, request) },
    );
    switch (outcome.kind) {
      case 'duplicate':
        this.deps.logger.info({ delivery: source.id, job: outcome.jobId, by: outcome.by }, 'duplicate delivery acknowledged');
        return {
          status: 'ignored',
          reason: outcome.by === 'delivery' ? `delivery ${source.id} was already handled (job ${outcome.jobId})` : `this event was already handled under another delivery (job ${outcome.jobId})`,
        };
      case 'busy':
        return { status: 'ignored', reason: `a delegation is already queued or running for ${request.issueKey}` };
      case 'accepted': {
        const { job } = outcome;
        this.deps.logger.info({ delivery: source.id, job: job.id, issueKey: job.issueKey, trigger: job.trigger, sender: job.sender.login }, 'delegation queued');
        this.deps.onAdmitted(job);
        return { status: 'accepted', jobId: job.id, issueKey: job.issueKey };
      }
    }
  }
}

/** The Gitea writes that acknowledge a new job: status comment, 👀 on the command, trigger label off. */
function acknowledgements(job: Job, request: DelegationRequest): NewOutboxItem[] {
  const { owner, name } = job.repo;
  const items: NewOutboxItem[] = [statusCommentItem(job)];
  if (request.commentId !== undefined) {
    items.push({ key: `reaction:${owner}/${name}:${request.commentId}:eyes`, group: job.issueKey, op: { kind: 'reaction', owner, repo: name, commentId: request.commentId, content: 'eyes' } });
  }
  if (request.triggerLabelId !== undefined) {
    items.push({
      key: `unlabel:${owner}/${name}#${request.issueNumber}:${request.triggerLabelId}`,
      group: job.issueKey,
      op: { kind: 'remove_label', owner, repo: name, number: request.issueNumber, labelId: request.triggerLabelId },
    });
  }
  return items;
}
