import type { DispatchResult } from './dispatch-latency.js';
import type { GarbageFloodResult } from './garbage-flood.js';
import type { IngestResult, IngestRow } from './ingest.js';
import type { MachineInfo } from './machine.js';
import type { MemoryResult } from './memory.js';
import type { SchedulerResult } from './scheduler.js';
import type { WorktreeResult } from './worktree-prep.js';

/** Everything one run measured; what `latest.json` holds. */
export interface BenchResults {
  machine: MachineInfo;
  settings: Record<string, unknown>;
  durationS?: number;
  /** Seconds each measurement took, set-up and tear-down included. */
  timingsS?: Record<string, number>;
  ingest?: IngestResult;
  flood?: GarbageFloodResult;
  dispatch?: DispatchResult;
  worktree?: WorktreeResult & { dir: string };
  scheduler?: SchedulerResult;
  memory?: MemoryResult;
}

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number) => (v < 10 ? v.toFixed(1) : n0(v));
const x = (v: number) => `×${v < 0.1 ? v.toFixed(3) : v.toFixed(2)}`;
const load = (r: IngestRow) => `${n0(r.reqPerSec)} req/s · p50 ${ms(r.p50)} / p99 ${ms(r.p99)} / max ${ms(r.max)} ms · ${r.non2xx} non-2xx, ${r.errors} errors`;

