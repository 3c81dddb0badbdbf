import type { Actor } from '../domain/delegation.js';
import type { JobReader } from '../engine/job-reader.js';
import type { Redactor } from '../log/redact.js';
import { waitingText } from '../pipeline/waiting-text.js';
import type { RouteResult } from '../pipeline/route-result.js';
import { isActive, type Job, type JobState } from '../domain/job.js';
import type { JobBrowser } from '../engine/job-browser.js';
import type { JobOutput } from '../engine/job-output.js';
import { JOB_STATES } from '../domain/job-state.js';
import { instancePrefix, repoKey, repoLabel } from '../domain/repo-ref.js';
import type { ActionOutcome, JobDetail, JobFilter, JobList, JobPermissions, LogChunk, Overview, PageRequest, QueueLane, QueuePlace, WorkerSlots } from './dashboard-types.js';
import { jobRow } from './job-view.js';
import { labelWorkersIn, workerLabel } from './worker-label.js';
import type { ViewerAccess } from './viewer-access.js';
import type { Viewer } from './viewer.js';

export type * from './dashboard-types.js';

/** What the dashboard's data functions read and call; wired in src/service.ts. */
export interface DashboardDeps {
  /** The engine (any backend, any process): reader, browser (search, workers, outbox), output. */
  reader: JobReader & JobBrowser & JobOutput;
  /** The service's redactor: everything shown passes it. */
  redact: Redactor;
  access: ViewerAccess;
  /** The service's cancel (the job machine; a running turn in this process stops at once). */
  cancel: (job: Job) => Promise<'canceled' | 'requested' | 'unknown' | 'finished'>;
  /**
   * `/kugetsu retry`'s path for the issue of `job` on behalf of `sender` (ControlCommands → the
   * dispatcher's admission, permission checked again there).
   */
  retry: (job: Job, sender: Actor) => Promise<RouteResult>;
  /** The prompt the agent got, when readable here (the state dir of the worker that ran it). */
  prompt?: (job: Job) => Promise<string | undefined>;
  /**
   * The first instance's host (`host[:port]`) when several instances are configured: repositories
   * are then named `host/owner/name` in every column and filter (jobs a one-instance kugetsu stored
   * carry no host: they are the first instance's). Absent with one instance: `owner/name`.
   */
  firstHost?: string;
  /** ms since the epoch (tests fix it). */
  now?: () => number;
}

/**
 * The typed functions behind both the JSON API and the pages. Each takes the {@link Viewer} and
 * shows only what the viewer may see: a job the viewer may not read is answered as if it did not
 * exist (`undefined`, or `not-found`). Text passes the redactor.
 */
export interface DashboardData {
  /** Jobs matching `filter`, newest first; `page.before` continues a list (see `JobList.next`). */
  listJobs(viewer: Viewer, filter: JobFilter, page?: PageRequest): Promise<JobList>;
  /** The job page, or `undefined` for an unknown job or one the viewer may not see. */
  jobDetail(viewer: Viewer, id: string): Promise<JobDetail | undefined>;
  /** The job's output after offset `after` (0: from the start); `undefined` as for `jobDetail`. */
  jobLog(viewer: Viewer, id: string, after: number): Promise<LogChunk | undefined>;
  overview(viewer: Viewer): Promise<Overview>;
  /** One lane per issue that has queued, waiting or running work, oldest first. */
  queue(viewer: Viewer): Promise<QueueLane[]>;
  /** Cancels a queued, waiting or running job, with `/kugetsu stop`'s authorization. */
  cancel(viewer: Viewer, id: string): Promise<ActionOutcome>;
  /** Runs a failed or canceled job again, with `/kugetsu retry`'s authorization and path. */
  retry(viewer: Viewer, id: string): Promise<ActionOutcome>;
  /** True when the viewer may see job `id` (used by the event stream). */
  canSee(viewer: Viewer, job: Job): Promise<boolean>;
}

const SCAN = 500;

