import { instancePrefix, repoKey as repoKeyOf } from '../domain/repo-ref.js';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Database } from './sqlite-driver.js';
import type { IssueKey } from '../domain/issue-key.js';
import type { RepoRef } from '../domain/repo-ref.js';
import { GroupCommit } from './group-commit.js';
import type { Job, JobState } from '../domain/job.js';
import { jobFromRow, jobToColumns, patchJob } from './job-row.js';
import { JOB_STATES } from '../domain/job-state.js';
import type { RateLimit } from '../config/config.js';
import type { EngineEvent } from '../engine/engine-events.js';
import type { ClaimRequest, HeartbeatAnswer, JobChange, WorkerPresence } from '../engine/job-queue.js';
import type { JobFilter, JobPage, JobStateChange, JobWrite, OutboxHealth, WaitingCount, WorkerInfo } from '../engine/job-browser.js';
import type { OutputChunk } from '../engine/job-output.js';
import { cappedAhead, QUEUE_AHEAD_LIMIT, type QueuePosition } from '../engine/job-reader.js';
import type { AdmitOutcome, DeferredEvent, DeliveryMeta, IssueSession, JobEvent, JobStore, NewJob, PruneResult } from './job-store.js';
import { migrate, SCHEMA_VERSION, schemaVersionOf } from './migrations.js';
import { overDailyBudget, utcDayStart } from '../domain/daily-budget.js';
import { claimWait, type ClaimHold } from '../domain/claim-wait.js';
import type { NewOutboxItem, OutboxItem, OutboxOp } from '../domain/outbox.js';
import { jobWriteFromRow, outboxFromRow } from './outbox-row.js';
import { prepareStatements, type CandidateRow, type ChangeRow, type DeferredRow, type SessionRow, type Statements } from './sqlite-statements.js';
import { checkChangesArgs, outputMaxBytesOf } from './browse-args.js';
import { OutputAnnouncer, planAppend, readOptions, readRows, trimChunk } from './output-chunks.js';
import { searchQuery } from './job-search.js';
import { isActive } from '../domain/job-state.js';

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file, e.g. `<stateDir>/kugetsu.db`; missing parent directories are created. */
  file: string;
  /** The clock for `createdAt`, history times, outbox times and repository sightings (default: real time). */
  now?: () => Date;
  /** The most writes one transaction carries (default 1000); more wait for the next one. */
  maxBatch?: number;
  /** Told the number of writes each committed transaction carried (metrics, tests). */
  onBatch?: (size: number) => void;
  /**
   * The most output bytes kept per job (`KUGETSU_JOB_OUTPUT_MAX_BYTES`; default
   * {@link DEFAULT_JOB_OUTPUT_MAX_BYTES}, at least {@link OUTPUT_MIN_MAX_BYTES}, else RangeError).
   */
  outputMaxBytes?: number;
}

/** The embedded {@link JobStore}: one SQLite file in WAL mode with `synchronous=FULL`. */
export interface SqliteStore extends JobStore {
  /** The database file. */
  readonly file: string;
  /** The schema version the file had when opened (0: it was new); it is now {@link SCHEMA_VERSION}. */
  readonly openedAtVersion: number;
}

const STATES: readonly JobState[] = JOB_STATES;

