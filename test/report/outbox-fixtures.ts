import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { issueKey } from '../../src/domain/issue-key.js';
import { createGiteaClient } from '../../src/gitea/create-gitea-client.js';
import type { GiteaClient } from '../../src/gitea/types.js';
import { OutboxWorker, type OutboxWorkerOptions } from '../../src/report/outbox-worker.js';
import { statusMarker } from '../../src/report/render-status-comment.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import type { Job, JobResult } from '../../src/domain/job.js';
import type { NewJob } from '../../src/store/job-store.js';
import { statusCommentItem, type NewOutboxItem, type OutboxItem } from '../../src/domain/outbox.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.js';
import { memoryLogger } from '../support/test-logger.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real SQLite store on a file in a fresh temp dir; closed and removed after the test. */
export function tempStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'kugetsu-outbox-'));
  const store = openSqliteStore({ file: join(dir, 'kugetsu.db') });
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

/** The real gitea-js client against the fake (msw), optionally over a custom `fetch`. */
export function clientFor(fake: FakeGitea, fetchImpl?: typeof fetch): GiteaClient {
  return createGiteaClient({ baseUrl: fake.baseUrl, token: fake.token, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

/** A started worker with small backoff (5–40 ms) and a memory logger; stopped after the test. */
export function startWorker(options: Omit<OutboxWorkerOptions, 'logger' | 'redact'> & Partial<Pick<OutboxWorkerOptions, 'redact'>>) {
  const log = memoryLogger();
  const worker = new OutboxWorker({
    redact: (t) => t,
    logger: log.logger,
    ...options,
    backoff: { baseMs: 5, factor: 2, maxMs: 40, jitter: 0, ...options.backoff },
  });
  worker.start();
  cleanups.push(() => worker.stop());
  return { worker, log };
}

/**
 * Admits a job on `acme/app#n` (state queued) with its status comment item in the outbox,
 * as the dispatcher does, plus what `outbox` adds (e.g. the queued state label); `extra` overrides
 * job fields (e.g. `replyTo`, `issueSnapshot`). Returns the stored job.
 */
export async function admitJob(store: SqliteStore, n: number, tag = `${n}`, options: { extra?: Partial<NewJob>; outbox?: (job: Job) => NewOutboxItem[] } = {}): Promise<Job> {
  const outcome = await store.admit(
    { id: `delivery-${tag}`, eventType: 'issue_comment', eventKey: `event:${tag}`, receivedAt: new Date().toISOString() },
    {
      issueKey: issueKey('acme', 'app', n),
      repo: { owner: 'acme', name: 'app', fullName: 'acme/app', cloneUrl: 'https://gitea.test/acme/app.git', defaultBranch: 'main', htmlUrl: 'http://gitea.test/acme/app' },
      issueNumber: n,
      replyTo: n,
      trigger: 'command',
      message: `work on #${n}`,
      sender: { id: 3, login: 'alice' },
      deliveryId: `delivery-${tag}`,
      branch: `kugetsu/issue-${n}`,
      agent: 'opencode',
      ...options.extra,
    },
    { requireIdleIssue: false, outbox: (job) => [statusCommentItem(job), ...(options.outbox?.(job) ?? [])] },
  );
  if (outcome.kind !== 'accepted') throw new Error(`admit: ${outcome.kind}`);
  return outcome.job;
}

const RESULT: JobResult = { exitCode: 0, timedOut: false, canceled: false, durationMs: 61_000, outputTail: '', newCommits: 1, pushed: true, summary: 'did it' };

/** Moves a job to `running` and enqueues its status comment in the same commit. */
export function markRunning(store: SqliteStore, job: Job): Promise<Job> {
  return store.update(job.id, { state: 'running', startedAt: new Date().toISOString() }, [statusCommentItem(job)]);
}

/** Moves a job to `succeeded` (with a result) and enqueues its status comment in the same commit. */
export function markSucceeded(store: SqliteStore, job: Job): Promise<Job> {
  return store.update(job.id, { state: 'succeeded', finishedAt: new Date().toISOString(), result: RESULT }, [statusCommentItem(job)]);
}

/** Every pending outbox item, oldest first. */
export function pendingItems(store: SqliteStore): Promise<OutboxItem[]> {
  return store.outboxDue(Number.MAX_SAFE_INTEGER, 1000);
}

/** The status comments of `job` on the fake (bodies starting with its marker). */
export function statusCommentsOf(fake: FakeGitea, job: Job): string[] {
  return fake
    .commentsOn('acme/app', job.replyTo)
    .map((c) => c.body)
    .filter((b) => b.startsWith(statusMarker(job)));
}

/** Seeds `acme/app` with issues #1..#count. */
export function seedIssues(fake: FakeGitea, count: number): void {
  fake.addRepo({ owner: 'acme', name: 'app' });
  for (let i = 1; i <= count; i++) fake.addIssue('acme/app', { title: `issue ${i}` });
}
