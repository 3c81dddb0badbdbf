import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createLocalOrigin } from '../sandbox/local-origin.js';
import type { BenchBackend } from './backend.js';
import type { BenchPostgres } from './bench-postgres.js';
import { startChild, type ChildHandle } from './child.js';
import { commandDeliveries, nonTriggeringDeliveries, type CommandSet } from './deliveries.js';
import { checkStore, type StoreCheck } from './ingest-check.js';
import { cpuSnapshot } from './cpu-usage.js';
import { newLedger, runLoad, type DeliveryMix, type LoadResult } from './load-generator.js';
import { startQueueingKugetsu } from './queueing-kugetsu.js';
import type { GiteaInfo } from './target-gitea.js';

/** One target under one mix. */
export interface IngestRow extends LoadResult {
  mix: string;
  target: 'bare node:http' | '@octokit/webhooks' | 'kugetsu';
  /** kugetsu only: the engine backend it ran on. */
  backend?: BenchBackend['kind'];
  /** kugetsu on SQLite only: transactions committed per second during the run, and writes per transaction. */
  commitsPerSec?: number;
  writesPerCommit?: number;
  /**
   * The server process's own CPU time (user + system, all its threads; Linux `/proc`, 10 ms ticks)
   * during the measured run, per answered request, in ms. Unlike req/s it hardly moves when
   * other processes take turns on the cores; absent off Linux.
   */
  cpuMsPerRequest?: number;
}

interface Health {
  commits?: { transactions: number; writes: number };
}

/** Measurement 1: the baselines and kugetsu on each backend under both mixes, ratios, and the store check per mix and backend. */
export interface IngestResult {
  rows: IngestRow[];
  ratios: Array<{ mix: string; backend: BenchBackend['kind']; vsBare: number; vsOctokit: number }>;
  checks: Array<{ mix: string; backend: BenchBackend['kind'] } & StoreCheck>;
  /** Body sizes in bytes per delivery kind. */
  bodySizes: Record<string, number[]>;
  /** Status codes kugetsu answered, per `<mix> <backend>` and delivery kind. */
  kugetsuStatuses: Record<string, Record<string, Record<number, number>>>;
}

/**
 * Measurement 1, ingest: autocannon at 50 connections against (1) bare node:http, (2)
 * @octokit/webhooks' node middleware and (3) kugetsu's real service on SQLite and (4) on
 * PostgreSQL (when `postgres` is given), each in its own process, with the same signed
 * deliveries; mix (a) 90 % non-triggering + 10 % `/kugetsu`, mix (b) 100 % `/kugetsu`, every
 * command a new delegation, mix `ignored` only the non-triggering deliveries of (a). Each run (durations in s) is preceded by a warm-up of the same mix.
 * kugetsu runs with a fresh state dir (and a fresh PostgreSQL database) per mix, the fake Gitea in
 * another process, and one agent slot held by a sleeping agent (so admitted jobs queue and no
 * agent runs during the measurement). After each kugetsu run the store is checked against the
 * acknowledged deliveries.
 */
