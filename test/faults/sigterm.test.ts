/**
 * Issue 3, "Nothing is lost" / graceful shutdown, against the real `kugetsu serve`: SIGTERM during
 * an agent run either lets the run finish (grace longer than the run) or checkpoints the job as
 * interrupted (short grace) so that it completes after the next start; either way the process
 * exits 0, answers 503 to deliveries meanwhile, and the issue keeps one status comment.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isGone } from '../agents/support.js';
import { liveCounts, readStore } from './support/db.js';
import { postDelivery } from './support/deliveries.js';
import { pollUntil } from './support/poll.js';
import { ensureStopped, logTail, readLogLines, startServer, terminate, type ServerProcess } from './support/server-process.js';
import { agentCommand, agentRuns, baseEnv, commentDelivery, createWorld, SECRET, statusComments, unfinishedRuns, type FaultWorld } from './support/world.js';

let world: FaultWorld | undefined;
const servers: ServerProcess[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await ensureStopped(s);
  await world?.close();
  world = undefined;
});

/** Waits (bounded) until the fake agent has written its `start` line for job `jobId`. */
async function agentStarted(w: FaultWorld, server: ServerProcess, jobId: string) {
  return pollUntil(() => agentRuns(w.runLog).find((r) => r.phase === 'start' && r.job === jobId), {
    timeoutMs: 15_000,
    intervalMs: 25,
    what: `the agent of job ${jobId} to start`,
    diagnose: () => logTail(server.logFile),
  });
}

/** Waits (bounded) until `GET /healthz` answers 503 "draining": the server has handled SIGTERM. */
async function drainingSeen(server: ServerProcess) {
  return pollUntil(
    async () => {
      const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      const json = (await res.json()) as { status?: string };
      return res.status === 503 && json.status === 'draining' ? json : undefined;
    },
    { timeoutMs: 2_000, intervalMs: 10, what: 'GET /healthz → 503 draining', diagnose: () => logTail(server.logFile) },
  );
}

