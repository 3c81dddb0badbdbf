/**
 * Issue 12, "one engine for one machine or many", on PostgreSQL with real processes: one
 * `kugetsu serve --no-worker` (ingress only) and three `kugetsu worker` processes
 * (`KUGETSU_MAX_AGENTS=2` each, each with a state dir of its own, as on three machines). One
 * person labels 30 issues; follow-up comments go to five of them; one worker is SIGKILLed (with its
 * agents, as when its machine dies) while it runs turns. Then: every accepted delegation completed
 * exactly once, follow-ups continued their sessions (on another worker too), per-issue order held,
 * no worker ran more than two agents at once, one status comment per delegation, and the dead
 * worker's turns resumed elsewhere within 60 s.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import type { Job } from '../../src/domain/job.js';
import { FAKE_AGENT, isGone } from '../agents/support.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { sendBurst, type DeliverySpec } from './support/deliveries.js';
import { pollUntil } from './support/poll.js';
import { freePort } from '../support/free-port.js';
import { ensureStopped, logTail, startServer, terminate, type ServerProcess } from './support/server-process.js';
import { baseEnv, commentDelivery, createWorld, labelDelivery, SECRET, statusComments, type FaultWorld } from './support/world.js';

const ISSUES = 30;
const WORKERS = ['w1', 'w2', 'w3'] as const;
const SLOTS = 2;
const FOLLOW_UPS = 5;

const database = usePostgresDatabase();
let world: FaultWorld | undefined;
const processes: ServerProcess[] = [];

afterEach(async () => {
  for (const p of processes.splice(0)) await ensureStopped(p);
  if (world) {
    // Agents of killed processes live on in their own process groups: stop them before the temp dir goes.
    const log = world.runLog;
    const all = existsSync(log) ? readRuns(readFileSync(log, 'utf8')) : [];
    const ended = new Set(all.filter((r) => r.phase === 'end').map((r) => r.pid));
    for (const r of all.filter((x) => x.phase === 'start' && !ended.has(x.pid))) killGroup(r.pid);
    await pollUntil(() => all.every((r) => isGone(r.pid)), { timeoutMs: 10_000, what: 'agents gone' }).catch(() => undefined);
    await world.close();
  }
  world = undefined;
});

/** SIGKILLs the process group `pid` leads (an agent and its children), or the process alone. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** One line of this test's agent log. */
interface Run {
  phase: 'start' | 'end';
  issueKey: string;
  message: string;
  /** The session the turn was given (`KUGETSU_SESSION_ID`, empty on a first turn). */
  sessionIn: string;
  worker: string;
  job: string;
  pid: number;
  atMs: number;
}

/**
 * The agent: logs `start`, works 1.5–2.5 s, leaves a session id of its own (`s-<pid>`) and logs
 * `end`. `WORKER_NAME` reaches it through `KUGETSU_AGENT_ENV`.
 */
function agentArgv(runLog: string, fakeAgent: string): string[] {
  const fields = '${KUGETSU_ISSUE_KEY}|${KUGETSU_MESSAGE}|${KUGETSU_SESSION_ID}|${WORKER_NAME}|${KUGETSU_PROMPT_FILE}|${PID}|${NOW}';
  return ['node', fakeAgent, `append:${runLog}:start|${fields}`, 'sleep-between:1500:2500', 'session:s-${PID}', `append:${runLog}:end|${fields}`];
}

function readRuns(text: string): Run[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [phase, issueKey, message, sessionIn, worker, prompt, pid, at] = line.split('|');
      return {
        phase: phase as Run['phase'],
        issueKey: issueKey!,
        message: message!,
        sessionIn: sessionIn!,
        worker: worker!,
        job: /job-(\d+)\.md$/.exec(prompt ?? '')?.[1] ?? '?',
        pid: Number(pid),
        atMs: Number(at),
      };
    });
}

