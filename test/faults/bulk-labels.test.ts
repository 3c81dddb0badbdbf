/**
 * Issue 12, "a limit makes work wait": one person labels 30 issues at once on the embedded engine
 * (real `kugetsu serve`, real SQLite file). Every label is admitted (none refused); a start rate of
 * 20 per 60 s holds ten of them back as `waiting`, each status comment saying it waits for a rate
 * limit and when it starts by itself; the wait is durable (a restart in the middle changes nothing)
 * and ends by itself: all 30 succeed, each with one status comment.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveCounts, readStore } from './support/db.js';
import { isAcked, sendBurst } from './support/deliveries.js';
import { pollUntil } from './support/poll.js';
import { ensureStopped, logTail, startServer, terminate, type ServerProcess } from './support/server-process.js';
import { agentCommand, agentRuns, baseEnv, createWorld, labelDelivery, SECRET, statusComments, type FaultWorld } from './support/world.js';

const ISSUES = 30;
const RATE = 20;
/** The start rate's window: long enough that the first 20 turns all start within it on a slow, loaded machine. */
const WINDOW_S = 60;

let world: FaultWorld | undefined;
const servers: ServerProcess[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await ensureStopped(s);
  await world?.close();
  world = undefined;
});

describe('one person labels 30 issues at once', () => {
  it('admits all 30, holds the ones over the start rate as waiting (durably, with when), and runs every one by itself', async () => {
    const w = (world = await createWorld({ issues: ISSUES, prefix: 'kugetsu-bulk-' }));
    const env = baseEnv(w, {
      KUGETSU_AGENT_COMMAND: JSON.stringify(agentCommand(w, 100)),
      KUGETSU_MAX_AGENTS: '3',
      KUGETSU_RATE_LIMIT_SENDER: `${RATE}/${WINDOW_S}s`,
    });
    const first = await startServer({ env, logFile: path.join(w.tmp, 'server-1.log') });
    servers.push(first);

    const specs = w.issues.map((issue) => labelDelivery(w, issue.number));
    const outcomes = await sendBurst(first.url, specs, SECRET, { concurrency: 6 });
    expect(outcomes.map((o) => `${o.status} ${o.json?.status}`)).toEqual(specs.map(() => '202 accepted'));
    expect(outcomes.every(isAcked)).toBe(true);

    // The first 20 start (three at a time); the other ten wait for the rate limit.
    const held = await pollUntil(
      () => {
        const c = liveCounts(w.dbFile);
        return c && c.total === ISSUES && c.states.succeeded === RATE && c.states.waiting === ISSUES - RATE && c.outboxPending === 0 ? c : undefined;
      },
      {
        timeoutMs: (WINDOW_S - 5) * 1000,
        intervalMs: 100,
        what: `${RATE} succeeded and ${ISSUES - RATE} waiting`,
        diagnose: () => `${JSON.stringify(liveCounts(w.dbFile))}\n${logTail(first.logFile)}`,
      },
    );
    expect(held.states).toMatchObject({ queued: 0, running: 0, failed: 0, canceled: 0 });
    const waitingComments = statusComments(w.fake).filter((c) => c.state === 'waiting');
    expect(waitingComments).toHaveLength(ISSUES - RATE);
    for (const c of waitingComments) {
      expect(c.body).toContain('Waiting for a rate limit');
      expect(c.body).toMatch(/starts by itself at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    }

    // A restart while they wait: still admitted, still waiting (nothing refused, nothing forgotten).
    const stop = await terminate(first, 15_000);
    expect(stop.code).toBe(0);
    const before = await readStore(w.dbFile);
    const waitingJobs = before.jobs.filter((j) => j.state === 'waiting');
    expect(waitingJobs).toHaveLength(ISSUES - RATE);
    for (const j of waitingJobs) {
      expect(j.waiting?.reason).toBe('rate-limit');
      expect(Date.parse(j.waiting!.until)).toBeGreaterThan(Date.now() - 1_000);
    }

    const second = await startServer({ env, logFile: path.join(w.tmp, 'server-2.log') });
    servers.push(second);
    await pollUntil(
      () => {
        const c = liveCounts(w.dbFile);
        return c && c.states.succeeded === ISSUES && c.outboxPending === 0 ? c : undefined;
      },
      {
        timeoutMs: (WINDOW_S + 45) * 1000,
        intervalMs: 200,
        what: 'all 30 jobs succeeded after the wait',
        diagnose: () => `${JSON.stringify(liveCounts(w.dbFile))}\n${logTail(second.logFile)}`,
      },
    );
    await terminate(second, 15_000);

    const after = await readStore(w.dbFile);
    expect(after.jobs).toHaveLength(ISSUES);
    // The held jobs started no earlier than the time their comment promised.
    for (const held of waitingJobs) {
      const done = after.jobs.find((j) => j.id === held.id)!;
      expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(held.waiting!.until));
      expect(after.history.get(held.id)!.map((e) => e.state)).toContain('waiting');
    }
    // One agent run per issue, one status comment per job, each ending succeeded.
    const starts = agentRuns(w.runLog).filter((r) => r.phase === 'start');
    expect(new Set(starts.map((r) => r.issueKey)).size).toBe(ISSUES);
    expect(starts).toHaveLength(ISSUES);
    const comments = statusComments(w.fake);
    expect(comments.map((c) => c.job).sort()).toEqual(after.jobs.map((j) => j.id).sort());
    expect(comments.every((c) => c.state === 'succeeded')).toBe(true);
  }, 240_000);
});
