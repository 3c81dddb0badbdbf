import { instancePrefix } from '../domain/repo-ref.js';
import type { Pool, PoolClient } from 'pg';
import { parseDatabaseUrl } from '../config/database-url.js';
import type { IssueKey } from '../domain/issue-key.js';
import { JOB_STATES } from '../domain/job-state.js';
import type { RepoRef } from '../domain/repo-ref.js';
import type { EngineEvent } from '../engine/engine-events.js';
import type { ClaimRequest, HeartbeatAnswer, JobChange, WorkerPresence } from '../engine/job-queue.js';
import type { JobFilter, JobPage, JobStateChange, JobWrite, OutboxHealth, WaitingCount, WorkerInfo } from '../engine/job-browser.js';
import type { OutputChunk } from '../engine/job-output.js';
import { cappedAhead, QUEUE_AHEAD_LIMIT, type QueuePosition } from '../engine/job-reader.js';
import type { Job, JobState } from '../domain/job.js';
import type { AdmitOutcome, DeferredEvent, DeliveryMeta, IssueSession, JobEvent, JobStore, NewJob, PruneResult } from '../store/job-store.js';
import type { NewOutboxItem, OutboxItem } from '../domain/outbox.js';
import { applyJobChange, parseJobId, type AppliedChange } from './postgres-change.js';
import { claimJobs } from './postgres-claim.js';
import { ENGINE_SQL, storePreparedTexts } from './postgres-engine-statements.js';
import { eventPayload, PostgresEventFeed, processIdOf } from './postgres-event-feed.js';
import { PendingHistory } from './postgres-history.js';
import { checkChangesArgs, outputMaxBytesOf } from '../store/browse-args.js';
import { searchQuery } from '../store/job-search.js';
import { OutputAnnouncer, planAppend, readOptions, readRows, trimChunk, type OutputRow } from '../store/output-chunks.js';
import { isActive } from '../domain/job-state.js';
import { jobFromPostgresRow, jobParams, type PostgresJobRow } from './postgres-job-row.js';
import { migratePostgres, requireCurrentSchema } from './postgres-migrate.js';
import { insertOutbox } from './postgres-outbox-insert.js';
import { createPostgresPool } from './postgres-pool.js';
import { deferredFromRow, sessionFromRow, type DeferredRow, type SessionRow } from './postgres-rows.js';
import { jobWriteFromRow, outboxFromRow, type JobWriteRow, type OutboxRow } from '../store/outbox-row.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres-schema.js';
import { SchemaVersionError } from './schema-version-error.js';
import { SQL } from './postgres-statements.js';
import { inTransaction } from './postgres-transaction.js';
import { againIfStale, isStalePlan } from './prepared-client.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://` or `postgresql://` URL of the database (it must exist; kugetsu creates its tables). */
  url: string;
  /** The clock for `createdAt`, history times, outbox times and repository sightings (default: real time). */
  now?: () => Date;
  /** Connections at most (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before a call fails, in ms (default 10 000). */
  connectionTimeoutMs?: number;
  /**
   * `migrate` (default): create or upgrade the schema (see `migratePostgres`). `require-current`:
   * change nothing and refuse a database whose schema is not exactly this kugetsu's (the CLI).
   */
  schema?: 'migrate' | 'require-current';
  /**
   * Told about errors of idle connections (they are replaced) and of the connection that listens
   * for other processes' events (it is opened again); default: ignored.
   */
  onIdleError?: (error: Error) => void;
  /**
   * The most output bytes kept per job (`KUGETSU_JOB_OUTPUT_MAX_BYTES`; default
   * `DEFAULT_JOB_OUTPUT_MAX_BYTES`, at least 1 KiB, else RangeError).
   */
  outputMaxBytes?: number;
}

/** The shared {@link JobStore}: one PostgreSQL database that several kugetsu processes may use at once. */
export interface PostgresStore extends JobStore {
  /** The database URL with its password masked: safe for logs and messages. */
  readonly label: string;
  /** The schema version the database had when opened (0: it was new); it is now the current one. */
  readonly openedAtVersion: number;
}

/** Events a transaction announces (`output` ones are announced apart, see `OutputAnnouncer`). */
type EventKind = Exclude<EngineEvent['kind'], 'output'>;

