import path from 'node:path';
import type { BenchPostgres } from './bench-postgres.js';
import { cpuSnapshot } from './cpu-usage.js';
import { checkFleetRuns, type FleetCheck } from './fleet-check.js';
import { startFleet } from './fleet.js';

/** Measurement 6 with one number of workers. Times in s unless named otherwise. */
export interface TurnsRow {
  workers: number;
  slotsPerWorker: number;
  /** How long each agent turn sleeps, in ms. */
  agentMs: number;
  /** Turns run (one delegation each, each on an issue of its own). */
  turns: number;
  /** First agent start → last agent end. */
  spanS: number;
  /** turns / span, per minute. */
  turnsPerMin: number;
  /** workers × slots × 60 000 / agentMs: every slot always running an agent, nothing in between. */
  idealPerMin: number;
  /** Agent run time summed over all turns / (workers × slots × span): how much of the slot time agents ran. */
  busy: number;
  /** First delegation sent → last job finished (ingress, claims, preparation, agents, publishing). */
  wallS: number;
  /** Turns each worker ran. */
  perWorker: Record<string, number>;
  /**
   * CPU time per turn, in ms, from the first delegation to the last job finished: the kugetsu
   * processes themselves (ingress and workers), the git and agent processes they started, and the
   * whole machine (PostgreSQL, the fake Gitea and anything else running included). Absent off Linux.
   */
  cpuPerTurnMs?: { kugetsu: number; children: number; machine: number };
  /** The machine's cores busy over the same time, 0–1 (1: every core all the time). */
  machineBusy?: number;
  check: FleetCheck;
}

/** Measurement 6: turns per minute with 1…n workers. */
export interface TurnsResult {
  rows: TurnsRow[];
}

/**
 * Measurement 6, turns per minute on PostgreSQL: for each count in `workers`, a fresh database and
 * a fleet (fake Gitea, one `kugetsu serve --no-worker`, that many `kugetsu worker` processes with
 * `slots` agent slots each and an agent that sleeps `agentMs` ms). `workers × slots × turnsPerSlot`
 * `/kugetsu` comments on distinct issues are sent at once, so every slot has work from the start;
 * the rate is the turns divided by the time from the first agent start to the last agent end. Every
 * job must succeed, each turn run exactly once, within each worker's slots.
 */
export async function measureTurnsPerMinute(options: {
  tmp: string;
  postgres: BenchPostgres;
  workers: number[];
  slots: number;
  agentMs: number;
  turnsPerSlot: number;
  log: (line: string) => void;
}): Promise<TurnsResult> {
  const rows: TurnsRow[] = [];
  for (const n of options.workers) {
    const turns = n * options.slots * options.turnsPerSlot;
    const row = await options.postgres.withDatabase(`turns_${n}`, async (db) => {
      const names = Array.from({ length: n }, (_v, i) => `w${i + 1}`);
      const spec = { slots: options.slots, agentMs: options.agentMs };
      const fleet = await startFleet({
        tmp: path.join(options.tmp, `workers-${n}`),
        databaseUrl: db.url,
        issues: turns,
        workers: Object.fromEntries(names.map((name) => [name, spec])),
      });
      try {
        const pids = [fleet.ingress.pid, ...names.map((name) => fleet.workers.get(name)!.pid)];
        const cpuBefore = cpuSnapshot(pids);
        const sentAt = Date.now();
        await fleet.delegate(0, turns);
        const idealMs = (turns / (n * options.slots)) * options.agentMs;
        await fleet.waitFinished(turns, 60_000 + idealMs * 4);
        const wallS = (Date.now() - sentAt) / 1000;
        const cpuAfter = cpuSnapshot(pids);
        const jobs = await fleet.store.recent(turns + 100);
        const runs = fleet.runs();
        const check = checkFleetRuns({ jobs, runs, expected: turns, slots: Object.fromEntries(names.map((w) => [w, options.slots])) });
        const starts = runs.filter((r) => r.phase === 'start');
        const ends = runs.filter((r) => r.phase === 'end');
        const spanMs = Math.max(1, Math.max(...ends.map((r) => r.atMs)) - Math.min(...starts.map((r) => r.atMs)));
        const agentTotalMs = ends.reduce((sum, e) => sum + e.atMs - (starts.find((s) => s.pid === e.pid)?.atMs ?? e.atMs), 0);
        const perWorker = Object.fromEntries(names.map((w) => [w, ends.filter((e) => e.worker === w).length]));
        return {
          workers: n,
          slotsPerWorker: options.slots,
          agentMs: options.agentMs,
          turns,
          spanS: spanMs / 1000,
          turnsPerMin: (ends.length / spanMs) * 60_000,
          idealPerMin: (n * options.slots * 60_000) / options.agentMs,
          busy: agentTotalMs / (n * options.slots * spanMs),
          wallS,
          perWorker,
          ...(cpuBefore && cpuAfter
            ? {
                cpuPerTurnMs: {
                  kugetsu: (sum(cpuAfter.processMs, 'self') - sum(cpuBefore.processMs, 'self')) / turns,
                  children: (sum(cpuAfter.processMs, 'children') - sum(cpuBefore.processMs, 'children')) / turns,
                  machine: (cpuAfter.machineBusyMs - cpuBefore.machineBusyMs) / turns,
                },
                machineBusy: (cpuAfter.machineBusyMs - cpuBefore.machineBusyMs) / Math.max(1, cpuAfter.machineTotalMs - cpuBefore.machineTotalMs),
              }
            : {}),
          check,
        } satisfies TurnsRow;
      } finally {
        await fleet.close();
      }
    });
    options.log(
      `turns/min, ${n} worker(s) × ${row.slotsPerWorker} slots: ${row.turnsPerMin.toFixed(1)} (ideal ${row.idealPerMin}), ${row.turns} turns in ${row.spanS.toFixed(1)} s, agents busy ${(row.busy * 100).toFixed(0)} %, per worker ${JSON.stringify(row.perWorker)}${row.cpuPerTurnMs ? `, CPU per turn ${row.cpuPerTurnMs.kugetsu.toFixed(0)} ms kugetsu + ${row.cpuPerTurnMs.children.toFixed(0)} ms git/agents / ${row.cpuPerTurnMs.machine.toFixed(0)} ms machine, cores busy ${(row.machineBusy! * 100).toFixed(0)} %` : ''}${row.check.ok ? '' : `; FAILED: ${row.check.problems.join('; ')}`}`,
    );
    rows.push(row);
  }
  return { rows };
}

/** The sum of one field over CPU samples, in ms. */
function sum(samples: Array<{ self: number; children: number }>, field: 'self' | 'children'): number {
  return samples.reduce((total, sample) => total + sample[field], 0);
}
