import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createLocalOrigin } from '../sandbox/local-origin.js';
import type { BenchBackend } from './backend.js';
import type { BenchPostgres } from './bench-postgres.js';
import { startChild } from './child.js';
import { cpuSnapshot } from './cpu-usage.js';
import { commandDeliveries, type CommandSet } from './deliveries.js';
import { checkStore, type StoreCheck } from './ingest-check.js';
import { newLedger, runLoad, type DeliveryMix } from './load-generator.js';
import { startQueueingKugetsu } from './queueing-kugetsu.js';
import type { GiteaInfo } from './target-gitea.js';

/** One backend's run of measurement 1e. Times in ms from the first delivery sent. */
export interface CommandThroughputRow {
  backend: BenchBackend['kind'];
  /** `/kugetsu` deliveries sent, each a new delegation. */
  commands: number;
  /** Answered 2xx (202 accepted, or 202 kept for confirmation). */
  acked: number;
  /** Every delivery answered. */
  answeredMs: number;
  /** Every command read back from Gitea, authorised and admitted as a job (none kept for confirmation). */
  admittedMs: number;
  /** The outbox sent every write of those admissions (status comment, 👀, state label): nothing pending. */
  settledMs: number;
  /** `commands` ÷ `admittedMs`, and ÷ `settledMs`, per second. */
  admittedPerSec: number;
  settledPerSec: number;
  /** The kugetsu process's CPU (user + system, Linux `/proc`) from the first delivery to settled, per command, ms. */
  cpuMsPerCommand?: number;
  /** Answer latency of the deliveries, ms. */
  p50: number;
  p99: number;
  /** Outbox items given up (should be 0: the fake Gitea answers every write). */
  outboxFailed: number;
  /** True when `settleMs` passed before everything was admitted and sent. */
  timedOut: boolean;
  check: StoreCheck;
}