/** Job counts by state and pending outbox items, read from PostgreSQL. */
async function counts(url: string): Promise<{ states: Record<string, number>; outboxPending: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const states: Record<string, number> = {};
    for (const row of (await client.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM jobs GROUP BY state')).rows) states[row.state] = Number(row.n);
    const outbox = await client.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE state = 'pending'");
    return { states, outboxPending: Number(outbox.rows[0]!.n) };
  } finally {
    await client.end();
  }
}

describe('three workers and one ingress on PostgreSQL, one worker killed', () => {
  it('completes every delegation exactly once, in order per issue, within the caps, with sessions that travel and a takeover within 60 s', async () => {
    const w = (world = await createWorld({ issues: ISSUES, prefix: 'kugetsu-workers-' }));
    const runs = () => (existsSync(w.runLog) ? readRuns(readFileSync(w.runLog, 'utf8')) : []);
    const url = database.url;
    const common: Record<string, string> = {
      ...baseEnv(w, {}),
      KUGETSU_DATABASE_URL: url,
      KUGETSU_AGENT_COMMAND: JSON.stringify(agentArgv(w.runLog, FAKE_AGENT)),
      KUGETSU_AGENT_ENV: 'WORKER_NAME',
      KUGETSU_MAX_AGENTS: String(SLOTS),
    };
    const dirFor = (name: string) => {
      const dir = path.join(w.tmp, `state-${name}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    const ingress = await startServer({ args: ['serve', '--no-worker'], env: { ...common, KUGETSU_STATE_DIR: dirFor('ingress') }, logFile: path.join(w.tmp, 'ingress.log') });
    processes.push(ingress);
    const workers = new Map<string, ServerProcess>();
    for (const name of WORKERS) {
      // A worker needs no webhook secret: it never answers a delivery.
      const { KUGETSU_WEBHOOK_SECRET: _unused, ...workerEnv } = common;
      const p = await startServer({
        args: ['worker'],
        env: { ...workerEnv, KUGETSU_STATE_DIR: dirFor(name), WORKER_NAME: name },
        logFile: path.join(w.tmp, `${name}.log`),
        port: await freePort(),
      });
      processes.push(p);
      workers.set(name, p);
    }
    const logs = () => [ingress, ...workers.values()].map((p) => logTail(p.logFile, 15)).join('\n');

    // 30 labels by one person, as fast as the ingress takes them.
    const labelOutcomes = await sendBurst(
      ingress.url,
      w.issues.map((i) => labelDelivery(w, i.number)),
      SECRET,
      { concurrency: 6 },
    );
    // 202 accepted, or 202 deferred when the read-back had to wait (admitted once Gitea answers).
    expect(labelOutcomes.map((o) => `${o.status} ${o.json?.status === 'deferred' ? 'accepted' : o.json?.status}`)).toEqual(w.issues.map(() => '202 accepted'));

    // Once w1 finished a turn and runs two others: follow-ups go to five issues — those w1 finished
    // first (their next turn must run elsewhere) — and then w1 dies with its agents.
    const victim = 'w1';
    const ready = await pollUntil(
      () => {
        const all = runs();
        const ended = all.filter((r) => r.phase === 'end' && r.worker === victim);
        const endedPids = new Set(all.filter((r) => r.phase === 'end').map((r) => r.pid));
        const running = all.filter((r) => r.phase === 'start' && r.worker === victim && !endedPids.has(r.pid));
        return ended.length >= 1 && running.length >= 1 ? { ended, running } : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: `${victim} finished one turn and runs another`, diagnose: logs },
    );
    const finishedByVictim = [...new Set(ready.ended.map((r) => r.issueKey))];
    const runningIssues = new Set(ready.running.map((r) => r.issueKey));
    const others = w.issues.map((i) => `acme/app#${i.number}`).filter((k) => !finishedByVictim.includes(k) && !runningIssues.has(k));
    const followUpIssues = [...finishedByVictim.slice(0, FOLLOW_UPS), ...others].slice(0, FOLLOW_UPS).map((k) => Number(k.split('#')[1]));
    const followUps: DeliverySpec[] = followUpIssues.flatMap((n) => [commentDelivery(w, n, `follow-up one on #${n}`), commentDelivery(w, n, `follow-up two on #${n}`)]);
    const followOutcomes = await sendBurst(ingress.url, followUps, SECRET, { concurrency: 2 });
    expect(followOutcomes.map((o) => `${o.status} ${o.json?.status === 'deferred' ? 'accepted' : o.json?.status}`)).toEqual(followUps.map(() => '202 accepted'));

    const dying = workers.get(victim)!;
    const orphans = await pollUntil(
      () => {
        const all = runs();
        const endedNow = new Set(all.filter((r) => r.phase === 'end').map((r) => r.pid));
        const running = all.filter((r) => r.phase === 'start' && r.worker === victim && !endedNow.has(r.pid));
        if (running.length === 0) return undefined;
        dying.kill('SIGKILL');
        return running;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: `${victim} runs a turn`, diagnose: logs },
    );
    for (const r of orphans) killGroup(r.pid); // as the machine's death would
    const killedAt = Date.now();
    await dying.waitExit(5_000);
    expect(orphans.length).toBeGreaterThan(0);

    // Everything finishes on the two that are left.
    const total = ISSUES + followUps.length;
    await pollUntil(
      async () => {
        const c = await counts(url);
        return c.states.succeeded === total && c.outboxPending === 0 ? c : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 500, what: `all ${total} jobs succeeded and the outbox empty`, diagnose: () => logs() },
    );
    for (const name of WORKERS) if (name !== victim) await terminate(workers.get(name)!, 20_000);
    await terminate(ingress, 20_000);

    const store = await openPostgresStore({ url, schema: 'require-current' });
    let jobs: Job[];
    try {
      jobs = (await store.recent(1000)).sort((a, b) => Number(a.id) - Number(b.id));
    } finally {
      await store.close();
    }
    expect(jobs).toHaveLength(total);
    expect(jobs.every((j) => j.state === 'succeeded')).toBe(true);
    expect(new Set(jobs.map((j) => j.deliveryId)).size).toBe(total);

    const all = runs();
    const ends = all.filter((r) => r.phase === 'end');
    // Exactly once: every job's turn completed, and a turn ran again only when its job was taken
    // over from the killed worker as its next attempt — cut short by the kill, or finished by the
    // agent just before the worker died without recording it.
    const starts = all.filter((r) => r.phase === 'start');
    const takenOver = new Set(jobs.filter((j) => j.attempt > 1).map((j) => j.id));
    expect([...new Set(ends.map((r) => r.job))].sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const j of jobs) {
      const runsOf = { starts: starts.filter((r) => r.job === j.id).length, ends: ends.filter((r) => r.job === j.id).length };
      // A taken-over job's turn started once more — unless the worker died while it was still
      // preparing the worktree, before the agent started: then its one start is the takeover's.
      const expected = takenOver.has(j.id) ? { starts: runsOf.starts === 1 ? 1 : 2, ends: runsOf.ends === 2 ? 2 : 1 } : { starts: 1, ends: 1 };
      expect(runsOf, `turns of job ${j.id} (attempt ${j.attempt})`).toEqual(expected);
      if (takenOver.has(j.id) && runsOf.starts === 1) expect(starts.find((r) => r.job === j.id)!.worker, `job ${j.id}: its only turn ran after the takeover`).not.toBe(victim);
    }
    for (const r of orphans) expect(takenOver.has(r.job), `job ${r.job}, cut short by the kill, was taken over`).toBe(true);

    // The dead worker's turns resumed elsewhere, within 60 s of its death, as their next attempt.
    const takeoverMs = [...takenOver].map((job) => starts.filter((r) => r.job === job).at(-1)!.atMs - killedAt);
    console.log(
      `[multi-worker] ${total} jobs; turns per worker ${JSON.stringify(Object.fromEntries(WORKERS.map((n) => [n, starts.filter((s) => s.worker === n).length])))}; ${takenOver.size} turns of the killed worker resumed after ${takeoverMs.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')}`,
    );
    for (const job of takenOver) {
      const turns = starts.filter((r) => r.job === job);
      const rerun = turns.at(-1);
      if (turns.length === 2) expect(turns[0]!.worker).toBe(victim);
      expect(rerun!.worker).not.toBe(victim);
      expect(rerun!.atMs - killedAt, `takeover of job ${job}`).toBeLessThanOrEqual(60_000);
      expect(jobs.find((x) => x.id === job)!.attempt).toBe(2);
    }

    // Per-issue order: the turn that counted of each job (its last); an issue's turns never overlap
    // and run in the order they were asked for.
    const completed = jobs.map((j) => {
      const start = starts.filter((r) => r.job === j.id).at(-1)!;
      return { start, end: ends.find((e) => e.pid === start.pid)! };
    });
    for (const issue of new Set(jobs.map((j) => j.issueKey))) {
      const mine = completed.filter((c) => c.start.issueKey === issue).sort((a, b) => a.start.atMs - b.start.atMs);
      expect(mine.map((c) => Number(c.start.job))).toEqual(jobs.filter((j) => j.issueKey === issue).map((j) => Number(j.id)));
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.start.atMs).toBeGreaterThanOrEqual(mine[i - 1]!.end.atMs);
      // Sessions continue: each follow-up got the session its issue's previous turn left.
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.start.sessionIn, `session of ${issue} turn ${i + 1}`).toBe(`s-${mine[i - 1]!.end.pid}`);
    }
    const crossed = followUpIssues.some((n) => {
      const mine = completed.filter((c) => c.start.issueKey === `acme/app#${n}`).sort((a, b) => a.start.atMs - b.start.atMs);
      return mine.some((c, i) => i > 0 && c.start.worker !== mine[i - 1]!.start.worker);
    });
    expect(crossed, 'a follow-up continued its session on another worker').toBe(true);

    // No worker ran more than its two agents at once (agents cut short count until the kill).
    for (const name of WORKERS) {
      const edges = starts
        .filter((s) => s.worker === name)
        .flatMap((s) => {
          const end = ends.find((e) => e.pid === s.pid)?.atMs ?? killedAt;
          return [
            { at: s.atMs, d: 1 },
            { at: end, d: -1 },
          ];
        })
        .sort((a, b) => a.at - b.at || a.d - b.d);
      let now = 0;
      let most = 0;
      for (const e of edges) most = Math.max(most, (now += e.d));
      expect(most, `agents at once on ${name}`).toBeLessThanOrEqual(SLOTS);
    }
    expect(new Set(starts.map((s) => s.worker))).toEqual(new Set(WORKERS));

    // One status comment per delegation, each ending succeeded; the taken-over ones say so.
    const comments = statusComments(w.fake);
    expect(comments.map((c) => c.job).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(comments.every((c) => c.state === 'succeeded')).toBe(true);
    for (const job of takenOver) expect(comments.find((c) => c.job === job)!.body).toMatch(/stopped answering/);
    // Each status comment was created once (no outbox item sent twice by two workers).
    const creates = w.fake.calls.filter(
      (c) => c.method === 'POST' && /\/issues\/\d+\/comments$/.test(c.path) && c.status < 300 && String((c.body as { body?: string })?.body ?? '').includes('kugetsu:status'),
    );
    expect(creates).toHaveLength(total);
  }, 240_000);
});
