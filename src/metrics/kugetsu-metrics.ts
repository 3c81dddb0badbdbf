import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TriggerKind } from '../domain/delegation.js';
import { JOB_STATES } from '../domain/job-state.js';
import type { RepoRef } from '../domain/repo-ref.js';
import type { GiteaCallObservation } from '../gitea/types.js';
import type { DeliveryOutcome } from '../domain/delivery.js';
import type { Logger } from '../log/logger.js';
import type { RefusalReason } from '../pipeline/admission-observer.js';
import type { TransitionObserver } from '../pipeline/job-machine.js';
import type { OutboxObserver } from '../report/outbox-worker.js';
import type { JobStore } from '../store/job-store.js';
import { agentLabel, eventTypeLabel, repositoryLabel } from './label-values.js';
import { usageOf, type TurnUsage } from './turn-usage.js';

/** What {@link KugetsuMetrics} reads at scrape time. */
export interface MetricsSources {
  /** The engine: with PostgreSQL every process reads the shared truth. */
  store: Pick<JobStore, 'counts' | 'waitingCounts' | 'outboxHealth' | 'workers'>;
  /** This process's worker (`undefined` for an ingress): its id, agent slots and turns running. */
  worker?: () => { id: string; slots: number; running: number } | undefined;
  logger: Logger;
  /** `KUGETSU_METRICS_TOKEN`: when set, a scrape needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

/** Workers not seen by the engine for this long (ms) are left out of the slot gauges (gone, or restarted under a new id). */
const WORKER_SEEN_WITHIN_MS = 10 * 60_000;

/**
 * kugetsu's Prometheus metrics (prom-client 15), in a registry of their own per service instance
 * (never the global one, so several services can run in one process), with the process defaults
 * (`process_*`, `nodejs_*`). Counters and histograms are fed through small observer callbacks the
 * lower layers are given (they never import prom-client); the engine's gauges (jobs by state,
 * waiting jobs by reason, outbox items by operation and state, slots per worker) are read from
 * the engine at each scrape (`counts`, `waitingCounts`, `outboxHealth`, `workers`), so with
 * PostgreSQL every process shows the shared truth. Labels are fixed codes, Gitea route templates, known event types, and
 * repository names of jobs kugetsu admitted: never free text or a secret. See README "Metrics".
 */
export class KugetsuMetrics {
  readonly registry = new Registry();
  private readonly deliveries: Counter<'event_type' | 'outcome'>;
  private readonly admissions: Counter<'trigger'>;
  private readonly refusals: Counter<'reason'>;
  private readonly jobs: Gauge<'state'>;
  private readonly waiting: Gauge<'reason'>;
  private readonly turnSeconds: Histogram<'agent' | 'outcome'>;
  private readonly startDelaySeconds: Histogram;
  private readonly outboxPending: Gauge<'operation'>;
  private readonly outboxRetrying: Gauge<'operation'>;
  private readonly outboxFailedItems: Gauge<'operation'>;
  private readonly outboxSent: Counter<'operation'>;
  private readonly outboxRetries: Counter<'operation'>;
  private readonly outboxFailures: Counter<'operation'>;
  private readonly giteaRequests: Counter<'instance' | 'operation' | 'status'>;
  private readonly giteaSeconds: Histogram<'instance' | 'operation'>;
  private readonly slots: Gauge<'worker'>;
  private readonly slotsInUse: Gauge<'worker'>;
  private readonly tokens: Counter<'repository' | 'kind'>;
  private readonly costUsd: Counter<'repository'>;
  private readonly scrapeErrors: Counter;
  private readonly expectedAuthorization: Buffer | undefined;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.deliveries = new Counter({
      name: 'kugetsu_deliveries_total',
      help: 'Webhook deliveries answered, by X-Gitea-Event-Type (known types only; unknown before the signature held) and outcome.',
      labelNames: ['event_type', 'outcome'],
      registers,
    });
    this.admissions = new Counter({ name: 'kugetsu_admissions_total', help: 'Jobs admitted, by trigger (label, command, review).', labelNames: ['trigger'], registers });
    this.refusals = new Counter({ name: 'kugetsu_refusals_total', help: 'Delegations refused, by reason code.', labelNames: ['reason'], registers });
    this.jobs = new Gauge({
      name: 'kugetsu_jobs',
      help: 'Jobs in the engine by state (read from the engine at scrape time; finished jobs until they are pruned).',
      labelNames: ['state'],
      registers,
    });
    this.waiting = new Gauge({
      name: 'kugetsu_jobs_waiting',
      help: 'Jobs not yet running, by what they wait for: slot, issue (an older job of the issue), rate-limit, gitea, budget.',
      labelNames: ['reason'],
      registers,
    });
    this.turnSeconds = new Histogram({
      name: 'kugetsu_agent_turn_duration_seconds',
      help: 'Agent turn duration in seconds, by agent and outcome (succeeded, failed, canceled, interrupted).',
      labelNames: ['agent', 'outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    });
    this.startDelaySeconds = new Histogram({
      name: 'kugetsu_delivery_to_agent_start_seconds',
      help: "Seconds from a job's admission (its delivery) to the start of its first agent turn.",
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.outboxPending = new Gauge({
      name: 'kugetsu_outbox_pending',
      help: 'Outbox items not yet sent, by operation (read from the engine at scrape time).',
      labelNames: ['operation'],
      registers,
    });
    this.outboxRetrying = new Gauge({
      name: 'kugetsu_outbox_retrying',
      help: 'Pending outbox items that failed at least once and wait for their retry, by operation (read from the engine at scrape time).',
      labelNames: ['operation'],
      registers,
    });
    this.outboxFailedItems = new Gauge({
      name: 'kugetsu_outbox_failed',
      help: 'Outbox items given up and kept for inspection until pruned, by operation (read from the engine at scrape time).',
      labelNames: ['operation'],
      registers,
    });
    this.outboxSent = new Counter({ name: 'kugetsu_outbox_sent_total', help: 'Outbox items sent by this process, by operation.', labelNames: ['operation'], registers });
    this.outboxRetries = new Counter({
      name: 'kugetsu_outbox_retries_total',
      help: 'Outbox send attempts of this process that failed and will be retried, by operation.',
      labelNames: ['operation'],
      registers,
    });
    this.outboxFailures = new Counter({
      name: 'kugetsu_outbox_failures_total',
      help: 'Outbox items this process gave up on (not retried), by operation.',
      labelNames: ['operation'],
      registers,
    });
    this.giteaRequests = new Counter({
      name: 'kugetsu_gitea_requests_total',
      help: "HTTP requests to Gitea's API, by instance (its name), operation (its route template, e.g. GET /repos/{owner}/{repo}/issues/{index}) and status (0 = no answer).",
      labelNames: ['instance', 'operation', 'status'],
      registers,
    });
    this.giteaSeconds = new Histogram({
      name: 'kugetsu_gitea_request_duration_seconds',
      help: "Latency of HTTP requests to Gitea's API in seconds, by instance and operation (route template).",
      labelNames: ['instance', 'operation'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.slots = new Gauge({
      name: 'kugetsu_worker_slots',
      help: 'Agent slots per worker (KUGETSU_MAX_AGENTS), of every worker the engine saw in the last 10 minutes (read at scrape time).',
      labelNames: ['worker'],
      registers,
    });
    this.slotsInUse = new Gauge({
      name: 'kugetsu_worker_slots_in_use',
      help: 'Running jobs per worker, of every worker the engine saw in the last 10 minutes or that holds a job (read at scrape time).',
      labelNames: ['worker'],
      registers,
    });
    this.tokens = new Counter({
      name: 'kugetsu_agent_tokens_total',
      help: 'Model tokens used by agent turns, by repository and kind (input, output), when the agent reports them.',
      labelNames: ['repository', 'kind'],
      registers,
    });
    this.costUsd = new Counter({
      name: 'kugetsu_agent_cost_usd_total',
      help: 'Model cost of agent turns in USD, by repository, when the agent reports it.',
      labelNames: ['repository'],
      registers,
    });
    this.scrapeErrors = new Counter({
      name: 'kugetsu_metrics_engine_read_errors_total',
      help: 'Scrapes whose engine reads failed (the engine gauges then keep their last values).',
      registers,
    });
    this.expectedAuthorization = sources.token ? digest(`Bearer ${sources.token}`) : undefined;
  }

  /** The ingress's observer: one answered delivery. */
  readonly delivery = (answer: { eventType: string | undefined; outcome: DeliveryOutcome }): void => {
    this.deliveries.inc({ event_type: eventTypeLabel(answer.eventType), outcome: answer.outcome });
  };

  /** The dispatcher's observer. */
  readonly admission = {
    admitted: (trigger: TriggerKind): void => this.admissions.inc({ trigger }),
    refused: (reason: RefusalReason): void => this.refusals.inc({ reason }),
  };

  /**
   * The job state machine's observer: `start` of a first attempt → delivery-to-start time;
   * `finish` → the turn's duration (the result's `durationMs`) by agent and final state, and its
   * usage when reported; `interrupt` → the cut turn's duration (from `startedAt`) as `interrupted`.
   */
  readonly transition: TransitionObserver = ({ kind, before, after, at }) => {
    if (kind === 'start' && after.attempt === 1) {
      const admitted = Date.parse(after.createdAt);
      if (Number.isFinite(admitted)) this.startDelaySeconds.observe(Math.max(0, at - admitted) / 1000);
    } else if (kind === 'finish' && after.result) {
      this.turnSeconds.observe({ agent: agentLabel(after.agent), outcome: after.state }, after.result.durationMs / 1000);
      const usage = usageOf(after.result);
      if (usage) this.usage(after.repo, usage);
    } else if (kind === 'interrupt') {
      const started = Date.parse(before.startedAt ?? '');
      if (Number.isFinite(started)) this.turnSeconds.observe({ agent: agentLabel(after.agent), outcome: 'interrupted' }, Math.max(0, at - started) / 1000);
    }
  };

  /** The outbox worker's observer: one send attempt. */
  readonly outbox: OutboxObserver = ({ operation, outcome }) => {
    if (outcome === 'done') this.outboxSent.inc({ operation });
    else if (outcome === 'retry') this.outboxRetries.inc({ operation });
    else this.outboxFailures.inc({ operation });
  };

  /** The observer of the Gitea client of the instance named `instance` (`gitea` without an instances file): one HTTP request each. */
  giteaOf(instance: string): (call: GiteaCallObservation) => void {
    return (call) => {
      this.giteaRequests.inc({ instance, operation: call.route, status: String(call.status) });
      this.giteaSeconds.observe({ instance, operation: call.route }, call.durationMs / 1000);
    };
  }

  /**
   * Adds a turn's model usage to the repository's counters (tokens, cost in USD). The hook for
   * agents that report usage (issue #14): fed from `finish` when the result carries `usage`
   * (see `turn-usage.ts`); `repo` is the job's repository, which kugetsu serves.
   */
  usage(repo: Pick<RepoRef, 'owner' | 'name' | 'host'>, usage: TurnUsage): void {
    const repository = repositoryLabel(repo);
    if (usage.inputTokens) this.tokens.inc({ repository, kind: 'input' }, usage.inputTokens);
    if (usage.outputTokens) this.tokens.inc({ repository, kind: 'output' }, usage.outputTokens);
    if (usage.costUsd) this.costUsd.inc({ repository }, usage.costUsd);
  }

  /**
   * Answers a scrape: 401 (plain text saying what is missing) when a token is set and
   * `authorization` is not `Bearer <token>` (compared in constant time); else the engine gauges are
   * read and the registry rendered in Prometheus text format 0.0.4. A failing engine read is logged
   * and counted, never a 5xx.
   */
  async scrape(authorization: string | undefined): Promise<{ status: 200 | 401; contentType: string; body: string }> {
    if (this.expectedAuthorization && !timingSafeEqual(digest(authorization ?? ''), this.expectedAuthorization)) {
      return { status: 401, contentType: 'text/plain; charset=utf-8', body: 'metrics need "Authorization: Bearer <KUGETSU_METRICS_TOKEN>"\n' };
    }
    try {
      await this.readEngine();
    } catch (err) {
      this.scrapeErrors.inc();
      this.sources.logger.warn({ err }, 'metrics: could not read the engine; its gauges keep their last values');
    }
    return { status: 200, contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async readEngine(): Promise<void> {
    const { store } = this.sources;
    const [counts, waiting, outbox, workers] = await Promise.all([store.counts(), store.waitingCounts(), store.outboxHealth(), store.workers()]);
    for (const state of JOB_STATES) this.jobs.set({ state }, counts[state] ?? 0);
    this.waiting.reset();
    for (const reason of ['slot', 'issue', 'rate-limit', 'gitea', 'budget']) this.waiting.set({ reason }, 0);
    for (const w of waiting) this.waiting.inc({ reason: w.reason }, w.count);
    for (const g of [this.outboxPending, this.outboxRetrying, this.outboxFailedItems]) g.reset();
    for (const o of outbox) {
      this.outboxPending.set({ operation: o.kind }, o.pending);
      this.outboxRetrying.set({ operation: o.kind }, o.retrying);
      this.outboxFailedItems.set({ operation: o.kind }, o.failed);
    }
    this.slots.reset();
    this.slotsInUse.reset();
    const now = Date.now();
    for (const w of workers) {
      const seen = Date.parse(w.lastSeenAt);
      if (w.running === 0 && !(now - seen < WORKER_SEEN_WITHIN_MS)) continue;
      this.slots.set({ worker: w.id }, w.slots);
      this.slotsInUse.set({ worker: w.id }, w.running);
    }
    // This process's own worker, even before the engine lists it.
    const own = this.sources.worker?.();
    if (own && !workers.some((w) => w.id === own.id)) {
      this.slots.set({ worker: own.id }, own.slots);
      this.slotsInUse.set({ worker: own.id }, own.running);
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