describe('SIGTERM during an agent run', () => {
  it('with a grace longer than the run: the run finishes, new deliveries get 503, exit 0, the job succeeded', async () => {
    const w = (world = await createWorld({ issues: 2, prefix: 'kugetsu-term-a-' }));
    const AGENT_MS = 3000;
    const env = baseEnv(w, { KUGETSU_AGENT_COMMAND: JSON.stringify(agentCommand(w, AGENT_MS)), KUGETSU_SHUTDOWN_GRACE_S: '20' });
    const server = await startServer({ env, logFile: path.join(w.tmp, 'server.log') });
    servers.push(server);

    const first = await postDelivery(server.url, commentDelivery(w, 1, 'long task'), SECRET);
    expect(first.status).toBe(202);
    const jobId = String(first.json!.job);
    const run = await agentStarted(w, server, jobId);

    const t0 = Date.now();
    server.kill('SIGTERM');
    // While draining (the health check says so once the signal is handled), a delivery gets 503
    // and nothing is stored for it.
    await drainingSeen(server);
    const during = await postDelivery(server.url, { ...commentDelivery(w, 2, 'during shutdown'), delivery: 'during-shutdown-a' }, SECRET);
    expect({ status: during.status, json: during.json }).toMatchObject({ status: 503, json: { status: 'rejected', reason: expect.stringContaining('shutting down') } });

    const exit = await server.waitExit(AGENT_MS + 15_000);
    const tookMs = Date.now() - t0;
    expect(exit.code, logTail(server.logFile)).toBe(0);
    // It waited for the agent: the agent wrote its end line before the process exited.
    const ended = agentRuns(w.runLog).filter((r) => r.phase === 'end' && r.job === jobId);
    expect(ended.map((r) => r.pid)).toEqual([run.pid]);

    const snap = await readStore(w.dbFile);
    expect(snap.jobs.map((j) => ({ id: j.id, state: j.state, attempt: j.attempt, note: j.note }))).toEqual([{ id: jobId, state: 'succeeded', attempt: 1, note: undefined }]);
    expect(snap.history.get(jobId)!.map((e) => e.state)).toEqual(['queued', 'running', 'succeeded']);
    expect(snap.deliveries.map((d) => d.id)).not.toContain('during-shutdown-a');
    expect(snap.outbox).toEqual({ pending: 0, failed: 0 });
    expect(statusComments(w.fake).map((s) => ({ job: s.job, state: s.state }))).toEqual([{ job: jobId, state: 'succeeded' }]);
    console.log(`[faults] SIGTERM, long grace: ${JSON.stringify({ agentMs: AGENT_MS, exitAfterSigtermMs: tookMs, exit })}`);
  }, 60_000);

  it('with a short grace: the agent is stopped, the job checkpointed (queued, attempt 2, noted in its comment), exit 0; after a restart it completes in the same comment', async () => {
    const w = (world = await createWorld({ issues: 2, prefix: 'kugetsu-term-b-' }));
    const AGENT_MS = 5000;
    const GRACE_S = 1;
    const env = baseEnv(w, { KUGETSU_AGENT_COMMAND: JSON.stringify(agentCommand(w, AGENT_MS)), KUGETSU_SHUTDOWN_GRACE_S: String(GRACE_S) });
    const server = await startServer({ env, logFile: path.join(w.tmp, 'server-1.log') });
    servers.push(server);

    const first = await postDelivery(server.url, commentDelivery(w, 1, 'long task'), SECRET);
    expect(first.status).toBe(202);
    const jobId = String(first.json!.job);
    const run = await agentStarted(w, server, jobId);
    await pollUntil(() => statusComments(w.fake).some((s) => s.job === jobId && s.state === 'running'), { timeoutMs: 5_000, what: 'status comment "running"' });

    const t0 = Date.now();
    server.kill('SIGTERM');
    const lateSpec = { ...commentDelivery(w, 2, 'sent during shutdown'), delivery: 'during-shutdown-b' };
    await drainingSeen(server);
    const during = await postDelivery(server.url, lateSpec, SECRET);
    expect({ status: during.status, json: during.json }).toMatchObject({ status: 503, json: { status: 'rejected' } });

    // Exit 0 within the grace plus the agent kill time (SIGTERM, SIGKILL after 5 s) plus slack.
    const exit = await server.waitExit(GRACE_S * 1000 + 5_000 + 5_000);
    const tookMs = Date.now() - t0;
    expect(exit.code, logTail(server.logFile)).toBe(0);
    expect(tookMs).toBeLessThan(GRACE_S * 1000 + 5_000 + 3_000);
    expect(tookMs).toBeGreaterThanOrEqual(GRACE_S * 1000 - 100);
    expect(isGone(run.pid)).toBe(true);
    expect(unfinishedRuns(w.runLog).map((r) => r.pid)).toEqual([run.pid]); // killed before its end line

    // Checked softly, so that a failed checkpoint still lets the restart below be checked too.
    const checkpoint = await readStore(w.dbFile);
    const job = checkpoint.jobs.find((j) => j.id === jobId)!;
    expect.soft({ state: job.state, attempt: job.attempt }).toEqual({ state: 'queued', attempt: 2 });
    expect.soft(job.note ?? '(no note)').toMatch(/Interrupted because kugetsu was shut down during attempt 1/);
    expect.soft(checkpoint.jobs).toHaveLength(1);
    expect.soft(checkpoint.deliveries.map((d) => d.id)).not.toContain('during-shutdown-b');
    // The status comment was updated before the exit: queued again, with the interruption note.
    const [comment, ...others] = statusComments(w.fake);
    expect(comment).toBeDefined();
    expect.soft(others).toEqual([]);
    expect.soft({ job: comment!.job, state: comment!.state }).toEqual({ job: jobId, state: 'queued' });
    expect.soft(comment!.body).toContain('Interrupted because kugetsu was shut down');
    const checkpointLog = readLogLines(server.logFile).find((l) => l.msg === 'job checkpointed for the next start');
    expect.soft(checkpointLog).toMatchObject({ job: jobId, state: 'queued', attempt: 2 });

    // Restart: the job resumes as attempt 2 and completes; the 503'd delivery, redelivered (new id), runs too.
    const again = await startServer({ env, logFile: path.join(w.tmp, 'server-2.log') });
    servers.push(again);
    const restartT0 = Date.now();
    const redelivered = await postDelivery(again.url, { ...lateSpec, delivery: 'redelivered-b' }, SECRET);
    expect(redelivered.status).toBe(202);
    await pollUntil(
      () => {
        const c = liveCounts(w.dbFile);
        return c && c.total === 2 && c.states.succeeded === 2 && c.outboxPending === 0;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'both jobs succeeded, outbox empty', diagnose: () => `${JSON.stringify(liveCounts(w.dbFile))}\n${logTail(again.logFile)}` },
    );
    const completedMs = Date.now() - restartT0;
    const stop = await terminate(again, 15_000);
    expect(stop.code, logTail(again.logFile)).toBe(0);

    const snap = await readStore(w.dbFile);
    const done = snap.jobs.find((j) => j.id === jobId)!;
    expect({ state: done.state, attempt: done.attempt }).toEqual({ state: 'succeeded', attempt: 2 });
    expect(snap.history.get(jobId)!.map((e) => e.state)).toEqual(['queued', 'running', 'queued', 'running', 'succeeded']);
    const runs = agentRuns(w.runLog).filter((r) => r.job === jobId);
    expect(runs.map((r) => r.phase)).toEqual(['start', 'start', 'end']);
    // Still one status comment for the job — the same comment, edited — now showing succeeded.
    const finalComments = statusComments(w.fake).filter((s) => s.job === jobId);
    expect(finalComments.map((s) => ({ commentId: s.commentId, state: s.state }))).toEqual([{ commentId: comment!.commentId, state: 'succeeded' }]);
    expect(statusComments(w.fake)).toHaveLength(2);
    console.log(`[faults] SIGTERM, short grace: ${JSON.stringify({ agentMs: AGENT_MS, graceS: GRACE_S, exitAfterSigtermMs: tookMs, exit, completedAfterRestartMs: completedMs })}`);
  }, 60_000);

  it('with a short grace and an agent that ignores SIGTERM: no agent outlives the exit, exit 0 within grace + kill grace, the job checkpointed', async () => {
    const w = (world = await createWorld({ issues: 1, prefix: 'kugetsu-term-c-' }));
    const GRACE_S = 1;
    const KILL_GRACE_MS = 5_000; // run-process.ts default: SIGTERM to the group, SIGKILL 5 s later (or at exit)
    const env = baseEnv(w, { KUGETSU_AGENT_COMMAND: JSON.stringify(agentCommand(w, 20_000, { ignoreTerm: true })), KUGETSU_SHUTDOWN_GRACE_S: String(GRACE_S) });
    const server = await startServer({ env, logFile: path.join(w.tmp, 'server.log') });
    servers.push(server);
    const first = await postDelivery(server.url, commentDelivery(w, 1, 'stubborn task'), SECRET);
    expect(first.status).toBe(202);
    const jobId = String(first.json!.job);
    const run = await agentStarted(w, server, jobId);
    try {
      const stop = await terminate(server, GRACE_S * 1000 + KILL_GRACE_MS + 10_000);
      const agentAliveAtExit = !isGone(run.pid);
      console.log(
        `[faults] SIGTERM, short grace, agent ignores SIGTERM: ${JSON.stringify({ graceS: GRACE_S, exitAfterSigtermMs: stop.tookMs, code: stop.code, agentAliveAtExit })}`,
      );
      expect(stop.code, logTail(server.logFile)).toBe(0);
      expect.soft(agentAliveAtExit, 'the agent process outlived kugetsu serve').toBe(false);
      expect.soft(stop.tookMs).toBeLessThan(GRACE_S * 1000 + KILL_GRACE_MS + 5_000);
      const snap = await readStore(w.dbFile);
      const job = snap.jobs.find((j) => j.id === jobId)!;
      expect.soft({ state: job.state, attempt: job.attempt }).toEqual({ state: 'queued', attempt: 2 });
      expect(agentRuns(w.runLog).filter((r) => r.phase === 'end')).toEqual([]);
    } finally {
      // Whatever kugetsu did, leave no agent behind (it is this test's grandchild, known by pid).
      if (!isGone(run.pid)) process.kill(run.pid, 'SIGKILL');
    }
  }, 60_000);
});
