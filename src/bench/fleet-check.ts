import type { Job } from '../domain/job.js';
import type { AgentRun } from './agent-run-log.js';

/** The correctness verdict of a scale-out measurement. */
export interface FleetCheck {
  ok: boolean;
  /** What went wrong, one line each (empty when ok). */
  problems: string[];
}

/**
 * Checks a finished scale-out run against what was asked: exactly `expected` jobs, all succeeded;
 * every job's turn ended exactly once (none lost, none ran twice) and started once — twice for the
 * jobs in `rerun` (cut short by a killed worker, then taken over, as their attempt 2); no turn of
 * an unknown job; and no worker ran more agents at once than its slots (a turn that never ended
 * counts until `killedAtMs`, ms since the epoch).
 */
export function checkFleetRuns(options: {
  jobs: Job[];
  runs: AgentRun[];
  expected: number;
  slots: Record<string, number>;
  rerun?: ReadonlySet<string>;
  killedAtMs?: number;
}): FleetCheck {
  const { jobs, runs, expected } = options;
  const rerun = options.rerun ?? new Set<string>();
  const problems: string[] = [];
  if (jobs.length !== expected) problems.push(`${jobs.length} jobs stored, ${expected} delegated`);
  const notDone = jobs.filter((j) => j.state !== 'succeeded');
  if (notDone.length > 0)
    problems.push(
      `${notDone.length} jobs did not succeed (${notDone
        .slice(0, 5)
        .map((j) => `#${j.id} ${j.state}: ${j.result?.error ?? ''}`)
        .join('; ')})`,
    );
  const starts = runs.filter((r) => r.phase === 'start');
  const ends = runs.filter((r) => r.phase === 'end');
  const count = (list: AgentRun[], job: string) => list.filter((r) => r.job === job).length;
  for (const job of jobs) {
    const again = rerun.has(job.id);
    const [s, e] = [count(starts, job.id), count(ends, job.id)];
    if (e !== 1) problems.push(`job ${job.id}: its turn ended ${e} times (expected once)`);
    if (s !== (again ? 2 : 1)) problems.push(`job ${job.id}: its turn started ${s} times (expected ${again ? 2 : 1})`);
    if (job.attempt !== (again ? 2 : 1)) problems.push(`job ${job.id}: attempt ${job.attempt} (expected ${again ? 2 : 1})`);
  }
  const known = new Set(jobs.map((j) => j.id));
  const strays = [...new Set(runs.map((r) => r.job).filter((id) => !known.has(id)))];
  if (strays.length > 0) problems.push(`turns of unknown jobs: ${strays.join(', ')}`);
  for (const [worker, slots] of Object.entries(options.slots)) {
    const edges = starts
      .filter((s) => s.worker === worker)
      .flatMap((s) => [
        { at: s.atMs, d: 1 },
        { at: ends.find((e) => e.pid === s.pid)?.atMs ?? options.killedAtMs ?? Number.MAX_SAFE_INTEGER, d: -1 },
      ])
      .sort((a, b) => a.at - b.at || a.d - b.d);
    let now = 0;
    let most = 0;
    for (const edge of edges) most = Math.max(most, (now += edge.d));
    if (most > slots) problems.push(`${worker} ran ${most} agents at once (${slots} slots)`);
  }
  return { ok: problems.length === 0, problems };
}
