import { issueKeyOfRepo } from '../domain/issue-key.js';
import { issueBranch } from '../domain/branch.js';
import type { GiteaEvent } from '../events/event.js';
import { eventKey } from '../events/event-key.js';
import { normalizeDelivery } from '../events/normalize-delivery.js';
import type { Delivery, DeliveryResult } from '../domain/delivery.js';
import type { Logger } from '../log/logger.js';
import type { Job } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import { replyItem, type NewOutboxItem } from '../domain/outbox.js';
import type { DelegationRequest } from '../triggers/intent.js';
import { routeEvent } from '../triggers/route-event.js';
import type { ControlCommands } from './control-commands.js';
import type { RepoSettings } from '../config/repo-settings.js';
import type { Authorizer } from './authorizer.js';
import type { EventConfirmer } from './confirm-event.js';
import type { RefusalThrottle } from './refusal-throttle.js';
import type { AdmissionSource } from './admission-source.js';
import type { AdmissionObserver, RefusalReason } from './admission-observer.js';
import type { RouteResult } from './route-result.js';
import { createKeyedLock } from '../workspace/keyed-lock.js';

/** What the {@link Dispatcher} needs; all injected by the composition root. */
export interface DispatcherDeps {
  store: JobStore;
  logger: Logger;
  /** Per-repository settings (trigger labels, command word, branch template, agent, least role). */
  settingsFor: (owner: string, repo: string) => RepoSettings;
  /** The bot's user id once known (`GET /user`). */
  botUserId: () => number | undefined;
  /** The outbox items of a job's admission (the state machine's `admit` transition). */
  admitItems: (job: Job) => NewOutboxItem[];
  /** Checks the sender's permission (Gitea) and the allow/deny lists. */
  authorizer: Authorizer;
  /** Queued jobs one issue may have at once. */
  maxQueuedPerIssue: number;
  /** Reply on the issue to a refused request (else only a log line). */
  refusalReply: boolean;
  /** At most one refusal reply per person per issue per window (default: every refusal is answered). */
  refusalThrottle?: RefusalThrottle;
  /** Told when a reply was put in the outbox. */
  wakeOutbox: () => void;
  /** The `/kugetsu help|status|stop|retry|reset` subcommands. */
  control: ControlCommands;
  /** Reads a delivery's facts back from Gitea before anything is admitted. */
  confirmer: EventConfirmer;
  /** When the first confirmation attempt of a deferred delivery is due (ms since the epoch). */
  retryAt?: (attempt: number) => number;
  /**
   * How a delivery is confirmed before its answer: at most `maxInFlight` confirmations at once
   * (more are deferred at once), each given `budgetMs` before the delivery is deferred instead
   * (Gitea gives up on a delivery after 5 s: gitea-contract.md §3). Default 16 and 2000 ms.
   */
  confirmNow?: { maxInFlight?: number; budgetMs?: number };
  /** Told about every admission and refusal (metrics). */
  observe?: AdmissionObserver;
}

/** See {@link DispatcherDeps.confirmNow}. */
const DEFAULT_CONFIRM_NOW = { maxInFlight: 16, budgetMs: 2_000 };

/** Resolves `undefined` after `ms`; never holds the process open. */
function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

/**
 * The middle of the pipeline: delivery → event → intent → job. `handle` answers once the job is
 * durably admitted — together with its delivery record and its first Gitea writes (the queued
 * status comment, the 👀 reaction on a command, removing the trigger label) in the outbox — so a
 * 2xx means the request is not lost. A repeated delivery id, or the same event under another
 * delivery id (replay, organisation + repository hooks), is acknowledged and not acted on again.
 */
export class Dispatcher {
  /** Confirmations with Gitea in progress for deliveries still waiting for their answer. */
  private confirming = 0;
  /** One admission at a time per issue: copies of one event never race for rate slots. */
  private readonly issueLocks = createKeyedLock();

  constructor(private readonly deps: DispatcherDeps) {}

