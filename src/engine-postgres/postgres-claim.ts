import type { PoolClient } from 'pg';
import type { RateLimit } from '../config/config.js';
import { claimWait, type ClaimHold } from '../domain/claim-wait.js';
import { repoKey as repoKeyOf } from '../domain/repo-ref.js';
import { overDailyBudget, utcDayStart } from '../domain/daily-budget.js';
import type { ClaimRequest } from '../engine/job-queue.js';
import type { Job } from '../domain/job.js';
import { applyJobChange } from './postgres-change.js';
import type { PendingHistory } from './postgres-history.js';
import { ENGINE_SQL } from './postgres-engine-statements.js';
import { jobFromPostgresRow, type PostgresJobRow } from './postgres-job-row.js';

/** What {@link claimJobs} did: the claimed jobs, and how many outbox items it wrote (claims and waits). */
export interface ClaimOutcome {
  jobs: Job[];
  items: number;
}

/**
 * The claim of `JobQueue.claim`, inside the caller's transaction (READ COMMITTED), with the same
 * rules as the SQLite store's: up to `request.slots` jobs, capped by `globalMax − running`; the
 * candidates are the oldest unfinished job of each issue, queued or waiting with its time come,
 * oldest first (a window of `max(4 × room, 20)`), the worker's preferred ones first; a candidate
 * whose repository is at `repoMax` is passed over; one over a start rate (starts counted from the
 * durable `started_at` of jobs in the window, this claim's included) is set `waiting` until the
 * oldest counted start leaves the window, with `rateLimited`'s items — unless it already waits for
 * that very time; one whose repository spent its `dailyBudgetUsd` (the summed `cost_usd` of its jobs
 * finished since 00:00 UTC of `now`) waits likewise, reason `budget`, until the next 00:00 UTC; every other candidate becomes `running`, held by `request.workerId` until
 * `now + leaseMs`, with `claimed`'s items. `now` is ms since the epoch; `clock` stamps history and
 * outbox rows; history rows are queued on `history` (the caller flushes it before committing).
 *
 * **Why claims cannot collide.** The claim first takes the transaction-level advisory lock
 * `CLAIM_LOCK_CLASS` (PostgreSQL 15 docs, §9.27.10), so claims of every process take turns; each
 * statement after it takes a new snapshot (READ COMMITTED; under REPEATABLE READ the snapshot would
 * predate the lock) and so sees every earlier claim committed. Nothing but a claim makes a job
 * `running` or sets `started_at`, so the running counts and start counts read under the lock can
 * only fall before this claim commits: caps and rates hold. Other transactions may change a
 * candidate meanwhile (a cancel, a change): each take is a compare-and-set under the job's row lock
 * (`applyJobChange`, expecting `queued` or `waiting`), so a job is never taken twice nor taken after
 * it was canceled. Per-issue order needs no more: admissions of one issue commit one at a time
 * (the advisory lock), so no older job of an issue can appear after a younger one was seen.
 * Should all of this fail, the unique index `jobs_one_running_per_issue` refuses the commit.
 * Claims are rare next to admissions and outbox writes, so taking turns costs little; `FOR UPDATE
 * SKIP LOCKED` alone would not do, because caps and rates are counts over rows no lock covers.
 */
export async function claimJobs(c: PoolClient, request: ClaimRequest, nowMs: number, clock: () => Date, history: PendingHistory): Promise<ClaimOutcome> {
  const outcome: ClaimOutcome = { jobs: [], items: 0 };
  await c.query(ENGINE_SQL.lockClaims);
  const running = (await c.query<{ n: number }>(ENGINE_SQL.runningCount)).rows[0]?.n ?? 0;
  const room = request.globalMax === undefined ? request.slots : Math.min(request.slots, request.globalMax - running);
  if (room <= 0) return outcome;
  const window = (await c.query<PostgresJobRow>(ENGINE_SQL.candidates, [nowMs, Math.max(room * 4, 20)])).rows.map(jobFromPostgresRow);
  const ordered = request.prefer ? [...window.filter((j) => request.prefer!(j)), ...window.filter((j) => !request.prefer!(j))] : window;
  const nowIso = new Date(nowMs).toISOString();
  for (const job of ordered) {
    if (outcome.jobs.length >= room) break;
    const repoKey = repoKeyOf(job.repo);
    const limits = request.limits(job);
    if (limits.repoMax !== undefined && ((await c.query<{ n: number }>(ENGINE_SQL.runningOfRepo, [repoKey])).rows[0]?.n ?? 0) >= limits.repoMax) continue;
    const spent = limits.dailyBudgetUsd === undefined ? 0 : ((await c.query<{ usd: number }>(ENGINE_SQL.spentOfRepo, [repoKey, utcDayStart(nowMs)])).rows[0]?.usd ?? 0);
    const broke = overDailyBudget(spent, limits.dailyBudgetUsd, nowMs);
    const hold = broke ?? (await overStartRate(c, job, repoKey, limits, nowMs));
    if (hold) {
      const wait = claimWait(job, broke ? 'budget' : 'rate-limit', hold);
      if (!wait) continue;
      const patch = { state: 'waiting' as const, waiting: wait.waiting };
      const waited = await applyJobChange(c, job.id, { expect: ['queued', 'waiting'], patch, detail: wait.detail }, clock(), history, (j) => request.rateLimited(j, hold));
      if (waited) {
        outcome.items += waited.items;
        continue;
      }
    }
    const taken = await applyJobChange(
      c,
      job.id,
      {
        expect: ['queued', 'waiting'],
        patch: { state: 'running', startedAt: nowIso, workerId: request.workerId, leaseUntil: nowMs + request.leaseMs, waiting: undefined, cancelRequested: undefined },
        detail: `attempt ${job.attempt} on ${request.workerId}`,
      },
      clock(),
      history,
      request.claimed,
    );
    if (!taken) continue;
    outcome.jobs.push(taken.job);
    outcome.items += taken.items;
  }
  return outcome;
}

/** A candidate of a sender or repository over its start rate: why, and when its slot frees (ISO 8601). */
async function overStartRate(c: PoolClient, job: Job, repoKey: string, limits: ReturnType<ClaimRequest['limits']>, nowMs: number): Promise<ClaimHold | undefined> {
  const check = async (rate: RateLimit | undefined, sql: string, key: string | number, who: string) => {
    if (!rate) return undefined;
    const since = new Date(nowMs - rate.windowMs).toISOString();
    const counted = (await c.query<{ n: number; oldest: string | null }>(sql, [key, since])).rows[0];
    if (!counted || counted.n < rate.limit) return undefined;
    const until = new Date(Date.parse(counted.oldest ?? new Date(nowMs).toISOString()) + rate.windowMs).toISOString();
    return { detail: `${who} started ${rate.limit} jobs in the last ${Math.round(rate.windowMs / 60_000)} min, the most allowed`, until };
  };
  return (
    (await check(limits.senderRate, ENGINE_SQL.startsOfSender, job.sender.id, `@${job.sender.login}`)) ??
    (await check(limits.repoRate, ENGINE_SQL.startsOfRepo, repoKey, `${job.repo.owner}/${job.repo.name}`))
  );
}