/**
 * Opens the PostgreSQL store at `options.url`: connects, and migrates the schema (or, with
 * `schema: 'require-current'`, only checks it). Same contract as the embedded SQLite store
 * (`openSqliteStore`), on the database's own guarantees instead of one process's event loop:
 *
 * - Every method is one transaction (READ COMMITTED); when its promise resolves, it committed.
 * - **Exactly once across processes** by unique constraints, not by reading first: `admit` and
 *   `recordEvent` claim the delivery id and the event key with one
 *   `INSERT INTO deliveries … ON CONFLICT DO NOTHING` (PostgreSQL 15 docs, "INSERT … ON CONFLICT":
 *   an insert that meets a row another transaction is inserting waits for it, then does nothing),
 *   so of two processes admitting one event only one commits a job; the other answers `duplicate`
 *   with the winner's job id. `defer` merges copies with `ON CONFLICT (event_key) DO NOTHING`.
 *   Chosen over SERIALIZABLE-with-retry because it never aborts the common case and needs no
 *   retry logic in callers; SERIALIZABLE would turn every such race into an error to retry.
 * - `requireIdleIssue` ("busy") is decided under `pg_advisory_xact_lock` of the issue key, so
 *   admissions of one issue take turns (the lock ends with the transaction) and two processes
 *   cannot both see an idle issue. A duplicate is reported before a busy issue, as in SQLite.
 * - `change` and `update` lock the job's row (`SELECT … FOR UPDATE`): concurrent changes of one job
 *   apply one after the other, each on the previous one's result (compare-and-set: a change whose
 *   expected state or worker no longer holds does nothing), each with its history row.
 * - `claim` takes turns with every other claim under one advisory lock and takes each job by
 *   compare-and-set; `jobs_one_running_per_issue` backs per-issue order (see `claimJobs`).
 * - `heartbeat`, `requestCancel` are single conditional `UPDATE`s; leases and start rates are
 *   durable columns, so they hold across processes and restarts.
 * - Outbox coalescing is the partial unique index `outbox_pending_key` (one pending row per key);
 *   inserts of one group take turns so that "the head of a group" is the same in every process
 *   (see `insertOutbox`); `claimOutbox` claims heads with `FOR UPDATE SKIP LOCKED`, and an
 *   outcome is recorded only for the claim's holder.
 * - Events: `pg_notify` in the transaction of the change, `LISTEN` on a dedicated connection
 *   (see {@link PostgresEventFeed}); this process's listeners get its own events at commit.
 * - A transaction PostgreSQL aborts as a deadlock victim is run again (`inTransaction`), so the
 *   `outbox` callback of `admit` and the callbacks of `claim` may be called more than once; they
 *   must only build items.
 *
 * Beyond the {@link JobStore} contract, as in SQLite: in an `update` patch `undefined` clears an
 * optional field and is ignored for a required one; `prune` removes only finished jobs whose
 * `finishedAt` is earlier than `before` and keeps the deliveries of unfinished jobs;
 * `outboxRetry`/`outboxFailed` ignore an item that is no longer pending; ids are never reused.
 * After `close()` (which waits for the calls in flight) every call rejects with "the store is closed".
 *
 * @throws {SchemaVersionError} for a database written by a newer kugetsu (or, with
 *   `require-current`, one not at this kugetsu's version); nothing is changed.
 * @throws Error `cannot open the PostgreSQL database <url, password masked>: <cause>` when it
 *   cannot connect or a migration fails (the password never appears in the message).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const parsed = parseDatabaseUrl(options.url);
  if ('problem' in parsed) throw new Error(parsed.problem);
  const outputMaxBytes = outputMaxBytesOf(options.outputMaxBytes);
  const label = parsed.redacted;
  const mask = (text: string) => parsed.secrets.reduce((out, secret) => (secret.length >= 4 ? out.split(secret).join('***') : out), text);
  const pool = createPostgresPool({
    url: parsed.url,
    prepared: storePreparedTexts(),
    ...(options.maxConnections !== undefined ? { max: options.maxConnections } : {}),
    ...(options.connectionTimeoutMs !== undefined ? { connectionTimeoutMs: options.connectionTimeoutMs } : {}),
    ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
  });
  // The server processes of this pool's connections: their notifications come back to our own
  // listening connection, and are skipped there (delivered in process already).
  const ownBackends = new Set<number>();
  pool.on('connect', (client) => {
    const pid = processIdOf(client);
    if (pid !== undefined) ownBackends.add(pid);
  });
  pool.on('remove', (client) => {
    const pid = processIdOf(client);
    if (pid !== undefined) ownBackends.delete(pid);
  });
  try {
    let openedAtVersion: number;
    if (options.schema === 'require-current') {
      await requireCurrentSchema(pool, label);
      openedAtVersion = POSTGRES_SCHEMA_VERSION;
    } else {
      openedAtVersion = await migratePostgres(pool, label);
    }
    const feed = new PostgresEventFeed({
      url: parsed.url,
      ...(options.connectionTimeoutMs !== undefined ? { connectionTimeoutMs: options.connectionTimeoutMs } : {}),
      isOwnBackend: (pid) => ownBackends.has(pid),
      ...(options.onIdleError ? { onError: options.onIdleError } : {}),
    });
    return new PostgresJobStore(pool, feed, label, openedAtVersion, options.now ?? (() => new Date()), outputMaxBytes);
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof SchemaVersionError) throw error;
    const e = error as Error & { code?: string };
    const wrapped = new Error(`cannot open the PostgreSQL database ${label}: ${mask(e.message)}`) as Error & { code?: string };
    if (e.code !== undefined) wrapped.code = e.code;
    throw wrapped;
  }
}

class PostgresJobStore implements PostgresStore {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Announces appended output: in process at once, to other processes with a `NOTIFY` of its own. */
  private readonly outputs = new OutputAnnouncer((jobId) => {
    const payload = eventPayload({ kind: 'output', jobId });
    this.feed.emit([payload]);
    if (!this.closed) void this.pool.query(ENGINE_SQL.notify, [[payload]]).catch(() => undefined);
  });

  constructor(
    private readonly pool: Pool,
    private readonly feed: PostgresEventFeed,
    readonly label: string,
    readonly openedAtVersion: number,
    private readonly now: () => Date,
    private readonly outputMaxBytes: number,
  ) {}

  admit(delivery: DeliveryMeta, job: NewJob, options: { requireIdleIssue: boolean; outbox: (job: Job) => NewOutboxItem[] }): Promise<AdmitOutcome> {
    return this.transaction(async (c, events, history): Promise<AdmitOutcome> => {
      await c.query(SQL.lockIssue, [job.issueKey]);
      const seen = await handledBy(c, delivery);
      if (seen) return { kind: 'duplicate', ...seen };
      if (options.requireIdleIssue && (await c.query(SQL.issueActive, [job.issueKey])).rowCount) return { kind: 'busy' };
      const claimed = await c.query(SQL.deliveryInsert, [delivery.id, delivery.eventKey, delivery.eventType, delivery.receivedAt, 0]);
      if (claimed.rowCount === 0) return { kind: 'duplicate', ...(await committedClaim(c, delivery)) };

      const now = this.now();
      // Drop whatever a caller passed beyond NewJob for the fields the store owns.
      const { id: _i, state: _s, createdAt: _c, startedAt: _st, finishedAt: _f, statusCommentId: _sc, result: _r, attempt: _a, note: _n, ...fields } = job as Job;
      const draft: Job = { ...fields, id: '', state: 'queued', attempt: 1, createdAt: now.toISOString() };
      const id = (await c.query<{ id: number }>(SQL.jobInsert, jobParams(draft))).rows[0]!.id;
      await c.query(SQL.deliverySetJob, [delivery.id, id]);
      history.add(id, draft.createdAt, 'queued', null);
      await putRepo(c, job.repo, now);
      // Read once: the outbox rows below do not change the job's row.
      const admitted = jobFromPostgresRow((await c.query<PostgresJobRow>(SQL.jobGet, [id])).rows[0]!);
      await insertOutbox(c, options.outbox(admitted), now, id);
      events.add('jobs').add('outbox');
      return { kind: 'accepted', job: admitted };
    });
  }

  recordEvent(delivery: DeliveryMeta, outbox: NewOutboxItem[]): Promise<{ kind: 'recorded' } | { kind: 'duplicate'; by: 'delivery' | 'event' }> {
    return this.transaction(async (c, events) => {
      // job_id 0: a delivery acted on without a job (a reply, a refusal, a stop…).
      const claimed = await c.query(SQL.deliveryInsert, [delivery.id, delivery.eventKey, delivery.eventType, delivery.receivedAt, 0]);
      if (claimed.rowCount === 0) return { kind: 'duplicate' as const, by: (await committedClaim(c, delivery)).by };
      if (await insertOutbox(c, outbox, this.now())) events.add('outbox');
      return { kind: 'recorded' as const };
    });
  }

  update(id: string, patch: Partial<Omit<Job, 'id'>>, outbox: NewOutboxItem[] = [], detail?: string): Promise<Job> {
    return this.transaction(async (c, events, history): Promise<Job> => {
      const applied = await applyJobChange(c, id, { expect: JOB_STATES, patch, outbox, ...(detail !== undefined ? { detail } : {}) }, this.now(), history);
      if (!applied) throw new Error(`job ${id} does not exist`);
      return announce(applied, events);
    });
  }

  change(id: string, change: JobChange): Promise<Job | undefined> {
    return this.transaction(async (c, events, history) => {
      const applied = await applyJobChange(c, id, change, this.now(), history);
      return applied && announce(applied, events);
    });
  }

  claim(request: ClaimRequest): Promise<Job[]> {
    if (request.slots <= 0) return this.track(async () => []);
    return this.transaction(async (c, events, history) => {
      const outcome = await claimJobs(c, request, request.now ?? this.now().getTime(), this.now, history);
      if (outcome.items > 0) events.add('outbox');
      return outcome.jobs;
    });
  }

  heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<HeartbeatAnswer> {
    return this.read(async () => {
      const n = parseJobId(jobId);
      if (n === undefined) return { held: false, cancelRequested: false };
      const row = (await this.pool.query<{ cancel_requested: boolean }>(ENGINE_SQL.heartbeat, [n, workerId, this.now().getTime() + leaseMs])).rows[0];
      return { held: row !== undefined, cancelRequested: row?.cancel_requested === true };
    });
  }

  requestCancel(jobId: string): Promise<boolean> {
    return this.transaction(async (c, events) => {
      const n = parseJobId(jobId);
      const done = n !== undefined && ((await c.query(ENGINE_SQL.cancelRequest, [n])).rowCount ?? 0) > 0;
      if (done) events.add('jobs');
      return done;
    });
  }

  expiredLeases(nowMs: number): Promise<Job[]> {
    return this.read(async () => (await this.pool.query<PostgresJobRow>(ENGINE_SQL.expiredLeases, [nowMs])).rows.map(jobFromPostgresRow));
  }

  position(id: string): Promise<QueuePosition | undefined> {
    return this.read(async (): Promise<QueuePosition | undefined> => {
      const n = parseJobId(id);
      if (n === undefined) return undefined;
      const row = (await this.pool.query<{ state: string; behind: boolean; ahead: number; waiting: number }>(ENGINE_SQL.position, [n, QUEUE_AHEAD_LIMIT + 1])).rows[0];
      if (!row || (row.state !== 'queued' && row.state !== 'waiting')) return undefined;
      if (row.state === 'waiting') return { place: 'waiting', ahead: 0, waiting: row.waiting };
      return { place: row.behind ? 'waiting-for-issue' : 'waiting-for-slot', ...cappedAhead(row.ahead), waiting: row.waiting };
    });
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  get(id: string): Promise<Job | undefined> {
    return this.read(async () => {
      const n = parseJobId(id);
      if (n === undefined) return undefined;
      const row = (await this.pool.query<PostgresJobRow>(SQL.jobGet, [n])).rows[0];
      return row && jobFromPostgresRow(row);
    });
  }

  listByIssue(key: IssueKey): Promise<Job[]> {
    return this.read(async () => (await this.pool.query<PostgresJobRow>(SQL.jobsByIssue, [key])).rows.map(jobFromPostgresRow));
  }

  queuedCount(key: IssueKey): Promise<number> {
    return this.read(async () => (await this.pool.query<{ n: number }>(SQL.queuedCount, [key])).rows[0]?.n ?? 0);
  }

  isIssueActive(key: IssueKey): Promise<boolean> {
    return this.read(async () => ((await this.pool.query(SQL.issueActive, [key])).rowCount ?? 0) > 0);
  }

  unfinished(): Promise<Job[]> {
    return this.read(async () => (await this.pool.query<PostgresJobRow>(SQL.jobsUnfinished)).rows.map(jobFromPostgresRow));
  }

  history(id: string): Promise<JobEvent[]> {
    return this.read(async () => {
      const n = parseJobId(id);
      if (n === undefined) return [];
      const rows = (await this.pool.query<{ at: string; state: string; detail: string | null }>(SQL.eventsOfJob, [n])).rows;
      return rows.map((e) => {
        const event: JobEvent = { state: e.state as JobState, at: e.at };
        if (e.detail !== null) event.detail = e.detail;
        return event;
      });
    });
  }

  recent(limit: number): Promise<Job[]> {
    return this.read(async () => (await this.pool.query<PostgresJobRow>(SQL.jobsRecent, [limit])).rows.map(jobFromPostgresRow));
  }

  getSession(key: IssueKey): Promise<IssueSession | undefined> {
    return this.read(async () => {
      const row = (await this.pool.query<SessionRow>(SQL.sessionGet, [key])).rows[0];
      return row && sessionFromRow(row);
    });
  }

  putSession(session: IssueSession): Promise<void> {
    return this.write(SQL.sessionPut, [
      session.issueKey,
      session.agent,
      session.sessionId ?? null,
      session.worktreePath,
      session.branch,
      session.updatedAt,
      session.export ?? null,
    ]);
  }

  qualifyIssueKeys(host: string): Promise<number> {
    // A key has exactly one "/" unless it is already qualified (owner and repo names have none).
    return this.transaction(async (c) => {
      let n = 0;
      for (const table of ['jobs', 'sessions']) {
        n += (await c.query(`UPDATE ${table} SET issue_key = $1 || '/' || issue_key WHERE issue_key NOT LIKE '%/%/%'`, [host])).rowCount ?? 0;
      }
      return n;
    });
  }

  deleteSession(key: IssueKey): Promise<void> {
    return this.write(SQL.sessionDelete, [key]);
  }

  sessions(): Promise<IssueSession[]> {
    return this.read(async () => (await this.pool.query<SessionRow>(SQL.sessionsAll)).rows.map(sessionFromRow));
  }

  counts(): Promise<Record<JobState, number>> {
    return this.read(async () => {
      const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
      for (const { state, n } of (await this.pool.query<{ state: string; n: number }>(SQL.jobCounts)).rows) counts[state as JobState] = n;
      return counts;
    });
  }

  enqueue(items: NewOutboxItem[]): Promise<void> {
    return this.transaction(async (c, events) => {
      if (await insertOutbox(c, items, this.now())) events.add('outbox');
    });
  }

  outboxDue(nowMs: number, limit: number): Promise<OutboxItem[]> {
    return this.read(async () => (await this.pool.query<OutboxRow>(SQL.outboxDue, [nowMs, limit])).rows.map(outboxFromRow));
  }

  claimOutbox(workerId: string, limit: number, leaseMs: number, nowMs: number): Promise<OutboxItem[]> {
    return this.read(async () => {
      // One statement: its own transaction. See ENGINE_SQL.outboxClaim and `insertOutbox` for why
      // the heads it sees are the true heads of their groups.
      const rows = (await this.pool.query<OutboxRow>(ENGINE_SQL.outboxClaim, [nowMs, limit, workerId, nowMs + leaseMs])).rows;
      return rows.sort((a, b) => a.id - b.id).map(outboxFromRow);
    });
  }

  releaseOutboxClaims(): Promise<number> {
    return this.read(async () => (await this.pool.query(`UPDATE outbox SET claim_until = 0 WHERE state = 'pending' AND claimed_by IS NOT NULL AND claim_until > 0`)).rowCount ?? 0);
  }

  outboxNextDueAt(): Promise<number | undefined> {
    return this.read(async () => (await this.pool.query<{ at: number | null }>(SQL.outboxNextDue)).rows[0]?.at ?? undefined);
  }

  outboxDone(id: number, workerId?: string): Promise<void> {
    return this.write(SQL.outboxDone, [id, workerId ?? null, this.now().getTime()]);
  }

  outboxRetry(id: number, nextAttemptAt: number, error: string, workerId?: string): Promise<void> {
    return this.write(SQL.outboxRetry, [id, nextAttemptAt, error, workerId ?? null]);
  }

  outboxFailed(id: number, error: string, workerId?: string): Promise<void> {
    return this.write(SQL.outboxFailed, [id, error, workerId ?? null]);
  }

  outboxCounts(): Promise<{ pending: number; failed: number }> {
    return this.read(async () => {
      const counts = { pending: 0, failed: 0 };
      for (const { state, n } of (await this.pool.query<{ state: string; n: number }>(SQL.outboxCounts)).rows) counts[state as 'pending' | 'failed'] = n;
      return counts;
    });
  }

  outboxIsOpen(key: string): Promise<boolean> {
    return this.read(async () => ((await this.pool.query(SQL.outboxOpen, [key])).rowCount ?? 0) > 0);
  }

  knownRepos(): Promise<RepoRef[]> {
    return this.read(async () => (await this.pool.query<{ data: string }>(SQL.reposAll)).rows.map((r) => JSON.parse(r.data) as RepoRef));
  }

  rememberRepo(repo: RepoRef): Promise<void> {
    return this.transaction((c) => putRepo(c, repo, this.now()));
  }

  getCursor(name: string): Promise<string | undefined> {
    return this.read(async () => (await this.pool.query<{ value: string }>(SQL.cursorGet, [name])).rows[0]?.value);
  }

  setCursor(name: string, value: string): Promise<void> {
    return this.write(SQL.cursorPut, [name, value]);
  }

  handled(delivery: Pick<DeliveryMeta, 'id' | 'eventKey'>): Promise<{ jobId: string; by: 'delivery' | 'event' } | undefined> {
    return this.read(async () => handledBy(this.pool, delivery));
  }

  hasEvent(eventKey: string): Promise<boolean> {
    return this.read(async () => ((await this.pool.query(SQL.eventKnown, [eventKey, eventKey])).rowCount ?? 0) > 0);
  }

  defer(delivery: DeliveryMeta, event: string, nextAttemptAt: number, error: string): Promise<'deferred' | 'duplicate'> {
    return this.transaction(async (c) => {
      if ((await c.query(SQL.eventKnown, [delivery.id, delivery.eventKey])).rowCount) return 'duplicate' as const;
      await c.query(SQL.deferInsert, [delivery.eventKey, delivery.id, delivery.eventType, delivery.receivedAt, event, nextAttemptAt, error]);
      return 'deferred' as const;
    });
  }

  deferredDue(nowMs: number, limit: number): Promise<DeferredEvent[]> {
    return this.read(async () => (await this.pool.query<DeferredRow>(SQL.deferredDue, [nowMs, limit])).rows.map(deferredFromRow));
  }

  deferredRetry(eventKey: string, nextAttemptAt: number, error: string): Promise<void> {
    return this.write(SQL.deferredRetry, [eventKey, nextAttemptAt, error]);
  }

  deferredDone(eventKey: string): Promise<void> {
    return this.write(SQL.deferredDelete, [eventKey]);
  }

  deferredCount(): Promise<number> {
    return this.read(async () => (await this.pool.query<{ n: number }>(SQL.deferredCount)).rows[0]?.n ?? 0);
  }

  prune(before: Date): Promise<PruneResult> {
    const iso = before.toISOString();
    return this.transaction(async (c): Promise<PruneResult> => {
      const jobIds = (await c.query<{ id: number }>(SQL.pruneJobs, [iso])).rows
        .map((r) => r.id)
        .sort((a, b) => a - b)
        .map(String);
      const deliveries = (await c.query(SQL.pruneDeliveries, [iso])).rowCount ?? 0;
      const outbox = (await c.query(SQL.pruneOutbox, [before.getTime()])).rowCount ?? 0;
      await c.query(SQL.pruneWorkers, [before.getTime()]);
      return { jobIds, deliveries, outbox };
    });
  }

  workerSeen(worker: WorkerPresence): Promise<void> {
    return this.write(SQL.workerPut, [worker.id, worker.host, worker.pid, worker.slots, worker.startedAt, this.now().getTime()]);
  }

  workerGone(workerId: string): Promise<void> {
    return this.write(SQL.workerDelete, [workerId]);
  }

  appendOutput(jobId: string, text: string): Promise<void> {
    if (text === '') return this.track(async () => undefined);
    return this.transaction(async (c) => {
      const n = parseJobId(jobId);
      if (n === undefined || !(await c.query(SQL.jobState, [n])).rowCount) throw new Error(`job ${jobId} does not exist`);
      // Appends of one job take turns: each reads the end the previous one left.
      await c.query(ENGINE_SQL.lockOutput, [String(n)]);
      const last = (await c.query<{ start: number; size: number }>(SQL.outputLast, [n])).rows[0];
      const plan = planAppend(last ? last.start + last.size : 0, text, this.outputMaxBytes);
      for (const row of plan.rows) await c.query(SQL.outputInsert, [n, row.start, row.data]);
      if (plan.keepFrom > 0) {
        await c.query(SQL.outputDropBefore, [n, plan.keepFrom]);
        for (const row of (await c.query<OutputRow>(SQL.outputStraddling, [n, plan.keepFrom])).rows) {
          const kept = trimChunk(row, plan.keepFrom);
          await c.query(SQL.outputDelete, [n, row.start]);
          if (kept) await c.query(SQL.outputInsert, [n, kept.start, kept.data]);
        }
      }
    }).then(() => this.outputs.appended(jobId));
  }

  readOutput(jobId: string, options?: { after?: number; limitBytes?: number }): Promise<OutputChunk> {
    return this.read(async () => {
      const { after, limit } = readOptions(options);
      const n = parseJobId(jobId);
      if (n === undefined) return { text: '', next: 0, dropped: 0, total: 0, done: true };
      // One snapshot for the bounds and the chunks (REPEATABLE READ, read only).
      const client = await this.pool.connect();
      // A connection whose prepared statement went stale is dropped (and the read runs again, see `read`).
      let stale: Error | undefined;
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const state = (await client.query<{ state: string }>(SQL.jobState, [n])).rows[0]?.state;
        const dropped = (await client.query<{ start: number }>(SQL.outputFirst, [n])).rows[0]?.start ?? 0;
        const last = (await client.query<{ start: number; size: number }>(SQL.outputLast, [n])).rows[0];
        const total = last ? last.start + last.size : 0;
        const from = Math.min(Math.max(after, dropped), total);
        const rows = (await client.query<OutputRow>(SQL.outputRange, [n, from, from + limit])).rows;
        await client.query('COMMIT');
        const { text, next } = readRows(rows, from, limit);
        return { text, next, dropped, total, done: state === undefined || !isActive(state as JobState) };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (isStalePlan(error)) stale = error as Error;
        throw error;
      } finally {
        client.release(stale);
      }
    });
  }

  changes(afterId: number, limit: number): Promise<JobStateChange[]> {
    return this.read(async () => {
      checkChangesArgs(afterId, limit);
      const rows = (await this.pool.query<{ id: number; job_id: number; at: string; state: string; detail: string | null }>(SQL.changesAfter, [afterId, limit])).rows;
      return rows.map((row) => {
        const change: JobStateChange = { id: row.id, jobId: String(row.job_id), state: row.state as JobState, at: row.at };
        if (row.detail !== null) change.detail = row.detail;
        return change;
      });
    });
  }

  lastChangeId(): Promise<number> {
    return this.read(async () => (await this.pool.query<{ id: number }>(SQL.lastChangeId)).rows[0]?.id ?? 0);
  }

  search(filter: JobFilter, page: JobPage): Promise<{ jobs: Job[]; nextBefore?: string }> {
    return this.read(async () => {
      const query = searchQuery(filter, page, 'postgres');
      const where = query.conditions.length > 0 ? `WHERE ${query.conditions.join(' AND ')}` : '';
      const sql = `SELECT j.*, r.status_comment_id, r.pull_request, r.superseded_by FROM jobs j LEFT JOIN job_reports r ON r.job_id = j.id ${where} ORDER BY j.id DESC LIMIT ${query.fetch}`;
      const jobs = (await this.pool.query<PostgresJobRow>(sql, query.params)).rows.map(jobFromPostgresRow);
      if (jobs.length <= query.limit) return { jobs };
      jobs.length = query.limit;
      return { jobs, nextBefore: jobs[jobs.length - 1]!.id };
    });
  }

  workers(): Promise<WorkerInfo[]> {
    return this.read(async () => {
      const rows = (await this.pool.query<{ id: string; host: string; pid: number; slots: number; started_at: string; seen_at: number; running: number }>(SQL.workersAll)).rows;
      return rows.map((w) => ({ id: w.id, slots: w.slots, running: w.running, lastSeenAt: new Date(w.seen_at).toISOString(), host: w.host, pid: w.pid, startedAt: w.started_at }));
    });
  }

  outboxHealth(): Promise<OutboxHealth[]> {
    return this.read(async () =>
      (await this.pool.query<OutboxHealth>(SQL.outboxHealth)).rows.map((h) => ({ kind: h.kind, pending: h.pending, retrying: h.retrying, failed: h.failed })),
    );
  }

  waitingCounts(): Promise<WaitingCount[]> {
    return this.read(async () => {
      const rows = (await this.pool.query<{ repo: string; reason: string; n: number }>(SQL.waitingCounts)).rows;
      return rows.map((w) => ({ repo: w.repo, reason: w.reason as WaitingCount['reason'], count: w.n }));
    });
  }

  outboxOf(jobId: string): Promise<JobWrite[]> {
    return this.read(async () => {
      const n = parseJobId(jobId);
      if (n === undefined) return [];
      return (await this.pool.query<JobWriteRow>(SQL.outboxOfJob, [n])).rows.map(jobWriteFromRow);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.outputs.close();
    await Promise.allSettled([...this.inFlight]);
    await this.feed.close();
    await this.pool.end();
  }

  /**
   * Runs `work` as one transaction (see `inTransaction`), counted as in flight for `close()`. The
   * history rows `work` queues on `history` are written after it, under the change lock (see
   * {@link PendingHistory}), and add a `changed` event. The event kinds in `events` are then sent
   * with `pg_notify` as its last statement (delivered to other processes at commit) and handed to
   * this process's listeners once it committed; a run PostgreSQL aborted and `inTransaction`
   * repeats starts with no events and no history.
   */
  private transaction<T>(work: (client: PoolClient, events: Set<EventKind>, history: PendingHistory) => Promise<T>): Promise<T> {
    return this.track(async () => {
      let events = new Set<EventKind>();
      const value = await inTransaction(this.pool, async (client) => {
        events = new Set();
        const history = new PendingHistory();
        const result = await work(client, events, history);
        if (await history.flush(client)) events.add('changed');
        if (events.size > 0) await client.query(ENGINE_SQL.notify, [[...events]]);
        return result;
      });
      this.feed.emit(events);
      return value;
    });
  }

  /** One statement, which PostgreSQL runs as a transaction of its own. */
  private write(sql: string, params: unknown[]): Promise<void> {
    return this.track(async () => void (await this.pool.query(sql, params)));
  }

  /**
   * Runs `work` — reads, or single statements that are a transaction of their own — counted as in
   * flight. When one of its prepared statements went stale (`isStalePlan`: nothing of that
   * statement ran, and `pg`'s pool has dropped the connection) `work` runs again (`againIfStale`).
   */
  private read<T>(work: () => Promise<T>): Promise<T> {
    return this.track(() => againIfStale(this.pool, work));
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const promise = work();
    this.inFlight.add(promise);
    promise.then(
      () => this.inFlight.delete(promise),
      () => this.inFlight.delete(promise),
    );
    return promise;
  }
}

/**
 * The events a committed job change causes: `jobs` when the job became claimable (queued), its
 * cancel was asked, or it left `running` (its issue's next job and a slot are free: other
 * processes' workers claim at once instead of at their next poll); `outbox` when it wrote outbox
 * items or is not running (as the SQLite store). Returns the job.
 */
function announce(applied: AppliedChange, events: Set<EventKind>): Job {
  const { job, from, items } = applied;
  if (job.state === 'queued' || job.cancelRequested || (from === 'running' && job.state !== 'running')) events.add('jobs');
  if (items > 0 || job.state !== 'running') events.add('outbox');
  return job;
}

type Queryable = Pick<Pool, 'query'> | PoolClient;

/** How a delivery was handled before: by its id first, else by its event key; `undefined` when new. */
async function handledBy(c: Queryable, delivery: Pick<DeliveryMeta, 'id' | 'eventKey'>): Promise<{ jobId: string; by: 'delivery' | 'event' } | undefined> {
  const row = (await c.query<{ job_id: number; by_delivery: boolean }>(SQL.deliveryHandled, [delivery.id, delivery.eventKey])).rows[0];
  return row && { jobId: String(row.job_id), by: row.by_delivery ? 'delivery' : 'event' };
}

/**
 * The claim that made our `deliveryInsert` do nothing: another transaction committed this
 * delivery id or event key after our first look (e.g. the same event admitted on another issue
 * key, under another issue's lock). ON CONFLICT waited for that transaction, so in READ COMMITTED
 * the next statement sees its row. Should a prune have removed it in between, the transaction is
 * run again (as a serialization failure).
 */
async function committedClaim(c: PoolClient, delivery: DeliveryMeta): Promise<{ jobId: string; by: 'delivery' | 'event' }> {
  const other = await handledBy(c, delivery);
  if (other) return other;
  throw Object.assign(new Error(`delivery ${delivery.id} conflicted with a row that is gone; retrying`), { code: '40001' });
}

async function putRepo(c: PoolClient, repo: RepoRef, now: Date): Promise<void> {
  await c.query(SQL.repoPut, [instancePrefix(repo) + repo.fullName, JSON.stringify(repo), now.toISOString()]);
}