  /**
   * A verified delivery → what kugetsu does about it. Events that cannot trigger anything are
   * answered from the payload alone (no API call); the others are confirmed with Gitea first
   * ({@link confirmAndRoute}). When Gitea cannot answer now, the delivery is stored as deferred
   * (answered `deferred`, 202) and confirmed later by the deferred-events worker — it is neither
   * dropped nor admitted on the payload's word.
   */
  async handle(delivery: Delivery): Promise<DeliveryResult> {
    const normalized = normalizeDelivery(delivery);
    if (!normalized.ok) return 'invalid' in normalized ? { status: 'rejected', reason: normalized.invalid } : { status: 'ignored', reason: normalized.ignored };
    const claimed = normalized.event;
    const intent = routeEvent(claimed, { settingsFor: this.deps.settingsFor, botUserId: this.deps.botUserId() });
    if (intent.kind === 'ignore') return { status: 'ignored', reason: intent.reason };
    if (intent.kind === 'control' && intent.action === 'label-removed' && !(await this.waitsForLabel(intent.request.issueKey))) {
      return { status: 'ignored', reason: 'issue does not carry the trigger label' };
    }
    // Built only for what may act: the content key may hash the whole body.
    const source: AdmissionSource = {
      id: delivery.id,
      eventType: delivery.eventType,
      eventKey: eventKey(claimed, delivery.bodySha256),
      receivedAt: delivery.receivedAt.toISOString(),
    };
    const { maxInFlight, budgetMs } = { ...DEFAULT_CONFIRM_NOW, ...this.deps.confirmNow };
    // A burst must not wait on Gitea: beyond `maxInFlight` confirmations, deliveries are kept and
    // confirmed by the deferred-events worker right away.
    if (this.confirming >= maxInFlight) return this.defer(claimed, source, 'many deliveries are being confirmed with Gitea', Date.now(), 'info');
    this.confirming++;
    const work = this.confirmAndRoute(claimed, source).finally(() => this.confirming--);
    const result = await Promise.race([work, sleep(budgetMs)]);
    if (result === undefined) {
      // Gitea is slow: answer now. The confirmation goes on; whichever of it and the deferred copy
      // comes second finds the event handled (content keys), so it is acted on once.
      work.catch((err: unknown) => this.deps.logger.error({ err, delivery: source.id }, 'confirming a delivery failed'));
      const kept = await this.defer(claimed, source, `Gitea did not answer within ${budgetMs} ms`, Date.now() + budgetMs, 'info');
      if (kept.status !== 'ignored') return kept;
      // The confirmation handled the event between the deadline and the keeping: answer what it did
      // (`accepted`, most often), not that the event was already handled.
      const done = await work.catch(() => undefined);
      return done && done.status !== 'unavailable' ? done : kept;
    }
    if (result.status !== 'unavailable') return result;
    return this.defer(claimed, source, result.reason, this.deps.retryAt?.(1) ?? Date.now() + 5_000, 'warn');
  }

  /** Keeps a delivery for the deferred-events worker (first attempt at `dueAt`, ms) and answers `deferred`. */
  private async defer(claimed: GiteaEvent, source: AdmissionSource, why: string, dueAt: number, level: 'info' | 'warn'): Promise<DeliveryResult> {
    const receivedAt = source.receivedAt ?? new Date().toISOString();
    const stored = await this.deps.store.defer({ ...source, receivedAt }, JSON.stringify(claimed), dueAt, why);
    if (stored === 'duplicate') return { status: 'ignored', reason: `this event was already handled` };
    this.deps.logger[level]({ delivery: source.id, issueKey: issueKeyOf(claimed), why }, 'delivery kept; it is confirmed with Gitea and acted on shortly');
    return { status: 'deferred', reason: `kugetsu keeps this event and acts on it once Gitea confirms it (${why})` };
  }

