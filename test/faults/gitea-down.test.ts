/**
 * Issue 3, "Nothing is lost" / the outbox: while the fake Gitea answers 503, drops connections,
 * is down altogether, or loses the answer to a write it made, jobs keep running and the service
 * keeps answering; when Gitea is back every status update arrives — one status comment per
 * delegation, showing its final state — and the writes of one issue arrive in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { FakeGiteaCall } from '../../src/sandbox/fake-gitea.js';
import { createService, type Service } from '../../src/service.js';
import type { Job } from '../../src/domain/job.js';
import { memoryLogger } from '../support/test-logger.js';
import { giteaHeaders } from '../support/signed-request.js';
import { pollUntil, sleep } from './support/poll.js';
import { agentCommand, commentDelivery, createWorld, SECRET, shownState, statusComments, type FaultWorld } from './support/world.js';

let world: FaultWorld | undefined;
let service: Service | undefined;

afterEach(async () => {
  await service?.stop(5_000);
  service = undefined;
  await world?.close();
  world = undefined;
});

/**
 * Delivers a `/kugetsu` comment on issue `n` through the service's HTTP app and expects `answer`
 * (202 `accepted`, or 202 `deferred` while Gitea cannot confirm it); returns the job id when
 * accepted, else the comment id.
 */
async function command(w: FaultWorld, s: Service, n: number, text: string, answer: 'accepted' | 'deferred' = 'accepted'): Promise<string> {
  const spec = commentDelivery(w, n, text);
  const res = await s.app.request('/webhooks/gitea', { method: 'POST', body: spec.body, headers: giteaHeaders(spec.body, 'issue_comment', { secret: SECRET }) });
  const json = (await res.json()) as Record<string, string>;
  expect({ status: res.status, json: json.status }).toEqual({ status: 202, json: answer });
  return answer === 'accepted' ? json.job! : String(spec.tag!['commentId']);
}

/** Waits (bounded) until none of `jobs` is queued or running; returns them as stored. */
async function finished(s: Service, ids: string[], timeoutMs: number): Promise<Job[]> {
  return pollUntil(
    async () => {
      const jobs = await Promise.all(ids.map((id) => s.store.get(id)));
      return jobs.every((j) => j && j.state !== 'queued' && j.state !== 'running') ? (jobs as Job[]) : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `jobs ${ids.join(',')} finished` },
  );
}

const RANK: Record<string, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, canceled: 2 };
const ok = (c: FakeGiteaCall) => c.status >= 200 && c.status < 300;

