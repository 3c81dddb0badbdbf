import path from 'node:path';
import type { BenchPostgres } from './bench-postgres.js';
import { checkFleetRuns, type FleetCheck } from './fleet-check.js';
import { startFleet } from './fleet.js';
import { median } from './stats.js';

/** Measurement 7. Times in ms unless named otherwise. */
export interface TakeoverResult {
  /** `KUGETSU_LEASE_S` of every process, in s. */
  leaseS: number;
  /** How often each worker looks for expired leases (the worker's default), in s. */
  reapS: number;
  /** Turns running on the killed worker. */
  jobs: number;
  /** Workers left to take them over, and their slots each. */
  survivors: number;
  survivorSlots: number;
  /** Per job: kill → back in the queue as its next attempt (its lease found expired). */
  requeueMs: number[];
  /** Per job: kill → its agent started again on another worker. */
  takeoverMs: number[];
  median: number;
  max: number;
  check: FleetCheck;
}

/** The reaper period of `Worker` (its `reapMs` default), in s: not a setting. */
const REAP_S = 5;

/**
 * Measurement 7, takeover after a worker dies: a fresh PostgreSQL database and a fleet whose
 * worker `v` (`jobs` slots, an agent that would sleep 10 minutes) is given `jobs` delegations.
 * Once all of its agents run, `survivors` workers (2 slots each, 1-s agents) start, so free slots
 * wait elsewhere; then `v` is SIGKILLed together with its agents' process groups, as when its
 * machine dies (no shutdown, no release of its leases). Measured per job: the time until another
 * worker put it back in the queue (job history) and until its agent started again there (run
 * log). Every job must then succeed as attempt 2, each cut-short turn run exactly once more.
 */
export async function measureTakeover(options: {
  tmp: string;
  postgres: BenchPostgres;
  jobs: number;
  survivors: number;
  leaseS: number;
  log: (line: string) => void;
}): Promise<TakeoverResult> {
  const survivorSlots = 2;
  return options.postgres.withDatabase('takeover', async (db) => {
    const fleet = await startFleet({
      tmp: path.join(options.tmp, 'takeover'),
      databaseUrl: db.url,
      issues: options.jobs,
      leaseS: options.leaseS,
      workers: { v: { slots: options.jobs, agentMs: 600_000 } },
    });
    try {
      const victim = fleet.workers.get('v')!;
      await fleet.delegate(0, options.jobs);
      const started = await waitFor(
        () => {
          const mine = fleet.runs().filter((r) => r.phase === 'start' && r.worker === 'v');
          return mine.length >= options.jobs ? mine : undefined;
        },
        60_000,
        () => `the victim's ${options.jobs} agents to start\n${victim.logTail()}`,
      );
      const names = Array.from({ length: options.survivors }, (_v, i) => `s${i + 1}`);
      await Promise.all(names.map((name) => fleet.startWorker(name, { slots: survivorSlots, agentMs: 1_000 })));

      victim.kill('SIGKILL');
      for (const run of started) killGroup(run.pid);
      const killedAt = Date.now();
      await victim.waitExit(5_000);
      options.log(`takeover: killed worker v with ${started.length} running turns; waiting for the lease (${options.leaseS} s) to expire`);

      await fleet.waitFinished(options.jobs, (options.leaseS + REAP_S) * 1000 + 90_000);
      const jobs = await fleet.store.recent(options.jobs + 100);
      const runs = fleet.runs();
      const rerun = new Set(started.map((r) => r.job));
      const check = checkFleetRuns({
        jobs,
        runs,
        expected: options.jobs,
        slots: { v: options.jobs, ...Object.fromEntries(names.map((n) => [n, survivorSlots])) },
        rerun,
        killedAtMs: killedAt,
      });
      const takeoverMs: number[] = [];
      const requeueMs: number[] = [];
      for (const job of rerun) {
        const again = runs.find((r) => r.phase === 'start' && r.job === job && r.worker !== 'v');
        if (!again) {
          check.problems.push(`job ${job} never started on another worker`);
          continue;
        }
        takeoverMs.push(again.atMs - killedAt);
        // The return to the queue follows the first attempt's start (the admission's `queued` may be
        // less than a second before the kill, so a time window cannot tell the two apart).
        const history = await fleet.store.history(job);
        const firstRun = history.findIndex((e) => e.state === 'running');
        const requeued = firstRun < 0 ? undefined : history.slice(firstRun + 1).find((e) => e.state === 'queued');
        if (requeued) requeueMs.push(Date.parse(requeued.at) - killedAt);
        else check.problems.push(`job ${job} has no return to the queue after its first attempt in its history`);
      }
      check.ok = check.problems.length === 0;
      const result: TakeoverResult = {
        leaseS: options.leaseS,
        reapS: REAP_S,
        jobs: options.jobs,
        survivors: options.survivors,
        survivorSlots,
        requeueMs,
        takeoverMs,
        median: median(takeoverMs),
        max: Math.max(...takeoverMs),
        check,
      };
      options.log(
        `takeover (lease ${options.leaseS} s): ${takeoverMs.map((t) => (t / 1000).toFixed(1)).join(', ')} s (median ${(result.median / 1000).toFixed(1)}, max ${(result.max / 1000).toFixed(1)})${check.ok ? '' : `; FAILED: ${check.problems.join('; ')}`}`,
      );
      return result;
    } finally {
      await fleet.close();
    }
  });
}

/** SIGKILLs process group `pid` (the agent and anything it started), or the process alone. */
function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
      return;
    } catch {
      // no such group (or already gone): try the process, then give up
    }
  }
}

/** Polls `probe` every 50 ms until it returns a value; throws after `timeoutMs` (ms) with `what()`. */
async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