  /**
   * Reads the claimed event back from Gitea ({@link EventConfirmer}) and routes what Gitea says.
   * A claim Gitea refutes is ignored with the reason, and logged as a possible forgery (warn, with
   * the delivery id) when the payload claims what Gitea does not show.
   */
  async confirmAndRoute(claimed: GiteaEvent, source: AdmissionSource): Promise<RouteResult> {
    const confirmation = await this.deps.confirmer.confirm(claimed);
    if (confirmation.kind === 'unavailable') return { status: 'unavailable', reason: confirmation.reason };
    if (confirmation.kind === 'refuted') {
      const log = { delivery: source.id, eventType: source.eventType, issueKey: issueKeyOf(claimed), sender: claimed.sender.login, reason: confirmation.reason };
      if (confirmation.forgery) this.deps.logger.warn(log, 'delivery does not match what Gitea says: possible forgery; ignored');
      else this.deps.logger.info(log, 'delivery could not be confirmed with Gitea; ignored');
      return { status: 'ignored', reason: `not confirmed by Gitea: ${confirmation.reason}` };
    }
    return this.route(confirmation.event, { ...source, eventKey: confirmation.eventKey ?? source.eventKey });
  }

  /**
   * Routes an event whose facts come from Gitea's API (a confirmed delivery, or the reconciler
   * reading the API). `unavailable` when the sender's permission cannot be checked now.
   */
  async route(event: GiteaEvent, source: AdmissionSource): Promise<RouteResult> {
    const intent = routeEvent(event, { settingsFor: this.deps.settingsFor, botUserId: this.deps.botUserId() });
    if (intent.kind === 'ignore') return { status: 'ignored', reason: intent.reason };
    if (intent.kind === 'control') {
      if (intent.action !== 'label-removed') {
        const minRole = this.deps.settingsFor(intent.request.repo.owner, intent.request.repo.name).minRole;
        const auth = await this.deps.authorizer.check(intent.request.repo, intent.request.sender, minRole);
        if (auth.allowed === false) return this.refuse(intent.request, source, auth.reason, auth.reply, auth.code);
        if (auth.allowed === 'unknown') return { status: 'unavailable', reason: `the permission of @${intent.request.sender.login} cannot be checked (${auth.reason})` };
      }
      return this.deps.control.handle(intent, source);
    }
    return this.admit(intent.delegation, source);
  }

  /**
   * True when a label job of the issue is queued (only then can removing the label matter). Every
   * label change without the trigger label asks this: an issue with nothing queued (the usual case)
   * is answered by a count on the issue's index, without reading and decoding its jobs.
   */
  private async waitsForLabel(key: DelegationRequest['issueKey']): Promise<boolean> {
    if ((await this.deps.store.queuedCount(key)) === 0) return false;
    return (await this.deps.store.listByIssue(key)).some((j) => j.state === 'queued' && j.trigger === 'label');
  }

  /**
   * Stores a delegation as a job exactly once, with its acknowledgements, and hands it on — after
   * the sender passed the access check (role on the repository, allow/deny lists) and the abuse
   * limits (per-sender and per-repository rates, queued jobs per issue). A refusal gets a short
   * reply on the issue (unless replies are off) and never a job.
   */
  async admit(request: DelegationRequest, source: AdmissionSource): Promise<RouteResult> {
    return this.issueLocks.run(request.issueKey, () => this.admitLocked(request, source));
  }