interface Health {
  jobs: Record<string, number>;
  deferred: number;
  outbox: { pending: number; failed: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Measurement 1e, commands end to end: `commands` signed `/kugetsu` comments (each a new delegation
 * on one of 1,000 issues) sent by autocannon at 50 connections to the real service (own process,
 * fake Gitea in another, one agent slot held by a sleeping agent so every job queues), after a
 * warm-up of `warmup` commands that is let settle first. It records when every delivery was
 * answered (its last answer), when every command was read back from Gitea and admitted as a job,
 * and when the outbox had sent every write those admissions caused (the service's counts asked
 * every 50 ms from the first delivery on) — the throughput of the whole admission path, which
 * the req/s of measurement 1 does not show (its deliveries are acknowledged once durable; those
 * kept for confirmation are confirmed later). Then the store check of measurement 1. Gives up
 * waiting after `settleMs` (then `timedOut`).
 */
export async function measureCommandThroughput(options: {
  tmp: string;
  commands: number;
  warmup: number;
  settleMs: number;
  log: (line: string) => void;
  postgres?: BenchPostgres;
}): Promise<CommandThroughputRow[]> {
  const { tmp, log } = options;
  mkdirSync(tmp, { recursive: true });
  const origin = createLocalOrigin(tmp);
  const sets: Record<BenchBackend['kind'], CommandSet> = { SQLite: { issues: 1000, idBase: 40_000_000 }, PostgreSQL: { issues: 1000, idBase: 41_000_000 } };
  const gitea = await startChild<GiteaInfo>('target-gitea', { origin, issues: 1000, commands: Object.values(sets) });
  const rows: CommandThroughputRow[] = [];
  const run = async (backend: BenchBackend, stateDir: string) => {
    const set = sets[backend.kind];
    const secret = randomBytes(16).toString('hex');
    const trigger = commandDeliveries(gitea.info.repo, gitea.info.alice, set);
    const mix: DeliveryMix = { name: 'e', sequence: ['trigger'], trigger };
    const child = await startQueueingKugetsu({ stateDir, gitea: gitea.info, secret, backend });
    const ledger = newLedger();
    const counter = { next: 0 };
    const health = () => child.call<Health>('health');
    const total = (h: Health) => Object.values(h.jobs).reduce((a, b) => a + b, 0);
    /** Polls until `done(health)` or the deadline; the ms it took from `t0`, or undefined on timeout. */
    const until = async (t0: number, deadline: number, done: (h: Health) => boolean) => {
      for (;;) {
        const h = await health();
        if (done(h)) return { ms: Date.now() - t0, h };
        if (Date.now() >= deadline) return { ms: undefined, h };
        await sleep(50);
      }
    };
    let stopped = false;
    try {
      await runLoad({ url: child.info.url, mix, secret, durationS: 0, amount: options.warmup, ledger, counter });
      const warm = await until(Date.now(), Date.now() + options.settleMs, (h) => h.deferred === 0 && h.outbox.pending === 0);
      const before = total(warm.h);
      const pid = child.process.pid ?? -1;
      const cpuBefore = cpuSnapshot([pid]);
      const t0 = Date.now();
      const deadline = t0 + options.settleMs;
      // Watched while the load runs: autocannon returns on a whole second after its last answer.
      const admitting = until(t0, deadline, (h) => h.deferred === 0 && total(h) - before >= options.commands);
      const load = await runLoad({ url: child.info.url, mix, secret, durationS: 0, amount: options.commands, ledger, counter });
      const answeredMs = (ledger.lastAnswerAt ?? Date.now()) - t0;
      const admitted = await admitting;
      const settled = await until(t0, deadline, (h) => h.deferred === 0 && h.outbox.pending === 0);
      const cpuAfter = cpuSnapshot([pid]);
      const admittedMs = admitted.ms ?? Date.now() - t0;
      const settledMs = settled.ms ?? Date.now() - t0;
      const row: Omit<CommandThroughputRow, 'check'> = {
        backend: backend.kind,
        commands: options.commands,
        // The warm-up's commands are numbered 0 … warmup − 1.
        acked: [...ledger.acked].filter((n) => n >= options.warmup).length,
        answeredMs,
        admittedMs,
        settledMs,
        admittedPerSec: (options.commands / admittedMs) * 1000,
        settledPerSec: (options.commands / settledMs) * 1000,
        ...(cpuBefore && cpuAfter ? { cpuMsPerCommand: (cpuAfter.processMs[0]!.self - cpuBefore.processMs[0]!.self) / options.commands } : {}),
        p50: load.p50,
        p99: load.p99,
        outboxFailed: settled.h.outbox.failed,
        timedOut: admitted.ms === undefined || settled.ms === undefined,
      };
      await child.stop(60_000, { fast: true });
      stopped = true;
      const check = await checkStore(backend, stateDir, ledger, set.idBase);
      rows.push({ ...row, check });
      log(
        `commands end to end ${backend.kind}: ${row.commands} answered in ${answeredMs} ms, admitted in ${admittedMs} ms (${row.admittedPerSec.toFixed(0)}/s), outbox settled in ${settledMs} ms (${row.settledPerSec.toFixed(0)}/s), ${row.cpuMsPerCommand?.toFixed(2) ?? '?'} ms CPU per command${row.timedOut ? ', TIMED OUT' : ''}; store check ${check.ok ? 'OK' : 'MISMATCH'}`,
      );
    } finally {
      if (!stopped) await child.stop(60_000, { fast: true }).catch(() => undefined);
    }
  };
  try {
    await run({ kind: 'SQLite' }, path.join(tmp, 'state-sqlite'));
    if (options.postgres) await options.postgres.withDatabase('commands_e2e', (db) => run({ kind: 'PostgreSQL', url: db.url }, path.join(tmp, 'state-pg')));
  } finally {
    await gitea.stop();
  }
  return rows;
}
