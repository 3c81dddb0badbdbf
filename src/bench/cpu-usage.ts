import { readFileSync } from 'node:fs';

/** CPU time used so far, in ms, read from Linux's `/proc` (clock ticks of 10 ms). */
export interface CpuSnapshot {
  /** All cores together: time not idle (user, system, irq… — not idle, not iowait). */
  machineBusyMs: number;
  /** All cores together: all time. */
  machineTotalMs: number;
  /**
   * Per pid asked for: its own user + system time (`self`), and that of the children it has waited
   * for (`children`: git, agents); zeros when it is gone.
   */
  processMs: Array<{ self: number; children: number }>;
}

const TICK_MS = 10;

/**
 * A snapshot of CPU time (see {@link CpuSnapshot}); subtract two to get the use in between.
 * `undefined` where there is no `/proc/stat` (not Linux).
 */
export function cpuSnapshot(pids: readonly number[]): CpuSnapshot | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const ticks = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const processMs = pids.map((pid) => {
    try {
      // Fields after the command's closing parenthesis start at field 3 (state): utime is field 14.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ').map(Number);
      return { self: ((fields[11] ?? 0) + (fields[12] ?? 0)) * TICK_MS, children: ((fields[13] ?? 0) + (fields[14] ?? 0)) * TICK_MS };
    } catch {
      return { self: 0, children: 0 };
    }
  });
  return { machineBusyMs: (total - idle) * TICK_MS, machineTotalMs: total * TICK_MS, processMs };
}