describe('Gitea returns 503, drops connections, is down, loses answers', () => {
  it('jobs run on; afterwards every status update arrives, one status comment per delegation, in order per issue', async () => {
    const w = (world = await createWorld({ issues: 3, prefix: 'kugetsu-down-' }));
    const fake = w.fake;
    const logs = memoryLogger();
    const config = loadConfig(
      {
        GITEA_URL: w.gitea.url,
        GITEA_TOKEN: fake.token,
        KUGETSU_WEBHOOK_SECRET: SECRET,
        KUGETSU_STATE_DIR: w.stateDir,
        KUGETSU_AGENT: 'command',
        KUGETSU_AGENT_COMMAND: JSON.stringify(agentCommand(w, 300)),
        KUGETSU_RECONCILE_INTERVAL_S: '0',
        KUGETSU_RATE_LIMIT_SENDER: '0',
        KUGETSU_MAX_AGENTS: '3',
        PATH: process.env.PATH,
        HOME: w.tmp,
        // The fake agents log to a file outside their worktree (see agentCommand).
        KUGETSU_AGENT_SANDBOX: 'off',
      },
      w.tmp,
    );
    const s = (service = createService(config, { logger: logs.logger, outboxBackoff: { baseMs: 50, maxMs: 400 }, deferredRetry: { pollMs: 50, baseMs: 100, maxMs: 400 } }));
    await s.start();
    const health = async () => (await s.app.request('/healthz')).status;

    // Phase 1 — writes fail, reads work: every POST answers 503, every PATCH and DELETE is dropped.
    fake.injectFault({ method: 'POST', status: 503, times: Infinity });
    fake.injectFault({ method: 'PATCH', drop: true, times: Infinity });
    fake.injectFault({ method: 'DELETE', status: 503, times: Infinity });
    const phase1: string[] = [];
    for (let round = 0; round < 2; round++) for (const issue of w.issues) phase1.push(await command(w, s, issue.number, `round ${round} on #${issue.number}`));
    const ran = await finished(s, phase1, 30_000);
    expect(ran.map((j) => j.state)).toEqual(phase1.map(() => 'succeeded'));
    expect(statusComments(fake)).toEqual([]); // nothing got through yet
    const failedWrites1 = fake.calls.filter((c) => c.method !== 'GET' && !ok(c)).length;
    expect(failedWrites1).toBeGreaterThan(0);
    expect(await health()).toBe(200);

    // Phase 2 — Gitea down altogether (every connection dropped): two more commands arrive. kugetsu
    // cannot confirm them with Gitea, so it keeps them (202 deferred) instead of admitting them on
    // the payload's word, and acts on them once Gitea answers.
    fake.clearFaults();
    fake.goDown();
    const downAt = Date.now();
    const deferredComments = [await command(w, s, 1, 'while down on #1', 'deferred'), await command(w, s, 2, 'while down on #2', 'deferred')];
    // Stay down a while: the outbox and the confirmations back off to their caps and keep retrying.
    await sleep(2_000);
    expect(await health()).toBe(200);
    expect(statusComments(fake)).toEqual([]);
    expect(await s.store.deferredCount()).toBe(2);

    // Phase 3 — back up, but the first status-comment create is applied and its answer lost, and
    // the next two writes of any kind answer 503 / drop.
    fake.injectFault({ loseResponse: true, times: 1, method: 'POST', path: /^\/repos\/acme\/app\/issues\/\d+\/comments$/ });
    fake.failNext(1, 503);
    fake.failNext(1, 'drop');
    const upAt = fake.calls.length;
    const heldDownMs = Date.now() - downAt;
    fake.goUp();
    await pollUntil(async () => (await s.store.deferredCount()) === 0 || undefined, { timeoutMs: 15_000, intervalMs: 50, what: 'deferred deliveries confirmed' });
    const phase2 = (await s.store.recent(50))
      .filter((j) => deferredComments.includes(String(j.commentId)))
      .map((j) => j.id)
      .sort((a, b) => Number(a) - Number(b));
    expect(phase2).toHaveLength(2);
    const ran2 = await finished(s, phase2, 30_000);
    await s.idle(30_000);
    expect(await s.store.outboxCounts()).toEqual({ pending: 0, failed: 0 });
    const lost = fake.calls.filter((c) => c.lost);
    expect(lost).toHaveLength(1);

    // One status comment per delegation, each showing its job's final state.
    const all = [...phase1, ...phase2];
    const jobs = await Promise.all(all.map(async (id) => (await s.store.get(id))!));
    const status = statusComments(fake);
    const byJob = (a: { job: string }, b: { job: string }) => Number(a.job) - Number(b.job);
    expect(status.map((c) => ({ job: c.job, issue: c.issue, state: c.state })).sort(byJob)).toEqual(
      jobs.map((j) => ({ job: j.id, issue: j.issueNumber, state: j.state })).sort(byJob),
    );
    for (const j of jobs) expect(fake.comments.get(j.commentId!)!.reactions.map((r) => r.content)).toEqual(['eyes']);
    expect(status.every((c) => c.state !== 'queued' && c.state !== 'running')).toBe(true);

    // Writes per issue arrived in order (successful writes, as the fake logged them).
    const calls = fake.calls;
    for (const issue of w.issues) {
      const mine = jobs.filter((j) => j.issueNumber === issue.number).map((j) => j.id);
      const writes = calls.filter(ok).flatMap((c) => {
        const job = statusWriteJob(c) ?? reactionJob(c, jobs);
        return job && mine.includes(job) ? [{ call: c, job, kind: c.path.endsWith('/reactions') ? 'reaction' : 'status' }] : [];
      });
      // Status comments are created in job order, and each job's create precedes its 👀.
      const creates = writes.filter((x) => x.kind === 'status' && x.call.method === 'POST').map((x) => x.job);
      expect(creates, `status comment creates on #${issue.number}`).toEqual(mine);
      const reactions = writes.filter((x) => x.kind === 'reaction').map((x) => x.job);
      expect(reactions, `reactions on #${issue.number}`).toEqual(mine);
      for (const id of mine) {
        const first = writes.findIndex((x) => x.job === id);
        expect(writes[first]!.kind, `first write of job ${id}`).toBe('status');
        // A later write never shows an earlier state (queued → running → final).
        const ranks = writes.filter((x) => x.job === id && x.kind === 'status').map((x) => RANK[shownState(String((x.call.body as { body?: string })?.body ?? ''))] ?? -1);
        expect(ranks, `states written for job ${id}`).toEqual([...ranks].sort((a, b) => a - b));
        expect(ranks.at(-1)).toBe(2);
      }
    }

    // No crash: the service still answers, and nothing was logged as a crash.
    expect(await health()).toBe(200);
    const crashes = logs.lines.filter((l) => l.msg === 'job crashed' || /could not read the outbox/.test(String(l.msg)));
    expect(crashes).toEqual([]);

    const report = {
      jobs: jobs.map((j) => `${j.id}:${j.issueNumber}:${j.state}${j.result?.failedPhase ? `(${j.result.failedPhase})` : ''}`),
      failedWritesWhile503: failedWrites1,
      droppedWhileDown: calls.slice(0, upAt).filter((c) => c.status === 0).length,
      lostResponses: lost.map(({ method, path, status }) => ({ method, path, status })),
      heldDownMs,
      writesAfterUp: calls.slice(upAt).filter((c) => c.method !== 'GET').length,
      phase2States: ran2.map((j) => j.state),
    };
    console.log(`[faults] gitea down: ${JSON.stringify(report)}`);
  }, 60_000);
});

/** The job id a status-comment write (create or edit) is for, read from the marker in its body. */
function statusWriteJob(call: FakeGiteaCall): string | undefined {
  if (call.method !== 'POST' && call.method !== 'PATCH') return undefined;
  if (!/^\/repos\/acme\/app\/issues\/(\d+\/comments|comments\/\d+)$/.test(call.path)) return undefined;
  const body = (call.body as { body?: string } | undefined)?.body ?? '';
  return /<!-- kugetsu:status job=(\d+) /.exec(body)?.[1];
}

/** The job id a 👀 reaction is for: the job made from that command comment. */
function reactionJob(call: FakeGiteaCall, jobs: Job[]): string | undefined {
  const m = /^\/repos\/acme\/app\/issues\/comments\/(\d+)\/reactions$/.exec(call.path);
  if (call.method !== 'POST' || !m) return undefined;
  return jobs.find((j) => j.commentId === Number(m[1]))?.id;
}