/** Builds the {@link DashboardData} over `deps`. */
export function createDashboardData(deps: DashboardDeps): DashboardData {
  const now = deps.now ?? Date.now;
  const { reader, redact, access } = deps;
  const { firstHost } = deps;
  /** A repository as people read it: `owner/name`, or `host/owner/name` with several instances. */
  const repoName = (repo: Job['repo']) => repoLabel({ ...repo, host: repo.host ?? (firstHost !== undefined && !repo.instance ? firstHost : undefined) });
  /** The same from the store's repository key (`owner/name` of the first instance, `@host/owner/name` of the others). */
  const repoNameOfKey = (key: string) => (key.startsWith('@') ? key.slice(1) : firstHost !== undefined ? `${firstHost}/${key}` : key);
  /** The store's repository key of a filter's `owner/name` or `host/owner/name`. */
  const keyOfRepoName = (name: string) => {
    const parts = name.split('/');
    if (parts.length !== 3) return name;
    return parts[0]!.toLowerCase() === firstHost?.toLowerCase() ? `${parts[1]}/${parts[2]}` : `@${name}`;
  };
  const row = (viewer: Viewer, job: Job) => ({ ...jobRow(job, redact, now(), viewer), repo: repoName(job.repo) });

  /** Keeps the jobs whose repository the viewer may read (one check per repository of each instance). */
  const visible = async (viewer: Viewer, jobs: Job[]): Promise<Job[]> => {
    if (viewer.kind === 'admin') return jobs;
    if (viewer.kind !== 'person') return [];
    const verdict = new Map<string, Promise<boolean>>();
    const keep = await Promise.all(
      jobs.map((job) => {
        const key = `${instancePrefix(job.repo)}${job.repo.owner}/${job.repo.name}`.toLowerCase();
        if (!verdict.has(key)) verdict.set(key, access.canRead(viewer, job.repo));
        return verdict.get(key)!;
      }),
    );
    return jobs.filter((_, i) => keep[i]);
  };
  const canSee = async (viewer: Viewer, job: Job) => (await visible(viewer, [job])).length === 1;
  const visibleJob = async (viewer: Viewer, id: string): Promise<Job | undefined> => {
    if (!/^[1-9]\d{0,15}$/.test(id)) return undefined;
    const job = await reader.get(id);
    return job && (await canSee(viewer, job)) ? job : undefined;
  };
  const place = async (job: Job): Promise<QueuePlace | undefined> => {
    const p = await reader.position(job.id);
    return p ? { ...p, text: waitingText(p) } : undefined;
  };
  const permissions = async (viewer: Viewer, job: Job): Promise<JobPermissions> => {
    const decision = await access.canAct(viewer, job.repo);
    if (decision.allowed !== true) return { cancel: false, retry: false, reason: decision.reason };
    return { cancel: isActive(job.state), retry: job.state === 'failed' || job.state === 'canceled' };
  };

  return {
    canSee,

    async listJobs(viewer, filter, page = {}) {
      const limit = Math.min(200, Math.max(1, page.limit ?? 50));
      if (viewer.kind === 'anonymous') return { jobs: [] };
      const { q, repo, ...rest } = filter;
      const engineFilter = { ...rest, ...(repo ? { repo: keyOfRepoName(repo) } : {}), ...(q ? { text: q } : {}) };
      const found: Job[] = [];
      let before = page.before;
      let more = true;
      // Read pages until `limit + 1` visible jobs are found (or the jobs run out; at most 20 pages).
      for (let round = 0; round < 20 && more && found.length <= limit; round++) {
        const result = await reader.search(engineFilter, { ...(before ? { before } : {}), limit: 200 });
        found.push(...(await visible(viewer, result.jobs)));
        more = result.nextBefore !== undefined;
        before = result.nextBefore;
      }
      const jobs = found.slice(0, limit);
      const next = found.length > limit || (more && jobs.length > 0) ? jobs.at(-1)?.id : undefined;
      return { jobs: jobs.map((job) => row(viewer, job)), ...(next ? { next } : {}) };
    },

    async jobDetail(viewer, id) {
      const job = await visibleJob(viewer, id);
      if (!job) return undefined;
      const [history, position, prompt, outbox, may] = await Promise.all([
        reader.history(job.id),
        isActive(job.state) && job.state !== 'running' ? place(job) : Promise.resolve(undefined),
        deps.prompt ? deps.prompt(job).catch(() => undefined) : Promise.resolve(undefined),
        reader.outboxOf(job.id),
        permissions(viewer, job),
      ]);
      const r = job.result;
      const detail: JobDetail = {
        job: row(viewer, job),
        history: history.map((h) => ({ state: h.state, at: h.at, ...(h.detail ? { detail: labelWorkersIn(viewer, redact(h.detail)) } : {}) })),
        ...(position ? { position } : {}),
        request: {
          trigger: job.trigger,
          sender: job.sender.login,
          message: redact(job.message ?? ''),
          ...(job.onPullRequest ? { onPullRequest: { number: job.onPullRequest.number, ...(job.onPullRequest.headRef ? { headRef: job.onPullRequest.headRef } : {}) } } : {}),
          deliveryId: job.deliveryId,
        },
        ...(prompt !== undefined ? { prompt: redact(prompt) } : {}),
        ...(r
          ? {
              outcome: {
                exitCode: r.exitCode,
                timedOut: r.timedOut,
                canceled: r.canceled,
                durationMs: r.durationMs,
                ...(r.sessionId ? { sessionId: r.sessionId } : {}),
                ...(r.summary ? { summary: redact(r.summary) } : {}),
                ...(r.error ? { error: redact(r.error) } : {}),
                ...(r.failedPhase ? { failedPhase: r.failedPhase } : {}),
                newCommits: r.newCommits,
                pushed: r.pushed,
                ...(r.headSha ? { headSha: r.headSha } : {}),
                outputTail: redact(r.outputTail ?? ''),
                ...(r.usage
                  ? {
                      tokens: { input: r.usage.inputTokens, output: r.usage.outputTokens, cacheRead: r.usage.cacheReadTokens, cacheWrite: r.usage.cacheWriteTokens },
                      ...(r.usage.costUsd !== undefined ? { costUsd: r.usage.costUsd } : {}),
                      ...(r.usage.model ? { model: r.usage.model } : {}),
                    }
                  : {}),
              },
            }
          : {}),
        ...(r?.sessionId ? { sessionId: r.sessionId } : {}),
        ...(job.note ? { note: redact(job.note) } : {}),
        outbox: outbox.map((item) => ({
          id: item.id,
          kind: item.kind,
          state: item.state,
          attempts: item.attempts,
          ...(item.lastError ? { lastError: redact(item.lastError) } : {}),
          createdAt: item.createdAt,
          ...(item.doneAt ? { doneAt: item.doneAt } : {}),
        })),
        may,
      };
      return detail;
    },

    async jobLog(viewer, id, after) {
      const job = await visibleJob(viewer, id);
      if (!job) return undefined;
      const piece = await reader.readOutput(job.id, { after: Math.max(0, after) });
      return { jobId: job.id, text: redact(piece.text), next: piece.next, complete: piece.done && !isActive(job.state), dropped: piece.dropped, total: piece.total };
    },

    async overview(viewer) {
      const anonymous = viewer.kind === 'anonymous';
      const [unfinished, recent, workers, health] = await Promise.all([
        reader.unfinished().then((jobs) => visible(viewer, jobs)),
        reader.recent(SCAN).then((jobs) => visible(viewer, jobs)),
        anonymous ? Promise.resolve([]) : reader.workers(),
        anonymous ? Promise.resolve([]) : reader.outboxHealth(),
      ]);
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      if (viewer.kind === 'admin') Object.assign(counts, await reader.counts());
      else {
        const seen = new Map<string, Job>();
        for (const j of [...recent, ...unfinished]) seen.set(j.id, j);
        for (const j of seen.values()) counts[j.state]++;
      }
      const waiting = new Map<string, Overview['waiting'][number]>();
      if (viewer.kind === 'admin') {
        for (const w of await reader.waitingCounts()) {
          const reason = w.reason === 'issue' ? 'waiting-for-issue' : w.reason === 'slot' ? 'waiting-for-slot' : w.reason;
          const repo = repoNameOfKey(w.repo);
          waiting.set(`${repo}\n${reason}`, { repo, reason, count: w.count });
        }
      } else {
        for (const job of unfinished.filter((j) => j.state !== 'running').slice(0, 500)) {
          const reason = job.state === 'waiting' ? (job.waiting?.reason ?? 'waiting') : ((await reader.position(job.id))?.place ?? 'waiting-for-slot');
          const repo = repoNameOfKey(repoKey(job.repo));
          const entry = waiting.get(`${repo}\n${reason}`) ?? { repo, reason, count: 0 };
          entry.count++;
          waiting.set(`${repo}\n${reason}`, entry);
        }
      }
      const running = unfinished
        .filter((j) => j.state === 'running')
        .map((job) => row(viewer, job))
        .sort((a, b) => (b.elapsedMs ?? 0) - (a.elapsedMs ?? 0));
      const slots: WorkerSlots[] = workers.map((w) => ({ workerId: workerLabel(viewer, w.id), running: w.running, slots: w.slots, seenAt: w.lastSeenAt }));
      return {
        at: new Date(now()).toISOString(),
        slots: { workers: slots, running: slots.reduce((n, w) => n + w.running, 0), total: slots.reduce((n, w) => n + w.slots, 0) },
        counts,
        waiting: [...waiting.values()],
        running,
        failures: recent
          .filter((j) => j.state === 'failed')
          .slice(0, 10)
          .map((job) => row(viewer, job)),
        outbox: health.reduce((sum, h) => ({ pending: sum.pending + h.pending, retrying: sum.retrying + h.retrying, failed: sum.failed + h.failed }), {
          pending: 0,
          retrying: 0,
          failed: 0,
        }),
      };
    },

    async queue(viewer) {
      const unfinished = await visible(viewer, await reader.unfinished());
      const lanes = new Map<string, QueueLane>();
      for (const job of unfinished) {
        const lane = lanes.get(job.issueKey) ?? { issueKey: job.issueKey, repo: repoName(job.repo), issueNumber: job.issueNumber, waiting: [] };
        if (job.state === 'running') lane.running = row(viewer, job);
        else {
          const position = await place(job);
          lane.waiting.push({ ...row(viewer, job), ...(position ? { position } : {}) });
        }
        lanes.set(job.issueKey, lane);
      }
      return [...lanes.values()];
    },

    async cancel(viewer, id) {
      const job = await visibleJob(viewer, id);
      if (!job) return { ok: false, status: 'not-found', reason: `no job ${id}` };
      const decision = await access.canAct(viewer, job.repo);
      if (decision.allowed === false) return { ok: false, status: 'forbidden', reason: decision.reason };
      if (decision.allowed === 'unknown') return { ok: false, status: 'unavailable', reason: `your permission cannot be checked now (${decision.reason}); try again` };
      if (!isActive(job.state)) return { ok: false, status: 'conflict', reason: `job ${id} already ${job.state}` };
      const outcome = await deps.cancel(job);
      if (outcome === 'unknown') return { ok: false, status: 'not-found', reason: `no job ${id}` };
      const after = await reader.get(job.id);
      if (outcome === 'finished') return { ok: false, status: 'conflict', reason: `job ${id} already ${after?.state ?? 'finished'}` };
      return { ok: true, status: outcome === 'canceled' ? 'canceled' : 'cancel-requested', jobId: job.id, ...(after ? { state: after.state } : {}) };
    },

    async retry(viewer, id) {
      const job = await visibleJob(viewer, id);
      if (!job) return { ok: false, status: 'not-found', reason: `no job ${id}` };
      const decision = await access.canAct(viewer, job.repo);
      if (decision.allowed === false) return { ok: false, status: 'forbidden', reason: decision.reason };
      if (decision.allowed === 'unknown') return { ok: false, status: 'unavailable', reason: `your permission cannot be checked now (${decision.reason}); try again` };
      // The same rules as `/kugetsu retry` (control-commands.ts), checked first so that a refusal is an
      // answer here rather than a comment on the issue.
      const jobs = await reader.listByIssue(job.issueKey);
      const active = jobs.find((j) => isActive(j.state));
      if (active) return { ok: false, status: 'conflict', reason: `job ${active.id} of ${job.issueKey} is still ${active.state}; retry when it has finished, or cancel it first` };
      const failed = [...jobs].reverse().find((j) => j.state === 'failed' || j.state === 'canceled');
      if (!failed || failed.id !== job.id)
        return {
          ok: false,
          status: 'conflict',
          reason: failed ? `only the last failed or canceled job of ${job.issueKey} (job ${failed.id}) can be retried` : `job ${id} did not fail`,
        };
      const last = jobs.at(-1);
      if (last && last.state === 'succeeded' && Number(last.id) > Number(failed.id))
        return { ok: false, status: 'conflict', reason: `a later job of ${job.issueKey} (${last.id}) succeeded` };
      const sender: Actor = viewer.kind === 'person' ? { id: viewer.id, login: viewer.login } : job.sender;
      const result = await deps.retry(job, sender);
      if (result.status === 'accepted') return { ok: true, status: 'retried', jobId: job.id, newJobId: result.jobId };
      if (result.status === 'unavailable' || result.status === 'deferred') return { ok: false, status: 'unavailable', reason: result.reason };
      return { ok: false, status: 'conflict', reason: result.reason };
    },
  };
}
