import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalOrigin } from '../sandbox/local-origin.js';
import { startChild } from './child.js';
import { commandDeliveries, nonTriggeringDeliveries, type CommandSet } from './deliveries.js';
import { checkStore, type StoreCheck } from './ingest-check.js';
import { newLedger, runLoad, type DeliveryMix, type LoadResult } from './load-generator.js';
import type { GiteaInfo } from './target-gitea.js';

/** One target under one mix. */
export interface IngestRow extends LoadResult {
  mix: string;
  target: 'bare node:http' | '@octokit/webhooks' | 'kugetsu';
  /** kugetsu only: SQLite transactions committed per second during the run, and writes per transaction. */
  commitsPerSec?: number;
  writesPerCommit?: number;
}

interface Health {
  commits: { transactions: number; writes: number };
}

/** Measurement 1: the three targets under both mixes, ratios, and the store check per mix. */
export interface IngestResult {
  rows: IngestRow[];
  ratios: Array<{ mix: string; vsBare: number; vsOctokit: number }>;
  checks: Array<{ mix: string } & StoreCheck>;
  /** Body sizes in bytes per delivery kind. */
  bodySizes: Record<string, number[]>;
  /** Status codes kugetsu answered, per mix and delivery kind. */
  kugetsuStatuses: Record<string, Record<string, Record<number, number>>>;
}

/** A fake agent that sleeps an hour: with KUGETSU_MAX_AGENTS=1 the first job holds the one slot and every later job queues. */
export const SLEEPING_AGENT = [process.execPath, fileURLToPath(new URL('../../test/support/fake-agent.mjs', import.meta.url)), 'sleep:3600000'];

/**
 * Measurement 1, ingest: autocannon at 50 connections against (1) bare node:http, (2)
 * @octokit/webhooks' node middleware and (3) kugetsu's real service, each in its own process, with
 * the same signed deliveries; mix (a) 90 % non-triggering + 10 % `/kugetsu`, mix (b) 100 %
 * `/kugetsu`, every command a new delegation. Each run is preceded by a warm-up of the same mix.
 * kugetsu runs with a fresh SQLite state dir per mix, the fake Gitea in another process, and one
 * agent slot held by a sleeping agent (so admitted jobs queue and no agent runs during the
 * measurement). After each kugetsu run the store is checked against the acknowledged deliveries.
 */
export async function measureIngest(options: { tmp: string; durationS: number; warmupS: number; log: (line: string) => void }): Promise<IngestResult> {
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
  ];
  const bodySizes: Record<string, number[]> = {};
  for (const d of [...fixed, trigger(0)]) (bodySizes[d.kind] ??= []).push(Buffer.byteLength(d.body));

  const rows: IngestRow[] = [];
  const checks: IngestResult['checks'] = [];
  const ratios: IngestResult['ratios'] = [];
  const kugetsuStatuses: IngestResult['kugetsuStatuses'] = {};
  const counter = { next: 0 };
  try {
    for (const mix of mixes) {
      for (const target of ['bare node:http', '@octokit/webhooks', 'kugetsu'] as const) {
        const stateDir = path.join(tmp, `state-${mix.name}`);
        const child =
          target === 'bare node:http'
            ? await startChild<{ url: string }>('target-bare', {})
            : target === '@octokit/webhooks'
              ? await startChild<{ url: string }>('target-octokit', { secret })
              : await startChild<{ url: string }>('target-kugetsu', { stateDir, giteaUrl: gitea.info.url, token: gitea.info.token, secret, maxAgents: 1, agentArgv: SLEEPING_AGENT }, process.env.KUGETSU_BENCH_PROFILE ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${process.env.KUGETSU_BENCH_PROFILE}`] } : {});
        const ledger = newLedger();
        try {
          await runLoad({ url: child.info.url, mix, secret, durationS: options.warmupS, ledger, counter });
          const before = target === 'kugetsu' ? await child.call<Health>('health') : undefined;
          const r = await runLoad({ url: child.info.url, mix, secret, durationS: options.durationS, ledger, counter });
          const row: IngestRow = { mix: mix.name, target, ...r };
          if (before) {
            const after = await child.call<Health>('health');
            const tx = after.commits.transactions - before.commits.transactions;
            row.commitsPerSec = tx / r.durationS;
            row.writesPerCommit = (after.commits.writes - before.commits.writes) / Math.max(1, tx);
          }
          rows.push(row);
          log(`ingest mix ${mix.name} ${target}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
        } finally {
          await child.stop(60_000, target === 'kugetsu' ? { fast: true } : undefined);
        }
        if (target === 'kugetsu') {
          kugetsuStatuses[mix.name] = ledger.statuses;
          const check = await checkStore(stateDir, ledger, idBase);
          checks.push({ mix: mix.name, ...check });
          log(`ingest mix ${mix.name} store check: ${check.acked} acked triggering deliveries, ${check.jobs} jobs + ${check.deferred} kept for confirmation (${check.cutOffStored} of ${check.cutOff} cut off at the end), ${check.ok ? 'OK' : 'MISMATCH'}`);
        }
      }
      const of = (t: IngestRow['target']) => rows.find((r) => r.mix === mix.name && r.target === t)!.reqPerSec;
      ratios.push({ mix: mix.name, vsBare: of('kugetsu') / of('bare node:http'), vsOctokit: of('kugetsu') / of('@octokit/webhooks') });
    }
  } finally {
    await gitea.stop();
  }
  return { rows, ratios, checks, bodySizes, kugetsuStatuses };
}
