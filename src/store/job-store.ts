import type { IssueKey } from '../domain/issue-key.js';
import type { RepoRef } from '../domain/repo-ref.js';
import type { EngineEvents } from '../engine/engine-events.js';
import type { JobQueue } from '../engine/job-queue.js';
import type { JobEvent, JobReader } from '../engine/job-reader.js';
import type { JobBrowser } from '../engine/job-browser.js';
import type { JobOutput } from '../engine/job-output.js';

export type { JobEvent } from '../engine/job-reader.js';
import type { Job, JobState } from '../domain/job.js';
import type { NewOutboxItem, OutboxItem } from '../domain/outbox.js';

/** What a job's creator supplies; the store adds `id`, `state: "queued"`, `attempt: 1` and `createdAt`. */
export type NewJob = Omit<Job, 'id' | 'state' | 'createdAt' | 'startedAt' | 'finishedAt' | 'statusCommentId' | 'result' | 'attempt' | 'note'>;

/** The agent session and worktree an issue's turns share. */
export interface IssueSession {
  issueKey: IssueKey;
  /** Adapter that owns the session id (a session of one agent means nothing to another). */
  agent: string;
  sessionId: string | undefined;
  /** The worktree of the worker that ran the last turn (each worker has its own state dir). */
  worktreePath: string;
  branch: string;
  updatedAt: string;
  /**
   * The agent's own record of {@link sessionId} after the last turn, as opaque bytes, so that a
   * worker on another machine can continue the session (`AgentAdapter.exportSession`): opencode's
   * `opencode export <id>` JSON, the command agent's session file. Absent when the agent cannot
   * export or the export failed. Stored as the backend's binary type (SQLite `sessions.export`
   * BLOB, schema 3); `putSession` writes it as given (absent → NULL); `sessions()` leaves it out.
   */
  export?: Buffer;
}

/** The delivery that produced a delegation, as recorded for idempotency. */
export interface DeliveryMeta {
  /** `X-Gitea-Delivery`. */
  id: string;
  eventType: string;
  /**
   * The event's content key, the same for a replay (new delivery id, same body) and for the
   * repository, organisation and system hooks' copies of one event (gitea-contract.md §3):
   * e.g. `comment:acme/app:1234:created`, or `body:<sha256>` as a last resort.
   */
  eventKey: string;
  /** ISO 8601. */
  receivedAt: string;
}

/** What {@link JobStore.admit} did. */
export type AdmitOutcome =
  | { kind: 'accepted'; job: Job }
  /** This delivery id, or this event under another delivery id, was admitted before. */
  | { kind: 'duplicate'; jobId: string; by: 'delivery' | 'event' }
  /** `requireIdleIssue` was set and a job of the issue is queued or running. */
  | { kind: 'busy' };

/**
 * A delivery whose facts Gitea could not confirm when it arrived (Gitea was unreachable): kept
 * until Gitea answers, then confirmed and acted on like a fresh delivery.
 */
export interface DeferredEvent {
  delivery: DeliveryMeta;
  /** The event as the delivery claimed it, as JSON (the store does not read it). */
  event: string;
  /** Confirmation attempts so far. */
  attempts: number;
  /** ms since the epoch. */
  nextAttemptAt: number;
  lastError?: string;
}

/** What {@link JobStore.prune} removed. */
export interface PruneResult {
  jobIds: string[];
  deliveries: number;
  outbox: number;
}

/**
 * Everything kugetsu must not lose: admitted deliveries (for idempotency), jobs and their state
 * history, per-issue sessions, the outbox of Gitea writes, and reconciliation cursors. Behind an
 * interface so another engine can replace the embedded SQLite one; async for that reason.
 * Each method is one transaction: when it resolves, its effect is durable.
 */
export interface JobStore extends JobQueue, JobReader, JobBrowser, JobOutput, EngineEvents {
  /**
   * Atomically: refuses a delivery id or event key seen before (`duplicate`), refuses when
   * `requireIdleIssue` and the issue has a queued or running job (`busy`); otherwise records the
   * delivery, inserts the job (state `queued`, attempt 1), remembers the repository, and enqueues
   * the items `outbox(insertedJob)` returns (called inside the transaction, once the job has its
   * id, e.g. for its status comment) — all in one commit.
   */
  admit(delivery: DeliveryMeta, job: NewJob, options: { requireIdleIssue: boolean; outbox: (job: Job) => NewOutboxItem[] }): Promise<AdmitOutcome>;
  /**
   * Records a delivery that is acted on without a job (a reply to `/kugetsu help`, a refusal, a
   * stop…) together with its outbox items, in one commit — or reports it as a duplicate (same rules
   * as {@link admit}), so a replay does not reply twice.
   */
  recordEvent(delivery: DeliveryMeta, outbox: NewOutboxItem[]): Promise<{ kind: 'recorded' } | { kind: 'duplicate'; by: 'delivery' | 'event' }>;
  /**
   * Applies a partial change; appends a history row when `state` changes; enqueues `outbox` in the
   * same commit. Rejects for an unknown job id.
   */
  update(id: string, patch: Partial<Omit<Job, 'id'>>, outbox?: NewOutboxItem[], detail?: string): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  /** The issue's jobs in arrival order. */
  listByIssue(key: IssueKey): Promise<Job[]>;
  /** True when a job of the issue is queued or running. */
  isIssueActive(key: IssueKey): Promise<boolean>;
  /** How many jobs of the issue are queued (the per-issue cap), without reading them. */
  queuedCount(key: IssueKey): Promise<number>;
  /** Jobs in state `queued` or `running`, oldest first (crash recovery). */
  unfinished(): Promise<Job[]>;
  /** A job's state changes, oldest first. */
  history(id: string): Promise<JobEvent[]>;
  /** Recent jobs, newest first. */
  recent(limit: number): Promise<Job[]>;
  /** The issue's session, with its {@link IssueSession.export} when one is stored. */
  getSession(key: IssueKey): Promise<IssueSession | undefined>;
  /** Inserts or replaces the issue's session, `export` included (absent → none stored). */
  putSession(session: IssueSession): Promise<void>;
  /** Forgets an issue's session (the next turn starts fresh). */
  deleteSession(key: IssueKey): Promise<void>;
  /**
   * Qualifies every stored issue key without a host (`owner/repo#n`, written by a one-instance
   * kugetsu) with `host` (`host/owner/repo#n`): in jobs and sessions, in one transaction. Run at
   * start when several instances are configured, with the first instance's host (the one those
   * keys meant). Returns the number of rows changed; a second run changes nothing.
   */
  qualifyIssueKeys?(host: string): Promise<number>;
  /** All stored sessions (for worktree cleanup), without their `export` (it can be large). */
  sessions(): Promise<IssueSession[]>;
  /** Counts by state, for `/healthz`. */
  counts(): Promise<Record<JobState, number>>;