/**
 * Opens (creating and migrating as needed) the SQLite store at `options.file`.
 * Throws when the file's schema is newer than this kugetsu knows, or when SQLite cannot open it.
 *
 * Writes go through a group commit: every write method called in the same tick of the event loop
 * is committed in one transaction (one fsync), each in its own savepoint, in call order; a write
 * that throws fails alone (and rejects; `update` rejects with `job <id> does not exist` for an
 * unknown id). A write's promise resolves once its transaction is durable (at most `maxBatch`
 * writes per transaction). Reads run at once against committed data. Returned objects are fresh
 * copies. After `close()` (which first commits the queued writes) writes reject and reads throw.
 *
 * Beyond the {@link JobStore} contract: in an `update` patch, `undefined` clears an optional field
 * (`note`, `result`, `finishedAt`, …) and is ignored for a required one; `prune` removes only
 * finished jobs whose `finishedAt` is set and earlier than `before`, and keeps the deliveries of
 * queued and running jobs whatever their age; `outboxRetry`/`outboxFailed` do nothing to an item
 * that is no longer pending. Job and outbox ids are never reused, even after a prune.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  outputMaxBytesOf(options.outputMaxBytes);
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  // A new database file is owner-only whatever the umask; SQLite gives its -wal and -shm files the
  // database file's permissions (unix VFS `findCreateFileMode`, sqlite.org/src/file/src/os_unix.c).
  closeSync(openSync(options.file, 'a', 0o600));
  const db = new Database(options.file);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    schemaVersionOf(db, options.file); // refuse a newer file before changing anything in it
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const openedAtVersion = migrate(db, options.file);
    return new SqliteJobStore(db, options, openedAtVersion);
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteJobStore implements SqliteStore {
  readonly file: string;
  private readonly s: Statements;
  private readonly group: GroupCommit;
  private readonly now: () => Date;
  private closed = false;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly outputMaxBytes: number;
  private readonly outputs = new OutputAnnouncer((jobId) => this.emit({ kind: 'output', jobId }));
  /** Search statements by their SQL (a handful of filter shapes in practice). */
  private readonly searches = new Map<string, BetterSqlite3.Statement<unknown[], CandidateRow>>();
  /** History rows written so far (a write that moved it made a transition: `changed`). */
  private transitions = 0;

  constructor(
    private readonly db: BetterSqlite3.Database,
    options: SqliteStoreOptions,
    readonly openedAtVersion: number,
  ) {
    this.file = options.file;
    this.now = options.now ?? (() => new Date());
    this.outputMaxBytes = outputMaxBytesOf(options.outputMaxBytes);
    this.s = prepareStatements(db);
    this.group = new GroupCommit(db, { maxBatch: options.maxBatch, onBatch: options.onBatch });
  }

  admit(delivery: DeliveryMeta, job: NewJob, options: { requireIdleIssue: boolean; outbox: (job: Job) => NewOutboxItem[] }): Promise<AdmitOutcome> {
    return this.group
      .run((): AdmitOutcome => {
        const byDelivery = this.s.deliveryById.get(delivery.id);
        if (byDelivery) return { kind: 'duplicate', jobId: String(byDelivery.job_id), by: 'delivery' };
        const byEvent = this.s.deliveryByEventKey.get(delivery.eventKey);
        if (byEvent) return { kind: 'duplicate', jobId: String(byEvent.job_id), by: 'event' };
        if (options.requireIdleIssue && this.s.issueActive.get(job.issueKey)) return { kind: 'busy' };

        const now = this.now();
        // Drop whatever a caller passed beyond NewJob for the fields the store owns.
        const { id: _i, state: _s, createdAt: _c, startedAt: _st, finishedAt: _f, statusCommentId: _sc, result: _r, attempt: _a, note: _n, ...fields } = job as Job;
        const draft: Job = { ...fields, id: '', state: 'queued', attempt: 1, createdAt: now.toISOString() };
        const columns = jobToColumns(draft);
        const id = Number(this.s.jobInsert.run(columns).lastInsertRowid);
        this.writeHistory(id, columns.created_at, 'queued', null);
        this.s.deliveryInsert.run(delivery.id, delivery.eventKey, delivery.eventType, delivery.receivedAt, id);
        this.putRepo(job.repo, now);
        const admitted = this.readJob(id)!;
        this.insertOutbox(options.outbox(admitted), now, id);
        return { kind: 'accepted', job: admitted };
      })
      .then((outcome) => {
        if (outcome.kind === 'accepted') this.emit({ kind: 'jobs' }, { kind: 'outbox' }, { kind: 'changed' });
        return outcome;
      });
  }

  recordEvent(delivery: DeliveryMeta, outbox: NewOutboxItem[]): Promise<{ kind: 'recorded' } | { kind: 'duplicate'; by: 'delivery' | 'event' }> {
    return this.group
      .run(() => {
        if (this.s.deliveryById.get(delivery.id)) return { kind: 'duplicate' as const, by: 'delivery' as const };
        if (this.s.deliveryByEventKey.get(delivery.eventKey)) return { kind: 'duplicate' as const, by: 'event' as const };
        // job_id 0: a delivery acted on without a job (a reply, a refusal, a stop…).
        this.s.deliveryInsert.run(delivery.id, delivery.eventKey, delivery.eventType, delivery.receivedAt, 0);
        this.insertOutbox(outbox, this.now());
        return { kind: 'recorded' as const };
      })
      .then((outcome) => {
        if (outcome.kind === 'recorded' && outbox.length > 0) this.emit({ kind: 'outbox' });
        return outcome;
      });
  }

  update(id: string, patch: Partial<Omit<Job, 'id'>>, outbox: NewOutboxItem[] = [], detail?: string): Promise<Job> {
    return this.group
      .run(() =>
        this.moving((): Job => {
          const changed = this.applyChange(id, { expect: JOB_STATES, patch, outbox, ...(detail !== undefined ? { detail } : {}) });
          if (!changed) throw new Error(`job ${id} does not exist`);
          return changed;
        }),
      )
      .then(({ value, moved }) => this.announce(value, outbox, moved));
  }

  change(id: string, change: JobChange): Promise<Job | undefined> {
    return this.group.run(() => this.moving(() => this.applyChange(id, change))).then(({ value, moved }) => value && this.announce(value, change.outbox ?? [], moved));
  }

  claim(request: ClaimRequest): Promise<Job[]> {
    if (request.slots <= 0) return Promise.resolve([]);
    return this.group
      .run(() =>
        this.moving((): { claimed: Job[]; items: number } => {
          const nowMs = request.now ?? this.now().getTime();
          const nowIso = new Date(nowMs).toISOString();
          const running = this.s.runningCount.get()?.n ?? 0;
          const room = request.globalMax === undefined ? request.slots : Math.min(request.slots, request.globalMax - running);
          if (room <= 0) return { claimed: [], items: 0 };
          // The oldest candidates (one per issue), the worker's own worktrees first among them.
          const window = this.s.candidates.all(nowMs, Math.max(room * 4, 20)).map(jobFromRow);
          const ordered = request.prefer ? [...window.filter((j) => request.prefer!(j)), ...window.filter((j) => !request.prefer!(j))] : window;
          const claimed: Job[] = [];
          // Outbox items written by this claim: a claim's, or a wait's status comment.
          let items = 0;
          const counted = (written: NewOutboxItem[]): NewOutboxItem[] => {
            items += written.length;
            return written;
          };
          for (const job of ordered) {
            if (claimed.length >= room) break;
            const repoKey = repoKeyOf(job.repo);
            const limits = request.limits(job);
            if (limits.repoMax !== undefined && (this.s.runningOfRepo.get(repoKey)?.n ?? 0) >= limits.repoMax) continue;
            const spent = limits.dailyBudgetUsd === undefined ? 0 : (this.s.spentOfRepo.get(repoKey, utcDayStart(nowMs))?.usd ?? 0);
            const broke = overDailyBudget(spent, limits.dailyBudgetUsd, nowMs);
            const hold = broke ?? this.overStartRate(job, repoKey, limits, nowMs);
            if (hold) {
              const wait = claimWait(job, broke ? 'budget' : 'rate-limit', hold);
              if (!wait) continue;
              const patch = { state: 'waiting' as const, waiting: wait.waiting };
              if (this.applyChange(job.id, { expect: ['queued', 'waiting'], patch, detail: wait.detail }, (j) => counted(request.rateLimited(j, hold)))) continue;
            }
            const taken = this.applyChange(
              job.id,
              {
                expect: ['queued', 'waiting'],
                patch: { state: 'running', startedAt: nowIso, workerId: request.workerId, leaseUntil: nowMs + request.leaseMs, waiting: undefined, cancelRequested: undefined },
                detail: `attempt ${job.attempt} on ${request.workerId}`,
              },
              (j) => counted(request.claimed(j)),
            );
            if (!taken) continue;
            claimed.push(taken);
          }
          return { claimed, items };
        }),
      )
      .then(({ value: { claimed: jobs, items }, moved }) => {
        // A wait's status comment is outbox work too: without this nudge it waited for the next poll.
        if (items > 0) this.emit({ kind: 'outbox' });
        if (moved) this.emit({ kind: 'changed' });
        return jobs;
      });
  }

  heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<HeartbeatAnswer> {
    const n = parseJobId(jobId);
    if (n === undefined) return Promise.resolve({ held: false, cancelRequested: false });
    return this.group.run((): HeartbeatAnswer => {
      const held = this.s.heartbeat.run(this.now().getTime() + leaseMs, n, workerId).changes > 0;
      const row = held ? this.s.jobGet.get(n) : undefined;
      return { held, cancelRequested: row?.cancel_requested === 1 };
    });
  }

  requestCancel(jobId: string): Promise<boolean> {
    const n = parseJobId(jobId);
    if (n === undefined) return Promise.resolve(false);
    return this.group
      .run(() => this.s.cancelRequest.run(n).changes > 0)
      .then((done) => {
        if (done) this.emit({ kind: 'jobs' });
        return done;
      });
  }

  async expiredLeases(nowMs: number): Promise<Job[]> {
    return this.s.expiredLeases.all(nowMs).map(jobFromRow);
  }

  async position(id: string): Promise<QueuePosition | undefined> {
    const row = this.jobRow(id);
    if (!row || (row.state !== 'queued' && row.state !== 'waiting')) return undefined;
    const waiting = this.s.queuedTotal.get()?.n ?? 0;
    if (row.state === 'waiting') return { place: 'waiting', ahead: 0, waiting };
    const place = this.s.olderActiveOfIssue.get(row.issue_key, row.id) ? 'waiting-for-issue' : 'waiting-for-slot';
    return { place, ...cappedAhead(this.s.slotQueueAhead.get(row.id, QUEUE_AHEAD_LIMIT + 1)?.n ?? 0), waiting };
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async get(id: string): Promise<Job | undefined> {
    const row = this.jobRow(id);
    return row && jobFromRow(row);
  }

  async listByIssue(key: IssueKey): Promise<Job[]> {
    return this.s.jobsByIssue.all(key).map(jobFromRow);
  }

  async queuedCount(key: IssueKey): Promise<number> {
    return this.s.queuedCount.get(key)?.n ?? 0;
  }

  async isIssueActive(key: IssueKey): Promise<boolean> {
    return this.s.issueActive.get(key) !== undefined;
  }

  async unfinished(): Promise<Job[]> {
    return this.s.jobsUnfinished.all().map(jobFromRow);
  }

  async history(id: string): Promise<JobEvent[]> {
    const n = parseJobId(id);
    if (n === undefined) return [];
    return this.s.eventsOfJob.all(n).map((e) => {
      const event: JobEvent = { state: e.state as JobState, at: e.at };
      if (e.detail !== null) event.detail = e.detail;
      return event;
    });
  }

  async recent(limit: number): Promise<Job[]> {
    return this.s.jobsRecent.all(limit).map(jobFromRow);
  }

  async getSession(key: IssueKey): Promise<IssueSession | undefined> {
    const row = this.s.sessionGet.get(key);
    return row && sessionFromRow(row);
  }

  putSession(session: IssueSession): Promise<void> {
    const row: SessionRow = {
      issue_key: session.issueKey,
      agent: session.agent,
      session_id: session.sessionId ?? null,
      worktree_path: session.worktreePath,
      branch: session.branch,
      updated_at: session.updatedAt,
      export: session.export ?? null,
    };
    return this.group.run(() => void this.s.sessionPut.run(row));
  }

  qualifyIssueKeys(host: string): Promise<number> {
    // A key has exactly one "/" unless it is already qualified (owner and repo names have none).
    return this.group.run(() =>
      this.db.transaction(() =>
        ['jobs', 'sessions'].reduce(
          (n, table) => n + this.db.prepare(`UPDATE ${table} SET issue_key = ? || '/' || issue_key WHERE issue_key NOT LIKE '%/%/%'`).run(host).changes,
          0,
        ),
      )(),
    );
  }

  deleteSession(key: IssueKey): Promise<void> {
    return this.group.run(() => void this.s.sessionDelete.run(key));
  }

  async sessions(): Promise<IssueSession[]> {
    return this.s.sessionsAll.all().map(sessionFromRow);
  }

  async counts(): Promise<Record<JobState, number>> {
    const counts = Object.fromEntries(STATES.map((state) => [state, 0])) as Record<JobState, number>;
    for (const { state, n } of this.s.jobCounts.all()) counts[state as JobState] = n;
    return counts;
  }

  enqueue(items: NewOutboxItem[]): Promise<void> {
    return this.group
      .run(() => this.insertOutbox(items, this.now()))
      .then(() => {
        if (items.length > 0) this.emit({ kind: 'outbox' });
      });
  }

  async outboxDue(nowMs: number, limit: number): Promise<OutboxItem[]> {
    return this.s.outboxDue.all(nowMs, limit).map(outboxFromRow);
  }

  claimOutbox(workerId: string, limit: number, leaseMs: number, nowMs: number): Promise<OutboxItem[]> {
    return this.group.run(() => {
      const items = this.s.outboxClaimable.all(nowMs, nowMs, limit);
      for (const item of items) this.s.outboxClaim.run(workerId, nowMs + leaseMs, item.id);
      return items.map(outboxFromRow);
    });
  }

  releaseOutboxClaims(): Promise<number> {
    return this.group.run(() => this.s.outboxReleaseClaims.run().changes);
  }

  async outboxNextDueAt(): Promise<number | undefined> {
    return this.s.outboxNextDue.get()?.at ?? undefined;
  }

  outboxDone(id: number, workerId?: string): Promise<void> {
    return this.group.run(() => void this.s.outboxDone.run(this.now().getTime(), id, workerId ?? null));
  }

  outboxRetry(id: number, nextAttemptAt: number, error: string, workerId?: string): Promise<void> {
    return this.group.run(() => void this.s.outboxRetry.run(nextAttemptAt, error, id, workerId ?? null));
  }

  outboxFailed(id: number, error: string, workerId?: string): Promise<void> {
    return this.group.run(() => void this.s.outboxFailed.run(error, id, workerId ?? null));
  }

  async outboxCounts(): Promise<{ pending: number; failed: number }> {
    const counts = { pending: 0, failed: 0 };
    for (const { state, n } of this.s.outboxCounts.all()) counts[state as 'pending' | 'failed'] = n;
    return counts;
  }

  async outboxIsOpen(key: string): Promise<boolean> {
    return this.s.outboxOpen.get(key) !== undefined;
  }

  async knownRepos(): Promise<RepoRef[]> {
    return this.s.reposAll.all().map((r) => JSON.parse(r.data) as RepoRef);
  }

  rememberRepo(repo: RepoRef): Promise<void> {
    return this.group.run(() => this.putRepo(repo, this.now()));
  }

  async getCursor(name: string): Promise<string | undefined> {
    return this.s.cursorGet.get(name)?.value;
  }

  setCursor(name: string, value: string): Promise<void> {
    return this.group.run(() => void this.s.cursorPut.run(name, value));
  }

  async handled(delivery: Pick<DeliveryMeta, 'id' | 'eventKey'>): Promise<{ jobId: string; by: 'delivery' | 'event' } | undefined> {
    const byDelivery = this.s.deliveryById.get(delivery.id);
    if (byDelivery) return { jobId: String(byDelivery.job_id), by: 'delivery' };
    const byEvent = this.s.deliveryByEventKey.get(delivery.eventKey);
    return byEvent ? { jobId: String(byEvent.job_id), by: 'event' } : undefined;
  }

  async hasEvent(eventKey: string): Promise<boolean> {
    return this.s.eventKnown.get(eventKey, eventKey) !== undefined;
  }

  defer(delivery: DeliveryMeta, event: string, nextAttemptAt: number, error: string): Promise<'deferred' | 'duplicate'> {
    return this.group.run(() => {
      if (this.s.eventKnown.get(delivery.id, delivery.eventKey)) return 'duplicate' as const;
      this.s.deferInsert.run(delivery.eventKey, delivery.id, delivery.eventType, delivery.receivedAt, event, nextAttemptAt, error);
      return 'deferred' as const;
    });
  }

  async deferredDue(nowMs: number, limit: number): Promise<DeferredEvent[]> {
    return this.s.deferredDue.all(nowMs, limit).map(deferredFromRow);
  }

  deferredRetry(eventKey: string, nextAttemptAt: number, error: string): Promise<void> {
    return this.group.run(() => void this.s.deferredRetry.run(nextAttemptAt, error, eventKey));
  }

  deferredDone(eventKey: string): Promise<void> {
    return this.group.run(() => void this.s.deferredDelete.run(eventKey));
  }

  async deferredCount(): Promise<number> {
    return this.s.deferredCount.get()?.n ?? 0;
  }

  prune(before: Date): Promise<PruneResult> {
    const iso = before.toISOString();
    return this.group.run((): PruneResult => {
      const jobIds = this.s.pruneJobIds.all(iso).map((r) => String(r.id));
      this.s.pruneJobEvents.run(iso);
      this.s.pruneJobOutput.run(iso);
      this.s.pruneWorkers.run(before.getTime());
      this.s.pruneJobReports.run(iso);
      this.s.pruneJobs.run(iso);
      const deliveries = this.s.pruneDeliveries.run(iso).changes;
      const outbox = this.s.pruneOutbox.run(before.getTime()).changes;
      return { jobIds, deliveries, outbox };
    });
  }

  workerSeen(worker: WorkerPresence): Promise<void> {
    return this.group.run(
      () => void this.s.workerPut.run({ id: worker.id, host: worker.host, pid: worker.pid, slots: worker.slots, started_at: worker.startedAt, seen_at: this.now().getTime() }),
    );
  }

  workerGone(workerId: string): Promise<void> {
    return this.group.run(() => void this.s.workerDelete.run(workerId));
  }

  appendOutput(jobId: string, text: string): Promise<void> {
    if (text === '') return Promise.resolve();
    const n = parseJobId(jobId);
    return this.group
      .run(() => {
        if (n === undefined || !this.s.jobState.get(n)) throw new Error(`job ${jobId} does not exist`);
        const last = this.s.outputLast.get(n);
        const plan = planAppend(last ? last.start + last.size : 0, text, this.outputMaxBytes);
        for (const row of plan.rows) this.s.outputInsert.run(n, row.start, row.data);
        if (plan.keepFrom > 0) {
          this.s.outputDropBefore.run(n, plan.keepFrom, plan.keepFrom);
          for (const row of this.s.outputStraddling.all(n, plan.keepFrom)) {
            const kept = trimChunk(row, plan.keepFrom);
            this.s.outputDelete.run(n, row.start);
            if (kept) this.s.outputInsert.run(n, kept.start, Buffer.from(kept.data));
          }
        }
      })
      .then(() => this.outputs.appended(jobId));
  }

  async readOutput(jobId: string, options?: { after?: number; limitBytes?: number }): Promise<OutputChunk> {
    const { after, limit } = readOptions(options);
    const n = parseJobId(jobId);
    const state = n === undefined ? undefined : this.s.jobState.get(n)?.state;
    const done = state === undefined || !isActive(state as JobState);
    if (n === undefined) return { text: '', next: 0, dropped: 0, total: 0, done };
    // One read transaction: the chunks and the bounds from one snapshot.
    return this.db.transaction((): OutputChunk => {
      const dropped = this.s.outputFirst.get(n)?.start ?? 0;
      const last = this.s.outputLast.get(n);
      const total = last ? last.start + last.size : 0;
      const from = Math.min(Math.max(after, dropped), total);
      const rows = this.s.outputRange.all({ job: n, from, to: from + limit });
      const { text, next } = readRows(rows, from, limit);
      return { text, next, dropped, total, done };
    })();
  }

  async changes(afterId: number, limit: number): Promise<JobStateChange[]> {
    checkChangesArgs(afterId, limit);
    return this.s.changesAfter.all(afterId, limit).map(changeFromRow);
  }

  async lastChangeId(): Promise<number> {
    return this.s.lastChangeId.get()?.id ?? 0;
  }

  async search(filter: JobFilter, page: JobPage): Promise<{ jobs: Job[]; nextBefore?: string }> {
    const query = searchQuery(filter, page, 'sqlite');
    const where = query.conditions.length > 0 ? `WHERE ${query.conditions.join(' AND ')}` : '';
    const sql = `SELECT j.*, r.status_comment_id, r.pull_request, r.superseded_by FROM jobs j LEFT JOIN job_reports r ON r.job_id = j.id ${where} ORDER BY j.id DESC LIMIT ${query.fetch}`;
    let statement = this.searches.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], CandidateRow>(sql);
      if (this.searches.size > 200) this.searches.clear();
      this.searches.set(sql, statement);
    }
    const jobs = statement.all(...query.params).map(jobFromRow);
    if (jobs.length <= query.limit) return { jobs };
    jobs.length = query.limit;
    return { jobs, nextBefore: jobs[jobs.length - 1]!.id };
  }

  async workers(): Promise<WorkerInfo[]> {
    return this.s.workersAll
      .all()
      .map((w) => ({ id: w.id, slots: w.slots, running: w.running, lastSeenAt: new Date(w.seen_at).toISOString(), host: w.host, pid: w.pid, startedAt: w.started_at }));
  }

  async outboxHealth(): Promise<OutboxHealth[]> {
    return this.s.outboxHealth.all().map((h) => ({ kind: h.kind as OutboxHealth['kind'], pending: h.pending, retrying: h.retrying, failed: h.failed }));
  }

  async waitingCounts(): Promise<WaitingCount[]> {
    return this.s.waitingCounts.all().map((w) => ({ repo: w.repo, reason: w.reason as WaitingCount['reason'], count: w.n }));
  }

  async outboxOf(jobId: string): Promise<JobWrite[]> {
    const n = parseJobId(jobId);
    return n === undefined ? [] : this.s.outboxOfJob.all(n).map(jobWriteFromRow);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.outputs.close();
    this.group.close();
    this.db.close();
  }

  private jobRow(id: string) {
    const n = parseJobId(id);
    return n === undefined ? undefined : this.s.jobGet.get(n);
  }

  private readJob(id: number): Job | undefined {
    const row = this.s.jobGet.get(id);
    return row && jobFromRow(row);
  }

  /**
   * Applies a change inside the current transaction: nothing when the job is not in `expect` (or
   * not held by `workerId`); report-owned fields go to `job_reports`; a history row when the state
   * changes; `outbox` items plus what `more(job)` gives for the changed job.
   */
  private applyChange(id: string, change: JobChange, more?: (job: Job) => NewOutboxItem[]): Job | undefined {
    const row = this.jobRow(id);
    if (!row || !change.expect.includes(row.state as JobState)) return undefined;
    if (change.workerId !== undefined && row.worker_id !== change.workerId) return undefined;
    const current = jobFromRow(row);
    const { next, report } = patchJob(current, change.patch);
    const columns = jobToColumns(next);
    this.s.jobUpdate.run({ ...columns, id: row.id });
    if (Object.keys(report).length > 0) this.writeReport(row.id, { ...current, ...report } as Job);
    const now = this.now();
    if (columns.state !== current.state) this.writeHistory(row.id, now.toISOString(), columns.state, change.detail ?? null);
    const changed = this.readJob(row.id)!;
    this.insertOutbox([...(change.outbox ?? []), ...(more?.(changed) ?? [])], now, row.id);
    return changed;
  }

  private writeReport(id: number, job: Pick<Job, 'statusCommentId' | 'pullRequest' | 'supersededBy'>): void {
    this.s.reportUpsert.run({
      job_id: id,
      status_comment_id: job.statusCommentId ?? null,
      pull_request: job.pullRequest ? JSON.stringify(job.pullRequest) : null,
      superseded_by: job.supersededBy ?? null,
    });
  }

  /** A claimed job of a sender or repository over its start rate: why, and when its slot frees. */
  private overStartRate(job: Job, repoKey: string, limits: ReturnType<ClaimRequest['limits']>, nowMs: number): ClaimHold | undefined {
    const check = (rate: RateLimit | undefined, count: (since: string) => { n: number; oldest: string | null } | undefined, who: string) => {
      if (!rate) return undefined;
      const counted = count(new Date(nowMs - rate.windowMs).toISOString());
      if (!counted || counted.n < rate.limit) return undefined;
      const until = new Date(Date.parse(counted.oldest ?? new Date(nowMs).toISOString()) + rate.windowMs).toISOString();
      return { detail: `${who} started ${rate.limit} jobs in the last ${Math.round(rate.windowMs / 60_000)} min, the most allowed`, until };
    };
    return (
      check(limits.senderRate, (since) => this.s.startsOfSender.get(job.sender.id, since), `@${job.sender.login}`) ??
      check(limits.repoRate, (since) => this.s.startsOfRepo.get(repoKey, since), `${job.repo.owner}/${job.repo.name}`)
    );
  }

  /** Writes a history row (a transition: counted for the `changed` event). */
  private writeHistory(jobId: number, at: string, state: string, detail: string | null): void {
    this.s.eventInsert.run(jobId, at, state, detail);
    this.transitions += 1;
  }

  /** Runs `work` (inside a group commit's transaction) and tells whether it made a transition. */
  private moving<T>(work: () => T): { value: T; moved: boolean } {
    const before = this.transitions;
    const value = work();
    return { value, moved: this.transitions !== before };
  }

  /** After a committed change: tell the listeners what became due. */
  private announce(job: Job, outbox: readonly NewOutboxItem[], moved = false): Job {
    const events: EngineEvent[] = [];
    if (moved) events.push({ kind: 'changed' });
    if (job.state === 'queued' || job.cancelRequested) events.push({ kind: 'jobs' });
    if (outbox.length > 0 || job.state !== 'running') events.push({ kind: 'outbox' });
    this.emit(...events);
    return job;
  }

  private emit(...events: EngineEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch {
          // A listener's failure is its own.
        }
      }
    }
  }

  private putRepo(repo: RepoRef, now: Date): void {
    this.s.repoPut.run(instancePrefix(repo) + repo.fullName, JSON.stringify(repo), now.toISOString(), now.toISOString());
  }

  /** Inserts outbox items made for job `jobId` (else for the job their op names, if any). */
  private insertOutbox(items: NewOutboxItem[], now: Date, jobId?: number): void {
    const ms = now.getTime();
    for (const item of items) {
      this.s.outboxInsert.run({ key: item.key, group_key: item.group, op: JSON.stringify(item.op), now: ms, kind: item.op.kind, job_id: jobId ?? jobIdOfOp(item.op) });
    }
  }
}

