/**
 * Issue 3, "Nothing is lost" / exactly once, against the real `kugetsu serve`: Gitea's manual
 * Replay re-sends the same body under a new delivery id, and one event fans out to repository and
 * organisation hooks with their own delivery ids (gitea-contract.md §3). None of these may start a
 * second job — not while the first runs, not after it finished, not after a restart.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveCounts, readStore } from './support/db.js';
import { postDelivery, type DeliveryOutcome, type DeliverySpec } from './support/deliveries.js';
import { pollUntil } from './support/poll.js';
import { ensureStopped, logTail, startServer, terminate, type ServerProcess } from './support/server-process.js';
import { agentCommand, baseEnv, commentDelivery, createWorld, labelDelivery, SECRET, statusComments, type FaultWorld } from './support/world.js';

let world: FaultWorld | undefined;
const servers: ServerProcess[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await ensureStopped(s);
  await world?.close();
  world = undefined;
});

/** Waits (bounded) until no job is queued or running and the outbox is empty. */
async function settle(w: FaultWorld, server: ServerProcess) {
  return pollUntil(
    () => {
      const c = liveCounts(w.dbFile);
      return c && c.total > 0 && c.states.queued === 0 && c.states.running === 0 && c.outboxPending === 0 ? c : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'all jobs finished, outbox empty', diagnose: () => logTail(server.logFile) },
  );
}

const summary = (o: DeliveryOutcome) => ({ status: o.status, reason: o.json?.reason as string | undefined, error: o.error });

