import type { IssueKey } from '../domain/issue-key.js';
import { LocalScheduler } from '../queue/local-scheduler.js';
import { msSince } from './stats.js';

/** Measurement 4. */
export interface SchedulerResult {
  jobs: number;
  issues: number;
  slots: number;
  /** Submit → idle with an agent that resolves after a microtask. */
  totalMs: number;
  /** The proof run (each job finishes on its own event-loop turn, in random order). */
  proof: {
    ms: number;
    /** Start and finish events sampled. */
    events: number;
    /** Checks made once the scheduler settled after each finish. */
    checks: number;
    /** Checks that found a free slot while a runnable job waited (must be 0). */
    violations: number;
    /** Starts out of their issue's order, or while the issue had a job running (must be 0). */
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

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Measurement 4, the scheduler (src/queue/local-scheduler.ts, in-process): `jobs` jobs over
 * `issues` issues (drawn at random, seeded) with `slots` agent slots.
 * (1) Speed: every `run` resolves after a microtask; time from the first submit to idle.
 * (2) Proof of no head-of-line blocking: the same jobs, each run held until the driver finishes
 * it — one random running job per event-loop turn. A model follows every start and finish event
 * (running count; "runnable waiting" = issues with a waiting job and none running). After each
 * finish, once the scheduler settled (its microtasks drained), the check is: all slots busy, or
 * nothing runnable waits. Each start must also be its issue's oldest waiting job.
 */
export async function measureScheduler(options: { jobs: number; issues: number; slots: number }): Promise<SchedulerResult> {
  const { jobs, issues, slots } = options;
  const draw = random(42);
  const issueOf = Array.from({ length: jobs }, () => `bench/app#${1 + Math.floor(draw() * issues)}` as IssueKey);

  const fast = new LocalScheduler(slots);
  let t = process.hrtime.bigint();
  for (let i = 0; i < jobs; i++) fast.submit({ jobId: String(i), issueKey: issueOf[i]!, run: async () => void (await Promise.resolve()) });
  await fast.onIdle();
  const totalMs = msSince(t);

  const waiting = new Map<IssueKey, number[]>();
  for (let i = 0; i < jobs; i++) {
    const q = waiting.get(issueOf[i]!) ?? [];
    q.push(i);
    waiting.set(issueOf[i]!, q);
  }
  const busyIssues = new Set<IssueKey>();
  let runnable = waiting.size;
  let running = 0;
  let maxRunning = 0;
  let events = 0;
  let orderViolations = 0;
  const held: Array<{ i: number; finish: () => void }> = [];
  const sample = () => {
    events++;
    maxRunning = Math.max(maxRunning, running);
  };
  const onStart = (i: number) => {
    const issue = issueOf[i]!;
    const q = waiting.get(issue)!;
    if (q[0] !== i || busyIssues.has(issue)) orderViolations++;
    q.splice(q.indexOf(i), 1);
    busyIssues.add(issue);
    runnable--; // the issue was runnable (it had a waiting job and none running)
    running++;
    sample();
  };
  const onFinish = (i: number) => {
    const issue = issueOf[i]!;
    busyIssues.delete(issue);
    if ((waiting.get(issue)?.length ?? 0) > 0) runnable++;
    running--;
    sample();
  };

  const proof = new LocalScheduler(slots);
  t = process.hrtime.bigint();
  for (let i = 0; i < jobs; i++) {
    proof.submit({ jobId: String(i), issueKey: issueOf[i]!, run: () => new Promise<void>((resolve) => {
      onStart(i);
      held.push({ i, finish: () => (onFinish(i), resolve()) });
    }) });
  }
  let checks = 0;
  let violations = 0;
  let finished = 0;
  for (;;) {
    await settle();
    checks++;
    if (running < slots && runnable > 0) violations++;
    if (held.length === 0) break;
    const [job] = held.splice(Math.floor(draw() * held.length), 1);
    job!.finish();
    finished++;
  }
  await proof.onIdle();
  const ms = msSince(t);
  if (finished !== jobs) throw new Error(`scheduler proof: ${finished} of ${jobs} jobs ran`);
  return { jobs, issues, slots, totalMs, proof: { ms, events, checks, violations, orderViolations, maxRunning } };
}