  /** Adds outbox items outside of a job change (coalesced by key while pending). */
  enqueue(items: NewOutboxItem[]): Promise<void>;
  /** Pending items whose `nextAttemptAt <= nowMs`, oldest first, at most `limit`. */
  outboxDue(nowMs: number, limit: number): Promise<OutboxItem[]>;
  /**
   * Claims up to `limit` outbox items for `workerId` until `nowMs + leaseMs`: the oldest pending
   * item of each group (the writes of one issue go in order), due, not held by a live claim of
   * another process. An item is sent by one process at a time; a dead process's claims expire.
   */
  claimOutbox(workerId: string, limit: number, leaseMs: number, nowMs: number): Promise<OutboxItem[]>;
  /**
   * Ends every claim on pending outbox items at once (each keeps `claimedBefore`, so its write is
   * looked up before it is repeated); resolves to how many were claimed. Only for a process that is
   * the outbox's sole sender — the embedded backend's one process, at start, after a crash left its
   * claims behind: a live sender's claim would be broken.
   */
  releaseOutboxClaims(): Promise<number>;
  /** The earliest `nextAttemptAt` of a pending item, or `undefined` when none is pending. */
  outboxNextDueAt(): Promise<number | undefined>;
  /** Marks an item written; with `workerId`, only while that worker holds its claim. */
  outboxDone(id: number, workerId?: string): Promise<void>;
  /** Counts an attempt and schedules the next one (frees the claim). */
  outboxRetry(id: number, nextAttemptAt: number, error: string, workerId?: string): Promise<void>;
  /** Counts an attempt and gives up (a 4xx other than 429): recorded, never retried. */
  outboxFailed(id: number, error: string, workerId?: string): Promise<void>;
  outboxCounts(): Promise<{ pending: number; failed: number }>;
  /** True when an item with this key is pending or failed (not yet, or never, written to Gitea). */
  outboxIsOpen(key: string): Promise<boolean>;

  /** Repositories kugetsu has admitted deliveries for (reconciliation reads them). */
  knownRepos(): Promise<RepoRef[]>;
  /** Remembers a repository (also done by `admit`). */
  rememberRepo(repo: RepoRef): Promise<void>;
  /** A named cursor (e.g. the last processed comment time per repository). */
  getCursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string): Promise<void>;
  /** True when a delivery id or event key was admitted (reconciliation skips what was handled). */
  hasEvent(eventKey: string): Promise<boolean>;
  /**
   * How a delivery was handled before, by its id or else by its event key: the job it made (`'0'`
   * for one acted on without a job: a reply, a refusal), or `undefined` when it is new.
   */
  handled(delivery: Pick<DeliveryMeta, 'id' | 'eventKey'>): Promise<{ jobId: string; by: 'delivery' | 'event' } | undefined>;

  /**
   * Keeps a delivery for later confirmation (see {@link DeferredEvent}), first attempt at
   * `nextAttemptAt` (ms). `duplicate` when its delivery id or event key was admitted or recorded
   * before; `deferred` also when the same event key is already deferred (the copy is merged).
   */
  defer(delivery: DeliveryMeta, event: string, nextAttemptAt: number, error: string): Promise<'deferred' | 'duplicate'>;
  /** Deferred deliveries due at `nowMs`, oldest first, at most `limit`. */
  deferredDue(nowMs: number, limit: number): Promise<DeferredEvent[]>;
  /** Counts an attempt and schedules the next one. */
  deferredRetry(eventKey: string, nextAttemptAt: number, error: string): Promise<void>;
  /** Forgets a deferred delivery (it was confirmed and acted on, or refuted). */
  deferredDone(eventKey: string): Promise<void>;
  /** How many deliveries wait for confirmation. */
  deferredCount(): Promise<number>;

  /**
   * Removes finished jobs (with their history and output) that finished before `before`, admitted
   * deliveries older than it, done/failed outbox items older than it, and workers not seen since it. Returns the removed job ids so the
   * caller can delete their log and prompt files.
   */
  prune(before: Date): Promise<PruneResult>;
  /** Closes the database. */
  close(): Promise<void>;
}
