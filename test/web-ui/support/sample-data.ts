import type { DashboardData, JobDetail, JobRow, LogChunk, Overview, QueueLane } from '../../../src/web/dashboard-data.js';
import type { Viewer } from '../../../src/web/viewer.js';

/** The fixed "now" of the sample: 2026-11-25 12:00:00 UTC, in ms since the epoch. */
export const SAMPLE_NOW = Date.parse('2026-11-25T12:00:00Z');

/** A job row of `acme/app` with `overrides`, created 30 minutes before `now`. */
export function sampleRow(overrides: Partial<JobRow> & Pick<JobRow, 'id' | 'state'>, now = SAMPLE_NOW): JobRow {
  const issueNumber = overrides.issueNumber ?? 7;
  return {
    issueKey: `acme/app#${issueNumber}`,
    repo: 'acme/app',
    issueNumber,
    replyTo: issueNumber,
    trigger: 'command',
    sender: 'alice',
    messagePreview: 'please add a greeting to the README',
    attempt: 1,
    agent: 'opencode',
    branch: `kugetsu/issue-${issueNumber}`,
    createdAt: new Date(now - 30 * 60_000).toISOString(),
    links: {
      repository: 'http://gitea.test/acme/app',
      issue: `http://gitea.test/acme/app/issues/${issueNumber}`,
      branch: `http://gitea.test/acme/app/src/branch/kugetsu/issue-${issueNumber}`,
    },
    ...overrides,
  };
}

/** Sample view models as of `now` (ms since the epoch), as the data functions would return them. */
export function sampleViews(now = SAMPLE_NOW) {
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const running = sampleRow({ id: '41', state: 'running', startedAt: at(4), elapsedMs: 240_000, workerId: 'host-a/1234' }, now);
  const queued = sampleRow({ id: '42', state: 'queued', sender: 'bob', messagePreview: 'also fix the footer' }, now);
  const waiting = sampleRow({ id: '43', state: 'waiting', issueNumber: 9, waiting: { reason: 'rate-limit', detail: 'bob asked 5 times this hour', until: at(-10) } }, now);
  const failed = sampleRow(
    {
      id: '40',
      state: 'failed',
      issueNumber: 3,
      startedAt: at(50),
      finishedAt: at(45),
      elapsedMs: 300_000,
      exitCode: 2,
      failedPhase: 'agent',
      error: 'the agent exited with code 2',
    },
    now,
  );
  const overview: Overview = {
    at: new Date(now).toISOString(),
    slots: { workers: [{ workerId: 'host-a/1234', running: 1, slots: 2, seenAt: at(0.2) }], running: 1, total: 2 },
    counts: { queued: 1, waiting: 1, running: 1, succeeded: 12, failed: 1, canceled: 0 },
    waiting: [
      { repo: 'acme/app', reason: 'waiting-for-issue', count: 1 },
      { repo: 'acme/app', reason: 'rate-limit', count: 1 },
    ],
    running: [running],
    failures: [failed],
    outbox: { pending: 2, retrying: 1, failed: 0 },
  };
  const lanes: QueueLane[] = [
    {
      issueKey: 'acme/app#7',
      repo: 'acme/app',
      issueNumber: 7,
      running,
      waiting: [{ ...queued, position: { place: 'waiting-for-issue', ahead: 0, waiting: 1, text: 'waiting for job 41 of this issue' } }],
    },
    { issueKey: 'acme/app#9', repo: 'acme/app', issueNumber: 9, waiting: [waiting] },
  ];
  const detail: JobDetail = {
    job: running,
    history: [
      { state: 'queued', at: at(30), detail: 'admitted' },
      { state: 'running', at: at(4), detail: 'claimed by host-a/1234' },
    ],
    request: { trigger: 'command', sender: 'alice', message: '/kugetsu please add a greeting to the README', deliveryId: 'd-1' },
    prompt: 'Issue acme/app#7: Add a greeting\n\nplease add a greeting to the README',
    outbox: [
      { id: 1, kind: 'status_comment', state: 'done', attempts: 1, createdAt: at(30), doneAt: at(29.9) },
      { id: 2, kind: 'status_comment', state: 'pending', attempts: 2, createdAt: at(4), nextAttemptAt: at(-0.5), lastError: 'Gitea answered 502' },
    ],
    may: { cancel: true, retry: false },
  };
  const log: LogChunk = { jobId: '41', text: 'reading README.md\nwriting the greeting\n', next: 40, complete: false };
  return { running, queued, waiting, failed, overview, lanes, detail, log, jobs: [running, queued, waiting, failed] };
}

/** A {@link DashboardData} answering with the sample views to everyone but the anonymous viewer. */
export function sampleData(views = sampleViews()): DashboardData & { calls: string[] } {
  const calls: string[] = [];
  const nobody = (viewer: Viewer) => viewer.kind === 'anonymous';
  return {
    calls,
    canSee: async () => false,
    async listJobs(viewer, filter, page) {
      calls.push(`listJobs ${JSON.stringify(filter)} ${JSON.stringify(page ?? {})}`);
      return nobody(viewer) ? { jobs: [] } : { jobs: views.jobs, next: '40' };
    },
    async jobDetail(viewer, id) {
      return !nobody(viewer) && id === views.detail.job.id ? views.detail : undefined;
    },
    async jobLog(viewer, id) {
      return !nobody(viewer) && id === views.detail.job.id ? views.log : undefined;
    },
    async overview() {
      return views.overview;
    },
    async queue() {
      return views.lanes;
    },
    async cancel() {
      return { ok: false, status: 'forbidden', reason: 'sample data' };
    },
    async retry() {
      return { ok: false, status: 'forbidden', reason: 'sample data' };
    },
  };
}