/** The one Markdown table, plus short notes, of a run. */
export function renderMarkdown(r: BenchResults): string {
  const rows: string[][] = [];
  if (r.ingest) {
    for (const mix of ['a', 'b']) {
      const of = (t: IngestRow['target']) => r.ingest!.rows.find((row) => row.mix === mix && row.target === t);
      const k = of('kugetsu');
      const bare = of('bare node:http');
      const oct = of('@octokit/webhooks');
      const ratio = r.ingest.ratios.find((q) => q.mix === mix);
      const check = r.ingest.checks.find((c) => c.mix === mix);
      if (!k || !bare || !oct || !ratio) continue;
      const label = mix === 'a' ? '1a. Ingest, 90 % non-triggering + 10 % `/kugetsu`' : '1b. Ingest, 100 % `/kugetsu` (each a new job, slots full)';
      rows.push([label, load(k), `bare node:http ${n0(bare.reqPerSec)} req/s (p99 ${ms(bare.p99)} ms); @octokit/webhooks ${n0(oct.reqPerSec)} req/s (p99 ${ms(oct.p99)} ms)`, `${x(ratio.vsBare)} bare · ${x(ratio.vsOctokit)} octokit`]);
      if (check) {
        rows.push([
          `${label.slice(0, 3)} Acked triggering deliveries in the store`,
          `${n0(check.acked)} acked 2xx → ${n0(check.jobs + check.deferred - check.cutOffStored)} stored (${n0(check.jobs)} jobs, ${n0(check.deferred)} kept for confirmation with Gitea)${check.cutOffStored ? ` (+${check.cutOffStored} of deliveries cut off unanswered at the end)` : ''}; missing ${check.missing}, unexpected ${check.unexpected}, duplicated ${check.duplicated}`,
          '—',
          check.ok ? '**OK**' : '**MISMATCH**',
        ]);
      }
    }
  }
  if (r.flood) {
    const f = r.flood;
    rows.push([
      `1c. Genuine \`/kugetsu\` deliveries under a garbage flood (n = ${f.flooded.n}): 12 connections sending 5 MB wrong-signature bodies, 150 stalled uploads`,
      `p50 ${ms(f.flooded.p50)} / p99 ${ms(f.flooded.p99)} / max ${ms(f.flooded.max)} ms · ${f.flooded.non202} non-202`,
      `the same alone: p50 ${ms(f.quiet.p50)} / p99 ${ms(f.quiet.p99)} ms; ${n0(f.garbageRefused)} of ${n0(f.garbageSent)} garbage bodies refused at the door; ${n0(f.stalledCut)} of ${n0(f.stalledOpened)} stalled uploads cut off by the request timeout`,
      f.flooded.p99 < 1000 ? '**p99 < 1 s**' : '**p99 ≥ 1 s**',
    ]);
  }
  if (r.dispatch) {
    const d = r.dispatch;
    rows.push([
      `2. Dispatch latency, delivery sent → agent process started (n = ${d.triggers}, warm clone)`,
      `p50 ${ms(d.total.p50)} ms · p99 ${ms(d.total.p99)} ms · max ${ms(d.total.max)} ms`,
      `parts (p50/p99): ack ${ms(d.ack.p50)}/${ms(d.ack.p99)} ms · scheduler pick-up ${ms(d.pickup.p50)}/${ms(d.pickup.p99)} ms · fetch + worktree + prompt + spawn ${ms(d.prepare.p50)}/${ms(d.prepare.p99)} ms`,
      '—',
    ]);
  }
  if (r.worktree) {
    for (const c of r.worktree.cases) {
      rows.push([`3. Worktree, ${r.worktree.files.toLocaleString('en-US')} files × ${r.worktree.commits.toLocaleString('en-US')} commits: ${c.name} (median of ${c.reps})`, `${ms(c.kugetsuMs)} ms`, `raw git ${ms(c.rawMs)} ms (${c.raw})`, `${x(c.kugetsuMs / c.rawMs)} raw`]);
    }
  }
  if (r.scheduler) {
    const s = r.scheduler;
    rows.push([
      `4. Engine claims (SQLite), ${n0(s.jobs)} jobs over ${n0(s.issues)} issues, ${s.slots} slots, instant agent`,
      `${ms(s.totalMs)} ms admit + claim + finish (${n0(s.jobs / (s.totalMs / 1000))} jobs/s)`,
      `proof run: ${n0(s.proof.events)} claims, ${n0(s.proof.checks)} checks, max running ${s.proof.maxRunning}`,
      `${s.proof.violations} cap violations · ${s.proof.orderViolations} order violations`,
    ]);
  }
  if (r.memory) {
    const m = r.memory;
    rows.push([
      `5. Memory after GC: idle → ${n0(m.jobs)} queued jobs`,
      `RSS ${m.idle.rssMb} → ${m.queued.rssMb} MB · heap ${m.idle.heapUsedMb} → ${m.queued.heapUsedMb} MB`,
      `${((m.queued.heapUsedMb - m.idle.heapUsedMb) * 1024 / m.jobs).toFixed(1)} KB heap per queued job; admitted in ${n0(m.admitMs)} ms; ${n0(m.outboxPending)} outbox items still pending`,
      '—',
    ]);
  }
  const table = ['| Measurement | kugetsu | Baseline / detail (same run) | Ratio |', '|---|---|---|---|', ...rows.map((c) => `| ${c.join(' | ')} |`)];
  const m = r.machine;
  const notes: string[] = [
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}; ${m.mode} run on ${m.date}${r.durationS ? ` (${r.durationS.toFixed(0)} s: ${Object.entries(r.timingsS ?? {}).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')})` : ''}.`,
  ];
  if (r.ingest) {
    const sizes = Object.entries(r.ingest.bodySizes).map(([k, v]) => `${k} ${v.map((b) => (b / 1024).toFixed(1)).join('/')} KB`).join(', ');
    const k = r.ingest.rows.filter((row) => row.target === 'kugetsu' && row.commitsPerSec !== undefined);
    notes.push(
      `Ingest: autocannon, 50 connections, ${r.settings.ingestS} s per run after a ${r.settings.warmupS} s warm-up, each target in its own process, the load generator in another; bodies ${sizes}, signed (both signature headers). ` +
        'kugetsu = the real service (createService, SQLite WAL + synchronous=FULL, @hono/node-server, log level info to a file), fake Gitea in its own process, ' +
        'KUGETSU_MAX_AGENTS=1 held by a sleeping agent so every admitted job queues and no agent runs; abuse limits (rates, queued per issue) off.',
      `SQLite during ingest: ${k.map((row) => `mix (${row.mix}) ${n0(row.commitsPerSec!)} commits/s, ${row.writesPerCommit!.toFixed(1)} writes per commit`).join('; ')}.`,
      'Triggering deliveries still in flight when autocannon closes its sockets at the end are never answered; their jobs may be stored and are counted apart. Every 2xx triggering delivery must have exactly one job.',
      'Mix (b) builds and signs every request in the load generator, which caps the baselines there: their mix-(b) figures are lower bounds, the ratios upper bounds.',
    );
  }
  if (r.worktree) notes.push(`Worktrees in ${r.worktree.dir} (on this VM's disk a 20,000-file checkout alone varies from 1 to 28 s between identical runs, which hides any difference).`);
  return [...table, '', ...notes.map((n) => `- ${n}`), ''].join('\n');
}
