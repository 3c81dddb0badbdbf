/**
 * Issue 3, "Nothing is lost": kill -9 the real `kugetsu serve` while a burst of deliveries arrives
 * and agents run; restart it on the same state dir; every delivery that was answered 2xx leads to
 * exactly one completed job, none runs twice, and every job has exactly one status comment that
 * ends "succeeded".
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readStore, liveCounts } from './support/db.js';
import { isAcked, sendBurst, type DeliveryOutcome, type DeliverySpec } from './support/deliveries.js';
import { pollUntil } from './support/poll.js';
import { ensureStopped, logTail, readLogLines, startServer, terminate, type ServerProcess } from './support/server-process.js';
import { agentCommand, agentRuns, baseEnv, commentDelivery, createWorld, SECRET, statusComments, unfinishedRuns, type FaultWorld } from './support/world.js';

const ISSUES = 10;
const DELIVERIES = 60;
const KILL_AFTER_ACKS = 25;

let world: FaultWorld | undefined;
const servers: ServerProcess[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await ensureStopped(s);
  await world?.close();
  world = undefined;
});

describe('kill -9 during a burst while agents run', () => {
  it('every delivery answered 2xx before the kill ends as exactly one succeeded job with one status comment after a restart', async () => {
    const w = (world = await createWorld({ issues: ISSUES, prefix: 'kugetsu-kill9-' }));
    const env = baseEnv(w, { KUGETSU_AGENT_COMMAND: JSON.stringify(agentCommand(w, [300, 800])), KUGETSU_MAX_AGENTS: '3' });
    const first = await startServer({ env, logFile: path.join(w.tmp, 'server-1.log') });
    servers.push(first);

    // 60 distinct /kugetsu comments spread over the 10 issues, each stored in the fake first.
    const specs: DeliverySpec[] = Array.from({ length: DELIVERIES }, (_v, i) => ({
      ...commentDelivery(w, w.issues[i % ISSUES]!.number, `burst d${i}`),
      delivery: `burst-${String(i).padStart(2, '0')}-${process.pid}`,
    }));

    // A fast head (the first 25 land within a few hundred ms), then a slow tail, so that the kill
    // happens while deliveries still arrive. Kill once 25 are acked AND an agent is running.
    let killedAt: { acks: number; atMs: number; agentsRunning: number; jobsRunning: number } | undefined;
    const outcomes = await sendBurst(first.url, specs, SECRET, {
      concurrency: 4,
      gapMs: (sent) => (sent < KILL_AFTER_ACKS ? 5 : 250),
      onOutcome: (o: DeliveryOutcome, all) => {
        if (killedAt) return;
        const acks = all.filter(isAcked).length;
        const running = unfinishedRuns(w.runLog).length;
        if (acks >= KILL_AFTER_ACKS && running > 0) {
          first.kill('SIGKILL');
          killedAt = { acks, atMs: o.atMs, agentsRunning: running, jobsRunning: liveCounts(w.dbFile)?.states.running ?? -1 };
        }
      },
    });
    expect(killedAt, `the server was never killed: no agent ran before the burst ended\n${logTail(first.logFile)}`).toBeDefined();
    const exit1 = await first.waitExit(5_000);
    expect(exit1.signal).toBe('SIGKILL');

    const acked = outcomes.filter(isAcked);
    const unanswered = outcomes.filter((o) => o.status === undefined);
    const otherStatus = outcomes.filter((o) => o.status !== undefined && !isAcked(o));
    // Every new comment is a new delegation: 202 accepted, never a 200 "ignored".
    for (const o of acked) expect({ delivery: o.spec.delivery, status: o.status, json: o.json?.status }).toEqual({ delivery: o.spec.delivery, status: 202, json: 'accepted' });
    expect(otherStatus.map((o) => `${o.spec.delivery} → ${o.status} ${JSON.stringify(o.json)}`)).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(unanswered.length).toBeGreaterThan(0);

    // Restart on the same state dir; send nothing new; wait until every job is finished and the outbox is empty.
    const second = await startServer({ env, logFile: path.join(w.tmp, 'server-2.log') });
    servers.push(second);
    const restartT0 = Date.now();
    const settled = await pollUntil(
      () => {
        const c = liveCounts(w.dbFile);
        return c && c.states.queued === 0 && c.states.running === 0 && c.outboxPending === 0 ? c : undefined;
      },
      {
        timeoutMs: 45_000,
        intervalMs: 200,
        what: 'every job finished and the outbox empty after the restart',
        diagnose: () => `${JSON.stringify(liveCounts(w.dbFile))}\n${logTail(second.logFile)}`,
      },
    );
    const catchUpMs = Date.now() - restartT0;
    const stop = await terminate(second, 20_000);
    expect(stop.code, logTail(second.logFile)).toBe(0);

    const snap = await readStore(w.dbFile);
    const jobsByDelivery = groupBy(snap.jobs, (j) => j.deliveryId);
    const jobsByComment = groupBy(snap.jobs, (j) => String(j.commentId));

    // Every 2xx delivery: exactly one job, succeeded, the one the answer named.
    for (const o of acked) {
      const jobs = jobsByDelivery.get(o.spec.delivery) ?? [];
      expect(
        jobs.map((j) => ({ id: j.id, state: j.state })),
        `jobs of acked delivery ${o.spec.delivery}`,
      ).toEqual([{ id: String(o.json!.job), state: 'succeeded' }]);
      expect(jobs[0]!.commentId).toBe(o.spec.tag!.commentId);
    }
    // No delivery and no event (comment) has two jobs; every job has its delivery record.
    expect([...jobsByDelivery].filter(([, js]) => js.length > 1).map(([d]) => d)).toEqual([]);
    expect([...jobsByComment].filter(([, js]) => js.length > 1).map(([c]) => c)).toEqual([]);
    expect(snap.deliveries.map((d) => d.jobId).sort()).toEqual(snap.jobs.map((j) => j.id).sort());
    expect(new Set(snap.deliveries.map((d) => d.eventKey)).size).toBe(snap.deliveries.length);
    // Nothing is stuck: every job (also one admitted for a delivery whose answer was lost) completed.
    expect(snap.jobs.filter((j) => j.state !== 'succeeded').map((j) => `${j.id}:${j.state}`)).toEqual([]);
    expect(snap.outbox).toEqual({ pending: 0, failed: 0 });

    // The jobs that were running at the kill were re-queued as attempt 2, with a note saying why.
    const interrupted = snap.jobs.filter((j) => j.attempt > 1);
    expect(interrupted.length).toBeGreaterThanOrEqual(1);
    for (const j of interrupted) {
      expect(j.attempt).toBe(2);
      expect(j.note).toMatch(/Interrupted because kugetsu stopped unexpectedly/);
      expect(snap.history.get(j.id)!.map((e) => e.state)).toEqual(['queued', 'running', 'queued', 'running', 'succeeded']);
    }

    // Gitea: exactly one status comment per job (one marker across all comments), showing succeeded.
    const status = statusComments(w.fake);
    const markersByJob = groupBy(status, (s) => s.job);
    for (const job of snap.jobs) {
      const mine = markersByJob.get(job.id) ?? [];
      expect(
        mine.map((s) => ({ issue: s.issue, state: s.state })),
        `status comments of job ${job.id}`,
      ).toEqual([{ issue: job.issueNumber, state: 'succeeded' }]);
    }
    expect(status).toHaveLength(snap.jobs.length);

    // Every job's agent finished at least once; every comment got one 👀 (not two) if it has a job.
    const runs = agentRuns(w.runLog);
    for (const job of snap.jobs)
      expect(
        runs.some((r) => r.phase === 'end' && r.job === job.id),
        `agent run of job ${job.id}`,
      ).toBe(true);
    for (const job of snap.jobs) expect(w.fake.comments.get(job.commentId!)!.reactions.map((r) => r.content)).toEqual(['eyes']);

    const withJob = unanswered.filter((o) => jobsByDelivery.has(o.spec.delivery));
    const report = {
      sent: outcomes.length,
      acked: acked.length,
      unanswered: unanswered.length,
      unansweredWithJob: withJob.length,
      unansweredWithoutJob: unanswered.length - withJob.length,
      unansweredErrors: countBy(unanswered.map((o) => o.error ?? '?')),
      killedAt,
      jobs: snap.jobs.length,
      interruptedJobs: interrupted.map((j) => j.id),
      agentRunsStarted: runs.filter((r) => r.phase === 'start').length,
      catchUpMs,
      settled,
      stopTookMs: stop.tookMs,
      restartLogErrors: readLogLines(second.logFile)
        .filter((l) => (l.level ?? 0) >= 50)
        .map((l) => l.msg),
    };
    console.log(`[faults] kill -9 burst: ${JSON.stringify(report)}`);
    expect(report.restartLogErrors).toEqual([]);
  }, 90_000);
});

/** Groups `items` by `key`, keeping their order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/** How often each string occurs. */
function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}