export async function measureIngest(options: { tmp: string; durationS: number; warmupS: number; log: (line: string) => void; postgres?: BenchPostgres }): Promise<IngestResult> {
  const { tmp, log } = options;
  mkdirSync(tmp, { recursive: true });
  const origin = createLocalOrigin(tmp);
  const idBase = 10_000_000;
  const commands: CommandSet = { issues: 1000, idBase };
  const gitea = await startChild<GiteaInfo>('target-gitea', { origin, issues: 1000, commands: [commands] });
  const secret = randomBytes(16).toString('hex');
  const { repo, alice } = gitea.info;
  const fixed = nonTriggeringDeliveries(repo, alice);
  const trigger = commandDeliveries(repo, alice, commands);
  const mixes: DeliveryMix[] = [
    { name: 'a', sequence: [...fixed, 'trigger'], trigger },
    { name: 'b', sequence: ['trigger'], trigger },
    // Only what kugetsu ignores: the cost of an ignored delivery alone (the issue's "should cost no
    // more than verifying and parsing it"), without the triggering tenth that paces mix (a).
    { name: 'ignored', sequence: [...fixed], trigger },
  ];
  const bodySizes: Record<string, number[]> = {};
  for (const d of [...fixed, trigger(0)]) (bodySizes[d.kind] ??= []).push(Buffer.byteLength(d.body));

  const rows: IngestRow[] = [];
  const checks: IngestResult['checks'] = [];
  const ratios: IngestResult['ratios'] = [];
  const kugetsuStatuses: IngestResult['kugetsuStatuses'] = {};
  const counter = { next: 0 };
  type Target = IngestRow['target'] | 'kugetsu (PostgreSQL)';
  const targets: Target[] = ['bare node:http', '@octokit/webhooks', 'kugetsu', ...(options.postgres ? (['kugetsu (PostgreSQL)'] as const) : [])];
  /** Starts `target` (with `backend` for kugetsu), runs the warm-up and the measured load, stops it. */
  const measure = async (mix: DeliveryMix, target: Target, backend: BenchBackend, stateDir: string) => {
    const child: ChildHandle<{ url: string }> =
      target === 'bare node:http'
        ? await startChild<{ url: string }>('target-bare', {})
        : target === '@octokit/webhooks'
          ? await startChild<{ url: string }>('target-octokit', { secret })
          : await startQueueingKugetsu({ stateDir, gitea: gitea.info, secret, backend });
    const isKugetsu = target.startsWith('kugetsu');
    const ledger = newLedger();
    try {
      await runLoad({ url: child.info.url, mix, secret, durationS: options.warmupS, ledger, counter });
      const before = isKugetsu ? await child.call<Health>('health') : undefined;
      const pid = child.process.pid ?? -1;
      const cpuBefore = cpuSnapshot([pid]);
      const r = await runLoad({ url: child.info.url, mix, secret, durationS: options.durationS, ledger, counter });
      const cpuAfter = cpuSnapshot([pid]);
      const row: IngestRow = { mix: mix.name, target: isKugetsu ? 'kugetsu' : (target as IngestRow['target']), ...(isKugetsu ? { backend: backend.kind } : {}), ...r };
      if (cpuBefore && cpuAfter && r.requests > 0) row.cpuMsPerRequest = (cpuAfter.processMs[0]!.self - cpuBefore.processMs[0]!.self) / r.requests;
      if (before?.commits) {
        const after = await child.call<Health>('health');
        const tx = after.commits!.transactions - before.commits.transactions;
        row.commitsPerSec = tx / r.durationS;
        row.writesPerCommit = (after.commits!.writes - before.commits.writes) / Math.max(1, tx);
      }
      rows.push(row);
      log(
        `ingest mix ${mix.name} ${target}: ${r.reqPerSec.toFixed(0)} req/s, ${row.cpuMsPerRequest?.toFixed(3) ?? '?'} ms CPU per request, p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
      );
    } finally {
      await child.stop(60_000, isKugetsu ? { fast: true } : undefined);
    }
    if (isKugetsu) {
      kugetsuStatuses[`${mix.name} ${backend.kind}`] = ledger.statuses;
      const check = await checkStore(backend, stateDir, ledger, idBase);
      checks.push({ mix: mix.name, backend: backend.kind, ...check });
      log(
        `ingest mix ${mix.name} ${backend.kind} store check: ${check.acked} acked triggering deliveries, ${check.jobs} jobs + ${check.deferred} kept for confirmation (${check.cutOffStored} of ${check.cutOff} cut off at the end), ${check.ok ? 'OK' : 'MISMATCH'}`,
      );
    }
  };
  try {
    for (const mix of mixes) {
      for (const target of targets) {
        if (target === 'kugetsu (PostgreSQL)') {
          await options.postgres!.withDatabase(`ingest_${mix.name}`, (db) => measure(mix, target, { kind: 'PostgreSQL', url: db.url }, path.join(tmp, `state-${mix.name}-pg`)));
        } else {
          await measure(mix, target, { kind: 'SQLite' }, path.join(tmp, `state-${mix.name}`));
        }
      }
      const of = (t: IngestRow['target'], backend?: BenchBackend['kind']) => rows.find((r) => r.mix === mix.name && r.target === t && r.backend === backend)!.reqPerSec;
      for (const backend of options.postgres ? (['SQLite', 'PostgreSQL'] as const) : (['SQLite'] as const)) {
        ratios.push({ mix: mix.name, backend, vsBare: of('kugetsu', backend) / of('bare node:http'), vsOctokit: of('kugetsu', backend) / of('@octokit/webhooks') });
      }
    }
  } finally {
    await gitea.stop();
  }
  return { rows, ratios, checks, bodySizes, kugetsuStatuses };
}