/** The job an outbox op names (`jobId`), as a key, or null. */
function jobIdOfOp(op: OutboxOp): number | null {
  const id = 'jobId' in op ? op.jobId : undefined;
  return (id !== undefined && parseJobId(id)) || null;
}

function changeFromRow(row: ChangeRow): JobStateChange {
  const change: JobStateChange = { id: row.id, jobId: String(row.job_id), state: row.state as JobState, at: row.at };
  if (row.detail !== null) change.detail = row.detail;
  return change;
}

/** A job id as the `jobs` primary key, or `undefined` for a string that cannot be one. */
function parseJobId(id: string): number | undefined {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : undefined;
}

function sessionFromRow(row: SessionRow): IssueSession {
  return {
    issueKey: row.issue_key as IssueKey,
    agent: row.agent,
    sessionId: row.session_id ?? undefined,
    worktreePath: row.worktree_path,
    branch: row.branch,
    updatedAt: row.updated_at,
    ...(row.export ? { export: Buffer.from(row.export) } : {}),
  };
}

function deferredFromRow(row: DeferredRow): DeferredEvent {
  const deferred: DeferredEvent = {
    delivery: { id: row.delivery_id, eventType: row.event_type, eventKey: row.event_key, receivedAt: row.received_at },
    event: row.event,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
  };
  if (row.last_error !== null) deferred.lastError = row.last_error;
  return deferred;
}