  private async admitLocked(request: DelegationRequest, source: AdmissionSource): Promise<RouteResult> {
    const { store, logger } = this.deps;
    const settings = this.deps.settingsFor(request.repo.owner, request.repo.name);
    // What this request already is decides before anything is counted against anyone.
    const seen = await store.handled(source);
    if (seen) return duplicate(source, seen, logger);
    if (request.trigger === 'label' && (await store.isIssueActive(request.issueKey)))
      return { status: 'ignored', reason: `a delegation is already queued or running for ${request.issueKey}` };
    const auth = await this.deps.authorizer.check(request.repo, request.sender, settings.minRole);
    if (auth.allowed === false) return this.refuse(request, source, auth.reason, auth.reply, auth.code);
    if (auth.allowed === 'unknown') return { status: 'unavailable', reason: `the permission of @${request.sender.login} cannot be checked (${auth.reason})` };

    const queued = await store.queuedCount(request.issueKey);
    if (queued >= this.deps.maxQueuedPerIssue) {
      return this.refuse(
        request,
        source,
        `${request.issueKey} already has ${queued} queued jobs (KUGETSU_MAX_QUEUED_PER_ISSUE=${this.deps.maxQueuedPerIssue})`,
        `@${request.sender.login} this issue already has ${queued} requests waiting for kugetsu; wait until they have run, then ask again.`,
        'issue-queue-full',
      );
    }
    // Rates are start rates, kept by the engine when workers claim (a job over a rate waits).
    const outcome = await store.admit(
      { ...source, receivedAt: source.receivedAt ?? new Date().toISOString() },
      {
        ...request,
        deliveryId: source.id,
        // On someone else's pull request: its own head branch (confirmed by the job runner).
        branch: request.onPullRequest?.headRef ?? issueBranch(request.issueNumber, settings.branchTemplate),
        agent: settings.agent.kind,
      },
      { requireIdleIssue: request.trigger === 'label', outbox: (job) => this.deps.admitItems(job) },
    );
    switch (outcome.kind) {
      case 'duplicate':
        return duplicate(source, outcome, logger);
      case 'busy':
        return { status: 'ignored', reason: `a delegation is already queued or running for ${request.issueKey}` };
      case 'accepted': {
        const { job } = outcome;
        logger.info({ delivery: source.id, job: job.id, issueKey: job.issueKey, trigger: job.trigger, sender: job.sender.login }, 'delegation queued');
        this.tell((o) => o.admitted(job.trigger));
        return { status: 'accepted', jobId: job.id, issueKey: job.issueKey };
      }
    }
  }

  /**
   * Logs a refusal and records the event (a replay is then a duplicate); answers on the issue
   * through the outbox unless replies are off or this person was answered on this issue within the
   * refusal window (one answer, not a comment storm).
   */
  private async refuse(request: DelegationRequest, source: AdmissionSource, reason: string, reply: string, code: RefusalReason): Promise<DeliveryResult> {
    this.tell((o) => o.refused(code));
    const answer = this.deps.refusalReply && (this.deps.refusalThrottle?.allow(request.issueKey, request.sender) ?? true);
    this.deps.logger.info(
      { delivery: source.id, issueKey: request.issueKey, sender: request.sender.login, trigger: request.trigger, reason, replied: answer },
      'delegation refused',
    );
    await this.deps.store.recordEvent({ ...source, receivedAt: source.receivedAt ?? new Date().toISOString() }, answer ? [replyItem(request, source.eventKey, reply)] : []);
    if (answer) this.deps.wakeOutbox();
    return { status: 'ignored', reason: `refused: ${reason}` };
  }

  /** Calls the observer, if any; an observer's failure never changes what was decided. */
  private tell(call: (observer: AdmissionObserver) => void): void {
    if (!this.deps.observe) return;
    try {
      call(this.deps.observe);
    } catch {
      // Metrics only.
    }
  }
}

/** The answer to a delivery handled before (by its id, or the same event under another id). */
function duplicate(source: AdmissionSource, seen: { jobId: string; by: 'delivery' | 'event' }, logger: Logger): DeliveryResult {
  logger.info({ delivery: source.id, job: seen.jobId, by: seen.by }, 'duplicate delivery acknowledged');
  const job = seen.jobId === '0' ? '' : ` (job ${seen.jobId})`;
  return {
    status: 'ignored',
    reason: seen.by === 'delivery' ? `delivery ${source.id} was already handled${job}` : `this event was already handled under another delivery${job}`,
  };
}

/** The issue key an event is about, for log lines. */
function issueKeyOf(event: GiteaEvent): string {
  const n = event.kind === 'review_rejected' ? event.pull.number : event.issue.number;
  return issueKeyOfRepo(event.repo, n);
}
