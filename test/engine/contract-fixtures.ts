import { issueKey, type IssueKey } from '../../src/domain/issue-key.js';
import type { RepoRef } from '../../src/domain/repo-ref.js';
import type { ClaimRequest } from '../../src/engine/job-queue.js';
import type { DeliveryMeta, JobStore, NewJob } from '../../src/store/job-store.js';
import type { Job } from '../../src/domain/job.js';
import { statusCommentItem, type NewOutboxItem } from '../../src/domain/outbox.js';

/**
 * A store backend as the contract suite sees it. `fresh()` gives the location of a new, empty
 * database for one test; `open()` opens (creating and migrating) a store there — several at once
 * when a test wants several processes' view of one database.
 */
export interface StoreBackend {
  /** Shown in the test names, e.g. `sqlite`. */
  name: string;
  fresh(): Promise<string>;
  open(location: string, options?: { now?: () => Date; outputMaxBytes?: number }): Promise<JobStore>;
  /** The schema version this kugetsu writes for this backend. */
  schemaVersion: number;
  /** Reads the stored schema version at `location` without a store. */
  readSchemaVersion(location: string): Promise<number>;
  /** Sets the stored schema version (as a newer kugetsu would have). */
  writeSchemaVersion(location: string, version: number): Promise<void>;
}

/** A clock that starts at 2025-01-01T00:00:00.000Z and advances one second per reading. */
export function steppingClock(start = Date.parse('2025-01-01T00:00:00.000Z')): () => Date {
  let t = start;
  return () => new Date((t += 1000) - 1000);
}

/** The repository `acme/<name>`. */
export function repo(name = 'app'): RepoRef {
  return {
    owner: 'acme',
    name,
    fullName: `acme/${name}`,
    cloneUrl: `https://gitea.example/acme/${name}.git`,
    defaultBranch: 'main',
    htmlUrl: `https://gitea.example/acme/${name}`,
  };
}

/** A command delegation on `acme/app#n`. */
export function newJob(n = 7, overrides: Partial<NewJob> = {}): NewJob {
  return {
    issueKey: issueKey('acme', 'app', n),
    repo: repo(),
    issueNumber: n,
    replyTo: n,
    trigger: 'command',
    message: 'please fix the ✨ build',
    sender: { id: 3, login: 'alice' },
    commentId: 1000 + n,
    triggerLabelId: 42,
    deliveryId: `d-${n}`,
    branch: `kugetsu/issue-${n}`,
    agent: 'opencode',
    ...overrides,
  };
}

/** Delivery metadata with the given delivery id and event key. */
export function delivery(id: string, eventKey = `event:${id}`, receivedAt = '2025-01-01T00:00:00.000Z'): DeliveryMeta {
  return { id, eventType: 'issue_comment', eventKey, receivedAt };
}

/** Admit options: the idle requirement, the job's status comment in the outbox. */
export function admitOptions(requireIdleIssue = false): { requireIdleIssue: boolean; outbox: (job: Job) => NewOutboxItem[] } {
  return { requireIdleIssue, outbox: (job) => [statusCommentItem(job)] };
}

/** The issue key of `acme/app#n`. */
export function key(n: number): IssueKey {
  return issueKey('acme', 'app', n);
}

/** A plain comment on `acme/app#7` with coalescing key `keyName`. */
export function comment(keyName: string, body = 'hi'): NewOutboxItem {
  return { key: keyName, group: key(7), op: { kind: 'comment', owner: 'acme', repo: 'app', number: 7, body } };
}

/** Admits a command on issue `n` (delivery id = `deliveryId`), expecting it to be accepted. */
export async function accepted(store: JobStore, n: number, deliveryId = `d-${n}`): Promise<Job> {
  const outcome = await store.admit(delivery(deliveryId), newJob(n, { deliveryId }), admitOptions());
  if (outcome.kind !== 'accepted') throw new Error(`expected accepted, got ${outcome.kind}`);
  return outcome.job;
}

/** A claim of `workerId`: one slot, a 30 s lease, no limits; the claim and wait write the job's status comment. */
export function claimOf(workerId: string, now: number, overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return {
    workerId,
    slots: 1,
    leaseMs: 30_000,
    now,
    limits: () => ({}),
    claimed: (job) => [
      statusCommentItem(job),
      {
        key: `claimed:${job.id}:${job.attempt}`,
        group: job.issueKey,
        op: { kind: 'comment', owner: 'acme', repo: job.repo.name, number: job.issueNumber, body: `claimed by ${job.workerId}` },
      },
    ],
    rateLimited: (job) => [statusCommentItem(job)],
    ...overrides,
  };
}

/** A job of `acme/<repoName>#n` (its own issue key and repository). */
export function jobIn(repoName: string, n: number, deliveryId: string, overrides: Partial<NewJob> = {}): NewJob {
  return newJob(n, { repo: repo(repoName), issueKey: issueKey('acme', repoName, n), deliveryId, ...overrides });
}

/** Admits `job` under its delivery id, expecting it to be accepted. */
export async function admitted(store: JobStore, job: NewJob): Promise<Job> {
  const outcome = await store.admit(delivery(job.deliveryId), job, admitOptions());
  if (outcome.kind !== 'accepted') throw new Error(`expected accepted, got ${outcome.kind}`);
  return outcome.job;
}

/** Finishes a running job of `workerId` as `succeeded` (compare-and-set). */
export function finish(store: JobStore, job: Job, workerId: string, at = '2025-01-01T01:00:00.000Z'): Promise<Job | undefined> {
  return store.change(job.id, {
    expect: ['running'],
    workerId,
    patch: { state: 'succeeded', finishedAt: at, workerId: undefined, leaseUntil: undefined, cancelRequested: undefined },
  });
}