describe('the same body under a new delivery id, and under the organisation hook header', () => {
  it('is acknowledged 200 "already handled" and starts nothing new, while running, after finishing, and after a restart', async () => {
    const w = (world = await createWorld({ issues: 3, prefix: 'kugetsu-replay-' }));
    const env = baseEnv(w, { KUGETSU_AGENT_COMMAND: JSON.stringify(agentCommand(w, 1500)), KUGETSU_MAX_AGENTS: '3' });
    let server = await startServer({ env, logFile: path.join(w.tmp, 'server-1.log') });
    servers.push(server);
    const post = (spec: DeliverySpec) => postDelivery(server.url, spec, SECRET);

    // A: a /kugetsu comment, delivered by the repository hook.
    const a = commentDelivery(w, 1, 'first request');
    const aFirst = await post({ ...a, delivery: 'a-repo' });
    expect(aFirst.status).toBe(202);
    const jobA = String(aFirst.json!.job);

    // While A's job runs: the same delivery id again, a Replay (new id), the org hook's copy.
    await pollUntil(() => liveCounts(w.dbFile)?.states.running === 1, { timeoutMs: 15_000, what: 'job A running', diagnose: () => logTail(server.logFile) });
    const whileRunning = {
      sameId: summary(await post({ ...a, delivery: 'a-repo' })),
      replay: summary(await post({ ...a, delivery: 'a-replay-1' })),
      orgCopy: summary(await post({ ...a, delivery: 'a-org', target: 'organization' })),
    };
    expect(whileRunning).toEqual({
      sameId: { status: 200, reason: `ignored: delivery a-repo was already handled (job ${jobA})`, error: undefined },
      replay: { status: 200, reason: `ignored: this event was already handled under another delivery (job ${jobA})`, error: undefined },
      orgCopy: { status: 200, reason: `ignored: this event was already handled under another delivery (job ${jobA})`, error: undefined },
    });

    // B: fan-out arriving at the same moment — repository and organisation copies of one comment, concurrently.
    const b = commentDelivery(w, 2, 'second request');
    const fanOut = await Promise.all([
      post({ ...b, delivery: 'b-repo' }),
      post({ ...b, delivery: 'b-org', target: 'organization' }),
      post({ ...b, delivery: 'b-system', target: 'system' }),
    ]);
    expect(fanOut.map((o) => o.status).sort()).toEqual([200, 200, 202]);
    const bWinner = fanOut.find((o) => o.status === 202)!;
    const jobB = String(bWinner.json!.job);
    for (const o of fanOut.filter((x) => x.status === 200)) expect(o.json!.reason).toBe(`ignored: this event was already handled under another delivery (job ${jobB})`);

    // C: a label event (content key = the label's addition in the issue timeline), then its org-hook copy.
    const c = labelDelivery(w, 3);
    const cFirst = await post({ ...c, delivery: 'c-repo' });
    expect(cFirst.status).toBe(202);
    const jobC = String(cFirst.json!.job);
    expect(summary(await post({ ...c, delivery: 'c-org', target: 'organization' }))).toEqual({
      status: 200,
      reason: `ignored: this event was already handled under another delivery (job ${jobC})`,
      error: undefined,
    });

    await settle(w, server);
    // After the jobs finished: replays of all three still start nothing (kugetsu took the label off
    // when C started, so Gitea no longer confirms C's label).
    const afterDone = [
      await post({ ...a, delivery: 'a-replay-2' }),
      await post({ ...b, delivery: 'b-replay-1', target: 'organization' }),
      await post({ ...c, delivery: 'c-replay-1' }),
    ].map(summary);
    expect(afterDone).toEqual([
      { status: 200, reason: `ignored: this event was already handled under another delivery (job ${jobA})`, error: undefined },
      { status: 200, reason: `ignored: this event was already handled under another delivery (job ${jobB})`, error: undefined },
      { status: 200, reason: 'ignored: not confirmed by Gitea: Gitea does not show the trigger label on #3', error: undefined },
    ]);
    const stop1 = await terminate(server, 15_000);
    expect(stop1.code, logTail(server.logFile)).toBe(0);

    // After a restart (the dedupe record is durable): the same again, plus the original ids.
    server = await startServer({ env, logFile: path.join(w.tmp, 'server-2.log') });
    servers.push(server);
    const afterRestart = [
      await post({ ...a, delivery: 'a-repo' }),
      await post({ ...a, delivery: 'a-replay-3', target: 'organization' }),
      await post({ ...b, delivery: 'b-replay-2' }),
      await post({ ...c, delivery: 'c-org-2', target: 'organization' }),
    ].map(summary);
    expect(afterRestart).toEqual([
      { status: 200, reason: `ignored: delivery a-repo was already handled (job ${jobA})`, error: undefined },
      { status: 200, reason: `ignored: this event was already handled under another delivery (job ${jobA})`, error: undefined },
      { status: 200, reason: `ignored: this event was already handled under another delivery (job ${jobB})`, error: undefined },
      { status: 200, reason: 'ignored: not confirmed by Gitea: Gitea does not show the trigger label on #3', error: undefined },
    ]);
    // Give a wrongly started job a moment to show up before counting.
    await new Promise((r) => setTimeout(r, 500));
    const stop2 = await terminate(server, 15_000);
    expect(stop2.code, logTail(server.logFile)).toBe(0);

    const snap = await readStore(w.dbFile);
    expect(snap.jobs.map((j) => ({ id: j.id, issue: j.issueNumber, state: j.state, trigger: j.trigger }))).toEqual([
      { id: jobA, issue: 1, state: 'succeeded', trigger: 'command' },
      { id: jobB, issue: 2, state: 'succeeded', trigger: 'command' },
      { id: jobC, issue: 3, state: 'succeeded', trigger: 'label' },
    ]);
    expect(snap.deliveries.map((d) => d.id).sort()).toEqual(['a-repo', bWinner.spec.delivery, 'c-repo'].sort());
    // Gitea saw one status comment per job, one 👀 per command comment, one label removal.
    expect(statusComments(w.fake).map((s) => ({ job: s.job, issue: s.issue, state: s.state }))).toEqual([
      { job: jobA, issue: 1, state: 'succeeded' },
      { job: jobB, issue: 2, state: 'succeeded' },
      { job: jobC, issue: 3, state: 'succeeded' },
    ]);
    expect(w.fake.comments.get(a.commentId)!.reactions.map((r) => r.content)).toEqual(['eyes']);
    expect(w.fake.comments.get(b.commentId)!.reactions.map((r) => r.content)).toEqual(['eyes']);
    expect(w.fake.issueLabelNames('acme/app', 3)).toEqual(['kugetsu/done']);
    const statusCreates = w.fake.calls.filter((call) => call.method === 'POST' && /\/issues\/\d+\/comments$/.test(call.path) && call.status === 201);
    expect(statusCreates).toHaveLength(3);
    console.log(`[faults] replay: ${JSON.stringify({ jobs: snap.jobs.length, whileRunning, fanOut: fanOut.map(summary), afterDone, afterRestart })}`);
  }, 60_000);
});
