import path from 'node:path';
import { issueKey } from '../domain/issue-key.js';
import type { Job } from '../domain/job.js';
import type { NewJob } from '../store/job-store.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';
import { msSince } from './stats.js';

/** Measurement 4. */
export interface SchedulerResult {
  jobs: number;
  issues: number;
  slots: number;
  /** Admission of every job, then claim → finish until the queue is empty, with an instant agent. */
  totalMs: number;
  /** The proof run (one random running job finishes between claims). */
  proof: {
    ms: number;
    /** Claims made. */
    events: number;
    /** Checks made after each claim. */
    checks: number;
    /** Checks that found a free slot while a claimable job waited (must be 0). */
    violations: number;
    /** Claims out of their issue's order, or while the issue had a job running (must be 0). */
    orderViolations: number;
    maxRunning: number;
  };
}

/** A small deterministic PRNG (mulberry32), so every run draws the same issues and finish order. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The engine's claim, with nothing limited and no outbox items. */
const claim = (store: SqliteStore, slots: number) => store.claim({ workerId: 'bench', slots, leaseMs: 60_000, limits: () => ({}), claimed: () => [], rateLimited: () => [] });

async function admitAll(store: SqliteStore, issueOf: number[]): Promise<void> {
  const template = (n: number, i: number): NewJob => ({
    issueKey: issueKey('bench', 'app', n),
    repo: { owner: 'bench', name: 'app', fullName: 'bench/app', cloneUrl: '/dev/null', defaultBranch: 'main', htmlUrl: '' },
    issueNumber: n,
    replyTo: n,
    trigger: 'command',
    message: 'go',
    sender: { id: 1 + (i % 50), login: `user${i % 50}` },
    deliveryId: `d-${i}`,
    branch: `kugetsu/issue-${n}`,
    agent: 'command',
  });
  await Promise.all(
    issueOf.map((n, i) =>
      store.admit({ id: `d-${i}`, eventType: 'issue_comment', eventKey: `k-${i}`, receivedAt: new Date().toISOString() }, template(n, i), {
        requireIdleIssue: false,
        outbox: () => [],
      }),
    ),
  );
}

/**
 * Measurement 4, the engine's claims (the SQLite backend, a real file): `jobs` jobs over `issues`
 * issues (drawn at random, seeded), `slots` agent slots.
 * (1) Speed: admit them all, then claim and finish (an instant agent) until none is left; jobs/s.
 * (2) Proof of caps, order and no head-of-line blocking: the same jobs; between claims one random
 * running job finishes. After each claim the check is: all slots busy, or no claimable job waits
 * (an issue whose oldest unfinished job is queued and none of its jobs runs); every claimed job
 * must be its issue's oldest unfinished one, with nothing of its issue running.
 */
export async function measureScheduler(options: { jobs: number; issues: number; slots: number; tmp: string }): Promise<SchedulerResult> {
  const { jobs, issues, slots } = options;
  const draw = random(42);
  const issueOf = Array.from({ length: jobs }, () => 1 + Math.floor(draw() * issues));

  const fast = openSqliteStore({ file: path.join(options.tmp, 'speed.db') });
  let t = process.hrtime.bigint();
  await admitAll(fast, issueOf);
  for (;;) {
    const claimed = await claim(fast, slots);
    if (claimed.length === 0) break;
    await Promise.all(claimed.map((job) => fast.change(job.id, { expect: ['running'], workerId: 'bench', patch: { state: 'succeeded', finishedAt: new Date().toISOString() } })));
  }
  const totalMs = msSince(t);
  await fast.close();

  const store = openSqliteStore({ file: path.join(options.tmp, 'proof.db') });
  await admitAll(store, issueOf);
  const pending = new Map<number, number[]>(); // issue → job ids not finished, in arrival order
  (await store.unfinished()).forEach((job) => {
    const q = pending.get(job.issueNumber) ?? [];
    q.push(Number(job.id));
    pending.set(job.issueNumber, q);
  });
  const running: Job[] = [];
  let events = 0;
  let checks = 0;
  let violations = 0;
  let orderViolations = 0;
  let maxRunning = 0;
  let finished = 0;
  t = process.hrtime.bigint();
  for (;;) {
    const claimed = await claim(store, slots - running.length);
    events++;
    for (const job of claimed) {
      if (pending.get(job.issueNumber)?.[0] !== Number(job.id) || running.some((r) => r.issueNumber === job.issueNumber)) orderViolations++;
      running.push(job);
    }
    maxRunning = Math.max(maxRunning, running.length);
    checks++;
    const claimable = [...pending.entries()].some(([n, q]) => q.length > 0 && !running.some((r) => r.issueNumber === n));
    if (running.length < slots && claimable) violations++;
    if (running.length === 0) break;
    const [done] = running.splice(Math.floor(draw() * running.length), 1);
    await store.change(done!.id, { expect: ['running'], workerId: 'bench', patch: { state: 'succeeded', finishedAt: new Date().toISOString() } });
    pending.get(done!.issueNumber)!.shift();
    finished++;
  }
  const ms = msSince(t);
  await store.close();
  if (finished !== jobs) throw new Error(`scheduler proof: ${finished} of ${jobs} jobs ran`);
  return { jobs, issues, slots, totalMs, proof: { ms, events, checks, violations, orderViolations, maxRunning } };
}
